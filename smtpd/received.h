#ifndef TERN_SMTPD_RECEIVED_H
#define TERN_SMTPD_RECEIVED_H
/*
 * NAME
 *	received - the Received: line smtpd puts before each message
 * SYNOPSIS
 *	int received_format(struct str *out, const struct received_info *r);
 *	const char *received_protocol(int esmtp, int smtputf8, int tls, int auth);
 *	int received_for_safe(const char *rcpt);
 *	void received_sanitise_helo(char *dst, size_t dstlen, const char *helo);
 * DESCRIPTION
 *	received_format() appends (RFC 5321 §4.4, RFC 5322 §3.6.7)
 *
 *	    Received: from HELO (TCP-INFO)
 *	    	(using PROTOCOL with cipher CIPHER (BITS/ALG-BITS bits))
 *	    	(Authenticated sender: USER)
 *	    	by HOSTNAME (tern) with PROTOCOL id ID
 *	    	for <RCPT>;
 *	    	DATE
 *
 *	to out, every line ended by CRLF. TCP-INFO is client_format()'s
 *	"reverse-name [address]", "[address]" or "unknown": the address and the
 *	reverse name come from the launcher or the kernel, never from the client.
 *	The "Authenticated sender" comment appears only after a successful AUTH
 *	(auth_user not empty); USER is the login, which sasl_login_valid()
 *	restricted to letters, digits and "._-+@=" (and which is sanitised
 *	here as HELO is, in case another caller passes something else).
 *	The "for" line appears only when there is exactly one recipient and
 *	received_for_safe() says it may be written as it is: not with a quoted
 *	local part, nor with any byte outside atext (RFC 5322 §3.2.3), ".@[]:"
 *	and UTF-8 (a quoted "x>; by forged.example ..." would read as a trace
 *	clause of its own). The ";" ends the "for" line, or the "by" line when
 *	there is none.
 *	The "using" line, as Postfix writes it, appears only when r->tls is
 *	active (tls_state_format()); it comes before the "Authenticated
 *	sender" line, as in Postfix. PROTOCOL is received_protocol()'s. DATE is
 *	the RFC 5322 date-time in local time with a numeric zone.
 *
 *	received_protocol() names the "with" protocol (RFC 3848, RFC 6531
 *	§3.7.3): SMTP after HELO, else ESMTP, or UTF8SMTP for a message sent
 *	with SMTPUTF8; after ESMTP or UTF8SMTP an "S" when the session runs
 *	over TLS and an "A" when the client authenticated (ESMTPS, ESMTPSA,
 *	UTF8SMTPSA...). RFC 3848 names no such variant of SMTP (HELO): it
 *	stays SMTP, and the "using" line still tells TLS.
 *
 *	received_sanitise_helo() copies the client's HELO argument, which is
 *	client data, keeping letters, digits and ".-:[]_" and turning every
 *	other byte into '?', so that it cannot imitate the TCP-INFO comment or
 *	break the header; at most dstlen - 1 bytes.
 * DIAGNOSTICS
 *	received_format() returns 0, or -1 as str_append().
 */
#include <stddef.h>
#include <time.h>

#include "client.h"
#include "str.h"
#include "tls_state.h"

struct received_info {
	const char *helo;	/* as the client sent it; sanitised here */
	const struct client *client;
	const char *hostname;
	const char *protocol;
	const char *id;
	const char *rcpt;	/* NULL unless exactly one recipient */
	time_t when;
	const struct smtpd_tls *tls;	/* NULL or inactive: no "using" line */
	const char *auth_user;	/* "" or NULL unless authenticated */
};

int received_format(struct str *out, const struct received_info *r);
const char *received_protocol(int esmtp, int smtputf8, int tls, int auth);
int received_for_safe(const char *rcpt);
void received_sanitise_helo(char *dst, size_t dstlen, const char *helo);

#endif
