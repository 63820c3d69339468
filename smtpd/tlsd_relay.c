/*
 * tlsd_relay - handshake and relay loop (see tlsd_relay.h). One poll(2)
 * loop over at most four descriptors; after each wake-up every direction
 * is pushed until none makes progress, because OpenSSL may hold decrypted
 * bytes that no poll would announce.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "buf.h"
#include "str.h"
#include "tlsd_relay.h"

struct relay_buf {
	char mem[TLSD_BUFFER];
	size_t len;
};

struct relay {
	SSL *ssl;
	int plain;
	struct relay_buf to_plain, to_net;
	size_t write_pending;	/* length of an SSL_write() to repeat as it was */
	short net_read_want, net_write_want, plain_events;
	int net_eof, plain_eof, plain_shut, failed;
};

static void fd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* What an SSL_* call that did not succeed wants, as poll events on the net. */
static short relay_want(SSL *ssl, int ret)
{
	switch (SSL_get_error(ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return POLLIN;
	case SSL_ERROR_WANT_WRITE:
		return POLLOUT;
	default:
		return 0;
	}
}

/* Wait for the network as SSL wants; 1 ready, 0 timeout, -1 error. */
static int net_wait(SSL *ssl, short events, long long deadline_ms)
{
	struct pollfd p[2] = {
		{ .fd = SSL_get_rfd(ssl), .events = events & POLLIN },
		{ .fd = SSL_get_wfd(ssl), .events = events & POLLOUT },
	};
	long long left = deadline_ms - clock_ms();
	int r;

	if (left <= 0)
		return 0;
	r = poll(p, 2, left > 60000 ? 60000 : (int)left);
	if (r < 0 && errno != EINTR)
		return -1;
	return 1;	/* ready, interrupted or a slice of the wait: the caller retries */
}

int tlsd_handshake(SSL *ssl, long long deadline_ms, char *err, size_t errlen)
{
	short want;
	int r;

	fd_nonblock(SSL_get_rfd(ssl));
	fd_nonblock(SSL_get_wfd(ssl));
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_accept(ssl)) == 1)
			return 0;
		if (!(want = relay_want(ssl, r))) {
			unsigned long e = ERR_peek_last_error();
			if (SSL_get_error(ssl, r) == SSL_ERROR_SYSCALL && !e)
				return str_errorf(err, errlen, "handshake: connection closed%s%s",
						  errno ? ": " : "", errno ? strerror(errno) : "");
			return str_errorf(err, errlen, "handshake: %s",
					  e ? ERR_reason_error_string(e) : "failed");
		}
		switch (net_wait(ssl, want, deadline_ms)) {
		case 0:
			return str_errorf(err, errlen, "handshake: timeout");
		case -1:
			return str_errorf(err, errlen, "handshake: poll: %s", strerror(errno));
		}
	}
}

/* network -> to_plain */
static int relay_net_read(struct relay *r)
{
	struct relay_buf *b = &r->to_plain;
	size_t n = 0;
	int ret, e;

	r->net_read_want = 0;
	if (r->net_eof || b->len == sizeof b->mem)
		return 0;
	ERR_clear_error();
	if ((ret = SSL_read_ex(r->ssl, b->mem + b->len, sizeof b->mem - b->len, &n)) == 1) {
		b->len += n;
		return 1;
	}
	e = SSL_get_error(r->ssl, ret);
	if ((r->net_read_want = relay_want(r->ssl, ret)))
		return 0;
	/* close_notify, or the TCP end without it (SYSCALL, nothing queued) */
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !ERR_peek_error()))
		r->net_eof = 1;
	else
		r->failed = r->net_eof = 1;
	return 1;
}

/* to_net -> network */
static int relay_net_write(struct relay *r)
{
	struct relay_buf *b = &r->to_net;
	size_t len = r->write_pending ? r->write_pending : b->len, n = 0;
	int ret;

	r->net_write_want = 0;
	if (!len)
		return 0;
	ERR_clear_error();
	if ((ret = SSL_write_ex(r->ssl, b->mem, len, &n)) == 1) {
		memmove(b->mem, b->mem + n, b->len - n);
		b->len -= n;
		r->write_pending = 0;
		return 1;
	}
	r->write_pending = len;
	if (!(r->net_write_want = relay_want(r->ssl, ret)))
		r->failed = 1;
	return 0;
}

/* to_plain -> plain; at the client's end, shut plain for writing */
static int relay_plain_write(struct relay *r)
{
	struct relay_buf *b = &r->to_plain;
	ssize_t n;

	if (!b->len) {
		if (r->net_eof && !r->plain_shut) {
			shutdown(r->plain, SHUT_WR);
			r->plain_shut = 1;
		}
		return 0;
	}
	n = send(r->plain, b->mem, b->len, MSG_NOSIGNAL);
	if (n > 0) {
		memmove(b->mem, b->mem + n, b->len - (size_t)n);
		b->len -= (size_t)n;
		return 1;
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		r->failed = 1;
	r->plain_events |= POLLOUT;
	return 0;
}

/* plain -> to_net */
static int relay_plain_read(struct relay *r)
{
	struct relay_buf *b = &r->to_net;
	ssize_t n;

	if (r->plain_eof || b->len == sizeof b->mem)
		return 0;
	n = read(r->plain, b->mem + b->len, sizeof b->mem - b->len);
	if (n > 0) {
		b->len += (size_t)n;
		return 1;
	}
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		r->plain_eof = 1;
		return 1;
	}
	r->plain_events |= POLLIN;
	return 0;
}

/* Push every direction until none moves; 1 if anything moved. */
static int relay_pump(struct relay *r)
{
	int moved = 0, step;

	do {
		r->plain_events = 0;
		step = relay_net_read(r);
		step |= relay_plain_write(r);
		step |= relay_plain_read(r);
		step |= relay_net_write(r);
		moved |= step;
	} while (step && !r->failed);
	return moved;
}

static int relay_poll(struct relay *r, int timeout_ms)
{
	struct pollfd p[3] = {
		{ .fd = SSL_get_rfd(r->ssl), .events = (r->net_read_want | r->net_write_want) & POLLIN },
		{ .fd = SSL_get_wfd(r->ssl), .events = (r->net_read_want | r->net_write_want) & POLLOUT },
		{ .fd = r->plain, .events = r->plain_events },
	};

	if (poll(p, 3, timeout_ms) < 0 && errno != EINTR)
		return -1;
	return 0;
}

/* close_notify, bounded: the client may not read any more. */
static void relay_close(struct relay *r, int close_ms)
{
	long long end = clock_ms() + close_ms;
	short want;
	int ret;

	for (;;) {
		ERR_clear_error();
		if ((ret = SSL_shutdown(r->ssl)) >= 0)	/* 0: sent; we do not wait for theirs */
			return;
		if (!(want = relay_want(r->ssl, ret)) || net_wait(r->ssl, want, end) <= 0)
			return;
	}
}

int tlsd_relay(SSL *ssl, int plain, const struct tlsd_limits *l)
{
	static struct relay r;
	long long idle_end = clock_ms() + l->idle_ms, now, wait;

	memset(&r, 0, sizeof r);
	r.ssl = ssl;
	r.plain = plain;
	fd_nonblock(plain);
	for (;;) {
		if (relay_pump(&r))
			idle_end = clock_ms() + l->idle_ms;
		if (r.failed)
			return -1;
		if (r.plain_eof && !r.to_net.len) {
			if (!r.net_eof)
				relay_close(&r, l->close_ms);
			return 0;
		}
		if (r.net_eof && r.plain_shut && r.plain_eof)
			return 0;
		now = clock_ms();
		wait = (idle_end < l->deadline_ms ? idle_end : l->deadline_ms) - now;
		if (wait <= 0)
			return 1;
		if (relay_poll(&r, wait > 60000 ? 60000 : (int)wait) < 0)
			return -1;
	}
}

void tlsd_facts(SSL *ssl, char *protocol, char *cipher, char *bits, size_t len)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	int alg = 0, secret = c ? SSL_CIPHER_get_bits(c, &alg) : 0;

	snprintf(protocol, len, "%s", SSL_get_version(ssl));
	snprintf(cipher, len, "%s", c ? SSL_CIPHER_get_name(c) : "unknown");
	snprintf(bits, len, "%d/%d", secret, alg);
}
