#ifndef TERN_SMTPD_TLS_STATE_H
#define TERN_SMTPD_TLS_STATE_H
/*
 * NAME
 *	tls_state - what smtpd knows of the TLS layer under its session
 * SYNOPSIS
 *	int tls_state_set(struct smtpd_tls *t, const char *protocol,
 *	                  const char *cipher, const char *bits);
 *	int tls_state_from_env(struct smtpd_tls *t);
 *	int tls_state_format(const struct smtpd_tls *t, char *out, size_t outlen);
 * DESCRIPTION
 *	smtpd never does TLS itself: tlsd(8) does the handshake and the
 *	crypto and tells smtpd the outcome, either on the control descriptor
 *	after STARTTLS or, for implicit TLS (RFC 8314, tlsd -i), in the
 *	environment it starts smtpd with: TERN_TLS_PROTOCOL (e.g. TLSv1.3),
 *	TERN_TLS_CIPHER (e.g. TLS_AES_256_GCM_SHA384) and TERN_TLS_BITS
 *	("256", or "256/256": the secret bits, then the algorithm's bits).
 *	These are facts from the launcher, like TCPREMOTEIP, never from the
 *	client; they are still checked before use, since they end up in
 *	Received: lines and logs.
 *
 *	tls_state_set() checks the three strings and, when all are good, fills
 *	t and sets t->active. protocol and cipher must be 1 to
 *	TLS_STATE_TOKEN_MAX bytes of letters, digits and "._-+"; bits 1 to 5
 *	digits, optionally "/" and 1 to 5 more, each 1 to 65535.
 *
 *	tls_state_from_env() reads the three variables: none set (or all
 *	empty) leaves t inactive.
 *
 *	tls_state_format() writes Postfix's comment for Received: (without the
 *	parentheses of the comment itself): "using TLSv1.3 with cipher
 *	TLS_AES_256_GCM_SHA384 (256/256 bits)".
 * DIAGNOSTICS
 *	tls_state_set() returns 0, or -1 (t is then all zero: inactive).
 *	tls_state_from_env() returns 1 (TLS active), 0 (no TLS), or -1 when a
 *	variable is set but any of the three is missing or malformed.
 *	tls_state_format() returns 0, or -1 when t is inactive or out is too
 *	small.
 */
#include <stddef.h>

#define TLS_STATE_TOKEN_MAX 63

struct smtpd_tls {
	int active;				/* the session runs over TLS */
	char protocol[TLS_STATE_TOKEN_MAX + 1];	/* "TLSv1.3" */
	char cipher[TLS_STATE_TOKEN_MAX + 1];	/* "TLS_AES_256_GCM_SHA384" */
	unsigned bits;				/* secret bits */
	unsigned alg_bits;			/* the algorithm's bits */
};

int tls_state_set(struct smtpd_tls *t, const char *protocol, const char *cipher,
		  const char *bits);
int tls_state_from_env(struct smtpd_tls *t);
int tls_state_format(const struct smtpd_tls *t, char *out, size_t outlen);

#endif
