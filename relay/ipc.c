/* ipc - framed messages over unix socketpairs, with descriptor passing; see ipc.h. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "relay/ipc.h"

#define IPC_HDR 8

static void ipc_header(char hdr[IPC_HDR], unsigned type, size_t len)
{
	uint32_t t = type, l = (uint32_t)len;

	memcpy(hdr, &t, 4);
	memcpy(hdr + 4, &l, 4);
}

static int ipc_write_rest(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			if (poll(&pf, 1, 30000) == 0)
				return errno = ETIMEDOUT, -1;
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int ipc_send(int fd, unsigned type, const void *p, size_t len, int passfd)
{
	char hdr[IPC_HDR];
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } cm;
	struct iovec iov = { .iov_base = hdr, .iov_len = IPC_HDR };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t w;

	if (len > IPC_MAX)
		return errno = EMSGSIZE, -1;
	ipc_header(hdr, type, len);
	if (passfd >= 0) {
		memset(&cm, 0, sizeof cm);
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof cm.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	do
		w = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	if (ipc_write_rest(fd, hdr + w, IPC_HDR - (size_t)w) < 0)
		return -1;
	return ipc_write_rest(fd, p, len);
}

/* Reads exactly n bytes; the first recvmsg may carry a descriptor. */
static int ipc_read_exact(int fd, char *p, size_t n, int *passfd, int timeout_ms)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } cm;

	while (n > 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		struct iovec iov = { .iov_base = p, .iov_len = n };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		int pr = poll(&pf, 1, timeout_ms);
		ssize_t r;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -1;
		if (pr == 0)
			return errno = ETIMEDOUT, -1;
		if (passfd) {
			mh.msg_control = cm.buf;
			mh.msg_controllen = sizeof cm.buf;
		}
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 1;
		if (passfd) {
			struct cmsghdr *c;

			for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
				    c->cmsg_len == CMSG_LEN(sizeof(int)) && *passfd < 0)
					memcpy(passfd, CMSG_DATA(c), sizeof(int));
			passfd = NULL;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int ipc_recv(int fd, unsigned *type, struct str *payload, int *passfd, int timeout_ms)
{
	char hdr[IPC_HDR];
	uint32_t t, l;
	int r;

	*passfd = -1;
	str_truncate(payload, 0);
	r = ipc_read_exact(fd, hdr, IPC_HDR, passfd, timeout_ms);
	if (r != 0)
		goto fail;
	memcpy(&t, hdr, 4);
	memcpy(&l, hdr + 4, 4);
	if (l > IPC_MAX) {
		errno = EPROTO;
		r = -1;
		goto fail;
	}
	*type = t;
	while (payload->len < l) {
		char chunk[8192];
		size_t want = l - payload->len < sizeof chunk ? l - payload->len : sizeof chunk;

		r = ipc_read_exact(fd, chunk, want, NULL, timeout_ms);
		if (r == 1)
			errno = EPROTO, r = -1;
		if (r != 0 || str_append(payload, chunk, want) < 0) {
			r = -1;
			goto fail;
		}
	}
	return 0;
fail:
	if (*passfd >= 0) {
		close(*passfd);
		*passfd = -1;
	}
	return r;
}

void ipc_reader_init(struct ipc_reader *r)
{
	struct str empty = STR_INIT(IPC_MAX + IPC_HDR + 65536);

	r->buf = empty;
	r->used = 0;
}

int ipc_reader_fill(struct ipc_reader *r, int fd)
{
	char chunk[65536];
	ssize_t n;

	if (r->used > 0) {
		memmove(r->buf.s, r->buf.s + r->used, r->buf.len - r->used);
		r->buf.len -= r->used;
		r->used = 0;
	}
	do
		n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		return -1;
	if (n == 0)
		return 1;
	return str_append(&r->buf, chunk, (size_t)n) < 0 ? -1 : 0;
}

int ipc_reader_next(struct ipc_reader *r, unsigned *type, const char **p, size_t *len)
{
	size_t avail = r->buf.len - r->used;
	uint32_t t, l;

	if (avail < IPC_HDR)
		return 0;
	memcpy(&t, r->buf.s + r->used, 4);
	memcpy(&l, r->buf.s + r->used + 4, 4);
	if (l > IPC_MAX)
		return errno = EPROTO, -1;
	if (avail - IPC_HDR < l)
		return 0;
	*type = t;
	*p = r->buf.s + r->used + IPC_HDR;
	*len = l;
	r->used += IPC_HDR + l;
	return 1;
}

void ipc_reader_free(struct ipc_reader *r)
{
	str_free(&r->buf);
	r->used = 0;
}

int ipc_put_u32(struct str *s, uint32_t v)
{
	return str_append(s, &v, sizeof v);
}

int ipc_put_u64(struct str *s, uint64_t v)
{
	return str_append(s, &v, sizeof v);
}

int ipc_put_str(struct str *s, const char *z)
{
	size_t n = strlen(z), need;

	if (n > UINT32_MAX || size_add(n, 5, &need) < 0)
		return errno = E2BIG, -1;
	if (s->limit && (s->len > s->limit || s->limit - s->len < need))
		return errno = E2BIG, -1;
	if (ipc_put_u32(s, (uint32_t)n) < 0)
		return -1;
	return str_append(s, z, n + 1);
}

void ipc_dec_init(struct ipc_dec *d, const char *p, size_t len)
{
	d->p = p;
	d->len = len;
	d->off = 0;
	d->err = 0;
}

static const char *ipc_take(struct ipc_dec *d, size_t n)
{
	const char *p;

	if (d->err || d->len - d->off < n) {
		d->err = 1;
		return NULL;
	}
	p = d->p + d->off;
	d->off += n;
	return p;
}

uint32_t ipc_get_u32(struct ipc_dec *d)
{
	const char *p = ipc_take(d, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, 4);
	return v;
}

uint64_t ipc_get_u64(struct ipc_dec *d)
{
	const char *p = ipc_take(d, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return v;
}

const char *ipc_get_str(struct ipc_dec *d, size_t max)
{
	uint32_t n = ipc_get_u32(d);
	const char *p;

	if (d->err || n > max || n == UINT32_MAX) {
		d->err = 1;
		return NULL;
	}
	p = ipc_take(d, (size_t)n + 1);
	if (!p || p[n] != '\0' || memchr(p, '\0', n)) {
		d->err = 1;
		return NULL;
	}
	return p;
}
