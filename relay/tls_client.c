/*
 * tls_client - client TLS for the delivery workers (see tls_client.h).
 *
 * The socket stays non-blocking: every SSL call that wants the socket
 * readable or writable turns into a poll() bounded by the caller's
 * deadline, in the handshake here and in reads and writes through lib/buf's
 * I/O seam, so a peer that stalls in the middle of TLS holds a worker no
 * longer than one that stalls in plaintext.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "relay/tls_client.h"

struct tls_session {
	SSL *ssl;
	int fd;
	enum tls_verified verified;
	long verify_result;
};

static SSL_CTX *tls_ctx;
static char tls_ctx_ca[4096];

/* One context per worker (and CA file): made on first use, kept. */
static SSL_CTX *tls_context(const char *ca_file, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if (!ca_file)
		ca_file = "";
	if (tls_ctx && strcmp(tls_ctx_ca, ca_file) == 0)
		return tls_ctx;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		snprintf(err, errlen, "cannot make a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);	/* the policy decides after */
	if ((*ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
		      : SSL_CTX_set_default_verify_paths(ctx)) != 1 ||
	    SSL_CTX_dane_enable(ctx) <= 0) {
		snprintf(err, errlen, "cannot load the trusted CAs %s", *ca_file ? ca_file : "");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (tls_ctx)
		SSL_CTX_free(tls_ctx);
	tls_ctx = ctx;
	snprintf(tls_ctx_ca, sizeof tls_ctx_ca, "%s", ca_file);
	return ctx;
}

static int host_is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* The reference identity, SNI and DANE records on ssl. */
static int tls_setup(SSL *ssl, const char *host, const struct tls_tlsa *tlsa, size_t ntlsa)
{
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
	size_t i;
	int usable = 0;

	if (host_is_ip(host))
		return X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1 ? 0 : -1;
	/* RFC 6066 §3: SNI carries a host name, never an address */
	if (SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (!ntlsa)
		return X509_VERIFY_PARAM_set1_host(param, host, 0) == 1 ? 0 : -1;
	/* RFC 7672 §3.2.2: the MX host name is the reference identity for
	 * DANE-TA; §3.1.1: DANE-EE matches the key alone, no name check */
	if (SSL_dane_enable(ssl, host) <= 0)
		return -1;
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < ntlsa; i++)
		if (SSL_dane_tlsa_add(ssl, tlsa[i].usage, tlsa[i].selector, tlsa[i].mtype,
				      tlsa[i].data, tlsa[i].len) > 0)
			usable++;
	return usable ? 0 : -1;
}

/* Wait for fd to become ready for events until deadline: 1, 0 timeout, -1. */
static int tls_wait(int fd, short events, long long deadline)
{
	struct pollfd p = { fd, events, 0 };

	for (;;) {
		long long left = deadline - clock_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static void tls_error_text(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e) {
		ERR_error_string_n(e, buf, sizeof buf);
		snprintf(err, errlen, "%s: %s", what, buf);
	} else {
		snprintf(err, errlen, "%s: %s", what, errno ? strerror(errno) : "connection closed");
	}
	ERR_clear_error();
}

static int tls_handshake(struct tls_session *t, long long deadline, char *err, size_t errlen)
{
	for (;;) {
		int r, w;

		ERR_clear_error();
		errno = 0;
		r = SSL_connect(t->ssl);
		if (r == 1)
			return 0;
		switch (SSL_get_error(t->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			w = tls_wait(t->fd, POLLIN, deadline);
			break;
		case SSL_ERROR_WANT_WRITE:
			w = tls_wait(t->fd, POLLOUT, deadline);
			break;
		default:
			tls_error_text(err, errlen, "TLS handshake failed");
			return -1;
		}
		if (w <= 0) {
			snprintf(err, errlen, "TLS handshake %s", w ? "failed: poll" : "timed out");
			return -1;
		}
	}
}

static enum tls_verified tls_judge(struct tls_session *t)
{
	t->verify_result = SSL_get_verify_result(t->ssl);
	if (t->verify_result != X509_V_OK)
		return TLS_V_UNTRUSTED;
	if (SSL_get0_dane_authority(t->ssl, NULL, NULL) >= 0)
		return TLS_V_DANE;
	return TLS_V_TRUSTED;
}

struct tls_session *tls_connect(int fd, const char *host, const struct tls_tlsa *tlsa,
				size_t ntlsa, const char *ca_file, long long deadline,
				char *err, size_t errlen)
{
	SSL_CTX *ctx = tls_context(ca_file, err, errlen);
	struct tls_session *t;

	if (!ctx)
		return NULL;
	t = calloc(1, sizeof *t);
	if (!t || !(t->ssl = SSL_new(ctx))) {
		snprintf(err, errlen, "TLS: out of memory");
		free(t);
		return NULL;
	}
	t->fd = fd;
	if (SSL_set_fd(t->ssl, fd) != 1 || tls_setup(t->ssl, host, tlsa, ntlsa) < 0) {
		tls_error_text(err, errlen, "TLS setup failed");
		tls_free(t);
		return NULL;
	}
	if (tls_handshake(t, deadline, err, errlen) < 0) {
		tls_free(t);
		return NULL;
	}
	t->verified = tls_judge(t);
	return t;
}

void tls_free(struct tls_session *t)
{
	if (!t)
		return;
	if (t->ssl)
		SSL_free(t->ssl);
	free(t);
}

enum tls_verified tls_verified(const struct tls_session *t)
{
	return t ? t->verified : TLS_V_NONE;
}

const char *tls_verify_error(const struct tls_session *t)
{
	return t ? X509_verify_cert_error_string(t->verify_result) : "";
}

const char *tls_verified_name(enum tls_verified v)
{
	switch (v) {
	case TLS_V_UNTRUSTED:
		return "untrusted";
	case TLS_V_TRUSTED:
		return "trusted";
	case TLS_V_DANE:
		return "dane";
	default:
		return "none";
	}
}

void tls_describe(const struct tls_session *t, char *out, size_t len)
{
	if (!t) {
		snprintf(out, len, "none");
		return;
	}
	snprintf(out, len, "%s %s verified=%s", SSL_get_version(t->ssl),
		 SSL_get_cipher_name(t->ssl), tls_verified_name(t->verified));
}

/* SSL_get_error() of r as read(2)/write(2) would say it. */
static ssize_t tls_io_result(struct tls_session *t, int r, short *want)
{
	if (r > 0)
		return r;
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*want = POLLIN;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want = POLLOUT;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;	/* close_notify */
	case SSL_ERROR_SYSCALL:
		if (!errno)
			errno = ECONNRESET;	/* end of file without close_notify */
		ERR_clear_error();
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

static ssize_t tls_read(void *arg, void *p, size_t n, short *want)
{
	struct tls_session *t = arg;

	ERR_clear_error();
	errno = 0;
	return tls_io_result(t, SSL_read(t->ssl, p, n > INT_MAX ? INT_MAX : (int)n), want);
}

static ssize_t tls_write(void *arg, const void *p, size_t n, short *want)
{
	struct tls_session *t = arg;

	ERR_clear_error();
	errno = 0;
	return tls_io_result(t, SSL_write(t->ssl, p, n > INT_MAX ? INT_MAX : (int)n), want);
}

const struct buf_io tls_buf_io = { tls_read, tls_write };
