#ifndef TERN_SMTPD_TLSD_RELAY_H
#define TERN_SMTPD_TLSD_RELAY_H
/*
 * NAME
 *	tlsd_relay - tlsd's handshake and its loop between TLS and plaintext
 * SYNOPSIS
 *	int tlsd_handshake(SSL *ssl, long long deadline_ms, char *err, size_t errlen);
 *	int tlsd_relay(SSL *ssl, int plain, const struct tlsd_limits *l);
 *	void tlsd_facts(SSL *ssl, char *protocol, char *cipher, char *bits, size_t len);
 * DESCRIPTION
 *	ssl is bound to the network descriptors (SSL_set_rfd, SSL_set_wfd);
 *	these, and plain, are made non-blocking, and every wait is a poll(2)
 *	with a deadline.
 *
 *	tlsd_handshake() runs the server side of the handshake until it ends
 *	or deadline_ms (clock_ms() scale) passes.
 *
 *	tlsd_relay() then moves bytes both ways through two buffers of
 *	TLSD_BUFFER bytes each: what SSL_read() gives is written to plain, what
 *	plain gives is SSL_write()n. When the client ends TLS (close_notify, or
 *	TCP end of file), what is left is written to plain and plain is shut
 *	down for writing, so smtpd sees end of file; when smtpd closes plain
 *	(end of file), tlsd sends close_notify, waiting at most
 *	l->close_ms for the network to take it, and returns. A session in
 *	which no byte moves either way for l->idle_ms, or that lasts beyond
 *	l->deadline_ms, ends.
 *
 *	tlsd_facts() gives what smtpd is told: the protocol version
 *	("TLSv1.3"), the cipher ("TLS_AES_256_GCM_SHA384") and
 *	"SECRET-BITS/ALGORITHM-BITS".
 * DIAGNOSTICS
 *	tlsd_handshake() returns 0, or -1 with err set (timeout, the peer's
 *	end of file, or OpenSSL's reason, e.g. "unsupported protocol" for TLS
 *	1.1). tlsd_relay() returns 0 after an orderly end, 1 after a timeout,
 *	-1 after an error of either side.
 */
#include <stddef.h>
#include <openssl/ssl.h>

#define TLSD_BUFFER 16384

struct tlsd_limits {
	int idle_ms;		/* no byte either way for this long: end */
	long long deadline_ms;	/* the whole session, clock_ms() scale */
	int close_ms;		/* for close_notify to leave */
};

int tlsd_handshake(SSL *ssl, long long deadline_ms, char *err, size_t errlen);
int tlsd_relay(SSL *ssl, int plain, const struct tlsd_limits *l);
void tlsd_facts(SSL *ssl, char *protocol, char *cipher, char *bits, size_t len);

#endif
