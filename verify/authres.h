#ifndef TERN_VERIFY_AUTHRES_H
#define TERN_VERIFY_AUTHRES_H
/*
 * NAME
 *	authres - the results of mailauth's checks and their
 *	Authentication-Results: header (RFC 8601)
 * SYNOPSIS
 *	const char *authres_name(enum ar_result r);
 *	int authres_format(const struct authres *r, struct str *out);
 * DESCRIPTION
 *	struct authres holds what mailauth found for one message: SPF of the
 *	HELO and MAIL FROM identities (RFC 7208 §2.3, §2.4), each DKIM
 *	signature (RFC 6376), DMARC (RFC 7489) for the From: domain, or that
 *	the checks were skipped (an authenticated client: auth=pass, RFC 8601
 *	§2.7.4; a relay client or a local submission: "none").
 *
 *	authres_name() is the result's RFC 8601 §2.7 keyword (none, pass,
 *	fail, softfail, neutral, temperror, permerror).
 *
 *	authres_format() appends one header field to out, folded with CRLF
 *	and a tab before each method:
 *	  Authentication-Results: ID;
 *	  	spf=pass smtp.mailfrom=a@example.org;
 *	  	spf=none smtp.helo=mx.example.org;
 *	  	dkim=pass header.d=example.org header.s=sel header.b=abcd1234;
 *	  	dmarc=pass header.from=example.org
 *	A method not run is left out; with nothing at all it is "ID; none"
 *	(RFC 8601 §2.2). Values that are not a dot-atom, a mailbox of one
 *	or a domain are written as quoted-strings, and every value had its
 *	CR, LF and control bytes refused before (the caller's inputs are
 *	checked: envelope and HELO by smtpd, DKIM d= and s= by libopendkim,
 *	the From: domain by the header parser); a byte outside printable
 *	ASCII here drops the property rather than break the header.
 * DIAGNOSTICS
 *	authres_format() returns 0, or -1 as str_append() (out unchanged
 *	up to what was appended).
 */
#include <stddef.h>

#include "str.h"

#define AR_DKIM_MAX 8

enum ar_result {
	AR_UNCHECKED,	/* the method did not run: left out */
	AR_NONE, AR_PASS, AR_FAIL, AR_SOFTFAIL, AR_NEUTRAL, AR_TEMPERROR, AR_PERMERROR,
};

struct ar_dkim {
	enum ar_result result;
	char domain[256];	/* d= */
	char selector[64];	/* s= */
	char b[16];		/* the first 8 characters of b= (RFC 6008) */
	const char *reason;	/* comment, or NULL */
};

struct authres {
	const char *authserv_id;
	const char *auth_user;		/* authenticated client: auth=pass, nothing else */
	enum ar_result spf_helo, spf_mailfrom;
	const char *helo, *mailfrom;	/* the identities checked */
	struct ar_dkim dkim[AR_DKIM_MAX];
	size_t ndkim;
	enum ar_result dkim_none;	/* AR_NONE: no signature; else unchecked */
	enum ar_result dmarc;
	const char *from_domain;	/* header.from, or NULL */
	const char *dmarc_reason;	/* comment, or NULL */
};

const char *authres_name(enum ar_result r);
int authres_format(const struct authres *r, struct str *out);

#endif
