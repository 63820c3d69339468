#ifndef TERN_SMTPD_SASL_H
#define TERN_SMTPD_SASL_H
/*
 * NAME
 *	sasl - decode the client's side of SASL PLAIN and LOGIN (RFC 4954,
 *	RFC 4616, RFC 4648)
 * SYNOPSIS
 *	enum sasl_mech sasl_mech_parse(const char *name, size_t len);
 *	enum sasl_result sasl_base64_decode(const char *in, size_t len,
 *	                                    char *out, size_t outmax,
 *	                                    size_t *outlen);
 *	enum sasl_result sasl_plain_decode(const char *in, size_t len,
 *	                                   struct sasl_credentials *c);
 *	enum sasl_result sasl_login_field(const char *in, size_t len,
 *	                                  char *out, size_t outmax);
 *	int sasl_login_valid(const char *login);
 *	void sasl_credentials_clear(struct sasl_credentials *c);
 * DESCRIPTION
 *	sasl_mech_parse() names the mechanism of an AUTH command (any case):
 *	SASL_PLAIN, SASL_LOGIN or SASL_UNKNOWN.
 *
 *	sasl_base64_decode() decodes one client response, RFC 4648 §4 base64
 *	with padding and nothing else (no blanks, no line breaks), into out
 *	(at most outmax bytes; out is NUL-terminated and may hold NULs). A
 *	response of "*" is SASL_CANCEL (RFC 4954 §4). "=" is the empty
 *	initial response (RFC 4954 §4) and decodes to 0 bytes.
 *
 *	sasl_plain_decode() decodes a PLAIN response (RFC 4616 §2:
 *	[authzid] NUL authcid NUL passwd) into c. An authzid other than empty
 *	or the authcid itself is refused (SASL_BAD_CREDENTIALS): tern does not
 *	let one login act for another.
 *
 *	sasl_login_field() decodes one LOGIN response (the user name or the
 *	password) into out, which is then a C string: a NUL inside is refused.
 *
 *	sasl_login_valid() says whether a user name may be checked at all: 1
 *	to SASL_USER_MAX octets of letters, digits and "._-+@=". The name goes
 *	to the checker, the log and the Received: field, so nothing else
 *	(no blank, colon, parenthesis, control or non-ASCII byte) gets that
 *	far; a refused name is answered like a wrong password.
 *
 *	sasl_credentials_clear() wipes c (explicit_bzero).
 * DIAGNOSTICS
 *	SASL_OK; SASL_CANCEL ("*"); SASL_BAD_BASE64 (501 5.5.2);
 *	SASL_TOO_LONG (decoded beyond the bound: 501 5.5.2);
 *	SASL_BAD_CREDENTIALS (a well-formed response that cannot be right:
 *	empty or oversized user or password, a NUL in LOGIN, a foreign authzid
 *	or a missing separator: 535 5.7.8, counted as a failure).
 */
#include <stddef.h>

#define SASL_USER_MAX 255	/* RFC 4616 §2: authcid up to 255 octets */
#define SASL_PASSWORD_MAX 1024
/* RFC 4954 §4: 12288 octets is what a server should accept for a response */
#define SASL_LINE_MAX 12288

enum sasl_mech { SASL_UNKNOWN, SASL_PLAIN, SASL_LOGIN };

enum sasl_result {
	SASL_OK, SASL_CANCEL, SASL_BAD_BASE64, SASL_TOO_LONG, SASL_BAD_CREDENTIALS,
};

struct sasl_credentials {
	char user[SASL_USER_MAX + 1];
	char password[SASL_PASSWORD_MAX + 1];
};

enum sasl_mech sasl_mech_parse(const char *name, size_t len);
enum sasl_result sasl_base64_decode(const char *in, size_t len, char *out, size_t outmax,
				    size_t *outlen);
enum sasl_result sasl_plain_decode(const char *in, size_t len, struct sasl_credentials *c);
enum sasl_result sasl_login_field(const char *in, size_t len, char *out, size_t outmax);
int sasl_login_valid(const char *login);
void sasl_credentials_clear(struct sasl_credentials *c);

#endif
