#ifndef TERN_ADDR_H
#define TERN_ADDR_H
/*
 * NAME
 *	addr - the RFC 5321 address parser (with RFC 6531 UTF-8)
 * SYNOPSIS
 *	enum addr_result addr_parse_path(const char *s, size_t len, int flags,
 *	                                 struct addr *a, size_t *consumed);
 *	enum addr_result addr_parse_mailbox(const char *s, size_t len, int flags,
 *	                                    struct addr *a);
 *	const char *addr_result_text(enum addr_result r);
 *	int addr_domain_equal(const char *a, const char *b);
int addr_domain_valid(const char *s, size_t len);
int addr_literal_valid(const char *s, size_t len);
 *	int addr_domain_valid(const char *s, size_t len);
 *	int addr_literal_valid(const char *s, size_t len);
 * DESCRIPTION
 *	addr_parse_path() parses an RFC 5321 §4.1.2 Path ("<" [A-d-l ":"] Mailbox ">")
 *	or, with ADDR_ALLOW_NULL, the null path "<>" at the start of s, and
 *	sets *consumed to the bytes used (through ">"). A source route (A-d-l) is
 *	accepted and discarded (RFC 5321 §4.1.1.3, Appendix C).
 *	addr_parse_mailbox() parses a bare Mailbox that must fill all len bytes.
 *
 *	Local part: Dot-string or Quoted-string (§4.1.2); at most 64 octets
 *	(§4.5.3.1.1). Domain: dot-separated sub-domains of letters, digits and
 *	hyphens (no leading/trailing hyphen), at most 255 octets (§4.5.3.1.2)
 *	and 63 per label; or an address literal "[1.2.3.4]" or "[IPv6:...]"
 *	(§4.1.3) checked with inet_pton. Whole path at most 256 octets
 *	(§4.5.3.1.3). With ADDR_UTF8 (the client gave SMTPUTF8, RFC 6531 §3.3)
 *	the local part and domain labels may also hold valid UTF-8 sequences
 *	(overlongs, surrogates and bytes above U+10FFFF refused).
 *
 *	On ADDR_OK, a->text holds "local@domain" (quoted local parts keep their
 *	quotes; "" for the null path), a->local_len is the local part's length,
 *	a->domain points into a->text just after '@', a->is_literal and a->utf8
 *	say what was seen. CR, LF and NUL are never accepted anywhere.
 *
 *	addr_domain_equal() compares two domains ignoring ASCII case.
 *	addr_domain_valid() says whether all len bytes of s are one ASCII
 *	Domain as above; addr_literal_valid() the same for an address literal
 *	(the configuration checks its domains with these).
 * DIAGNOSTICS
 *	ADDR_OK, or the first problem: ADDR_SYNTAX, ADDR_LOCAL_TOO_LONG,
 *	ADDR_DOMAIN_TOO_LONG, ADDR_PATH_TOO_LONG, ADDR_UTF8_NOT_ALLOWED,
 *	ADDR_BAD_LITERAL. addr_result_text() gives a short English phrase for
 *	replies ("local part longer than 64 octets").
 */
#include <stddef.h>

#define ADDR_LOCAL_MAX 64
#define ADDR_DOMAIN_MAX 255
#define ADDR_PATH_MAX 256

enum { ADDR_ALLOW_NULL = 1, ADDR_UTF8 = 2 };

enum addr_result {
	ADDR_OK,
	ADDR_SYNTAX,
	ADDR_LOCAL_TOO_LONG,
	ADDR_DOMAIN_TOO_LONG,
	ADDR_PATH_TOO_LONG,
	ADDR_UTF8_NOT_ALLOWED,
	ADDR_BAD_LITERAL,
};

struct addr {
	char text[ADDR_PATH_MAX + 1];
	size_t len;
	size_t local_len;
	const char *domain;
	int is_literal;
	int utf8;
};

enum addr_result addr_parse_path(const char *s, size_t len, int flags,
				 struct addr *a, size_t *consumed);
enum addr_result addr_parse_mailbox(const char *s, size_t len, int flags,
				    struct addr *a);
const char *addr_result_text(enum addr_result r);
int addr_domain_equal(const char *a, const char *b);
int addr_domain_valid(const char *s, size_t len);
int addr_literal_valid(const char *s, size_t len);

#endif
