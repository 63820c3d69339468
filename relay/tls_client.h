#ifndef TERN_TLS_CLIENT_H
#define TERN_TLS_CLIENT_H
/*
 * NAME
 *	tls_client - the delivery workers' client TLS (OpenSSL): handshake,
 *	verification, DANE, and the I/O layer for lib/buf (runs in a worker)
 * SYNOPSIS
 *	struct tls_session *tls_connect(int fd, const char *host,
 *	                                const struct tls_tlsa *tlsa, size_t ntlsa,
 *	                                const char *ca_file, long long deadline,
 *	                                char *err, size_t errlen);
 *	void tls_free(struct tls_session *t);
 *	extern const struct buf_io tls_buf_io;
 *	enum tls_verified tls_verified(const struct tls_session *t);
 *	void tls_describe(const struct tls_session *t, char *out, size_t len);
 *	const char *tls_verified_name(enum tls_verified v);
 * DESCRIPTION
 *	tls_connect() runs a TLS 1.2 or 1.3 client handshake on the connected,
 *	non-blocking socket fd, waiting at most until deadline (clock_ms()
 *	scale) for each step. host is the name the client meant to reach
 *	(the MX host name, never what DNS turned it into): it goes out as
 *	SNI (RFC 6066 §3; not for an IP address) and is the reference
 *	identity the certificate is checked against (RFC 6125, no partial
 *	wildcards; an IP address is checked against the certificate's IP
 *	addresses). ca_file names the trusted CAs ("" or NULL: the system's
 *	default paths); the context is made on first use and kept for the
 *	worker's life (per CA file).
 *	With ntlsa > 0 the TLSA records (already filtered for usability, see
 *	dane.h) are handed to OpenSSL's DANE verifier (RFC 7672 §3: DANE-EE
 *	without name checks, DANE-TA with them).
 *	The handshake does not fail on an untrusted certificate: the caller
 *	reads tls_verified() and applies its policy (a "may" session is
 *	encrypted but unauthenticated). tls_verified() is TLS_V_DANE when a
 *	TLSA record authenticated the peer, TLS_V_TRUSTED when the chain and
 *	the name verified, else TLS_V_UNTRUSTED.
 *	tls_buf_io with the session as its argument is the layer for
 *	inbuf_set_io()/outbuf_set_io() (buf.h): SSL_read/SSL_write with
 *	WANT_READ/WANT_WRITE turned into EAGAIN and the readiness to wait for.
 *	tls_describe() writes "TLSv1.3 TLS_AES_256_GCM_SHA384 verified=dane"
 *	(the protocol, the cipher and tls_verified_name()); when verification
 *	failed, the reason is not part of it: tls_verify_error() gives it.
 *	tls_free() frees the session (no close_notify: SMTP's QUIT ends the
 *	session, RFC 3207 §4.2) and leaves fd open.
 * DIAGNOSTICS
 *	tls_connect() returns NULL with err set ("handshake failed: ...",
 *	"timed out").
 */
#include <stddef.h>

#include "buf.h"

enum tls_verified { TLS_V_NONE, TLS_V_UNTRUSTED, TLS_V_TRUSTED, TLS_V_DANE };

struct tls_tlsa {
	unsigned char usage, selector, mtype;
	unsigned char *data;		/* the association data (owner: dane.h) */
	size_t len;
};

struct tls_session;

struct tls_session *tls_connect(int fd, const char *host, const struct tls_tlsa *tlsa,
				size_t ntlsa, const char *ca_file, long long deadline,
				char *err, size_t errlen);
void tls_free(struct tls_session *t);
extern const struct buf_io tls_buf_io;
enum tls_verified tls_verified(const struct tls_session *t);
void tls_describe(const struct tls_session *t, char *out, size_t len);
const char *tls_verify_error(const struct tls_session *t);
const char *tls_verified_name(enum tls_verified v);

#endif
