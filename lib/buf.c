/*
 * buf - buffered fd input and output with timeouts and bounds (see buf.h).
 *
 * Every wait is a poll() bounded by the per-wait timeout and the optional
 * absolute deadline, so a silent peer can never hold a process forever.
 * A negative timeout_ms means "no per-wait limit" (the deadline, if any,
 * still applies); the default is RFC 5321 §4.5.3.2's 5 minutes.
 *
 * inbuf_getline() leaves a line in the buffer until its LF has arrived, so a
 * timeout in the middle of a line loses nothing when the caller tries again;
 * only a line longer than the buffer is consumed piecewise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define BUF_DEFAULT_TIMEOUT_MS 300000

long long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until fd is ready for events, at most until wait_end or deadline
 * (0: none for either). Returns 1 ready, 0 timed out, -1 error.
 */
static int fd_wait(int fd, short events, long long wait_end, long long deadline)
{
	long long end = wait_end;
	struct pollfd pfd;
	int ms, r;

	if (deadline && (!end || deadline < end))
		end = deadline;
	for (;;) {
		ms = -1;
		if (end) {
			/* at least one poll, so a timeout of 0 still sees ready data */
			long long left = end - clock_ms();
			ms = left < 0 ? 0 : left > 1000000000 ? 1000000000 : (int)left;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 1;	/* POLLHUP/POLLERR too: the read or write reports it */
		if (r == 0 && clock_ms() >= end)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static long long wait_end_for(int timeout_ms)
{
	return timeout_ms < 0 ? 0 : clock_ms() + timeout_ms;
}

void inbuf_init(struct inbuf *b, int fd, char *mem, size_t size)
{
	b->fd = fd;
	b->mem = mem;
	b->size = size;
	b->start = b->end = 0;
	b->timeout_ms = BUF_DEFAULT_TIMEOUT_MS;
	b->deadline_ms = 0;
	b->eof = 0;
	b->io = NULL;
	b->io_arg = NULL;
}

void buf_set_timeout(struct inbuf *b, int timeout_ms)
{
	b->timeout_ms = timeout_ms;
}

void buf_set_deadline(struct inbuf *b, long long deadline_ms)
{
	b->deadline_ms = deadline_ms;
}

size_t inbuf_pending(const struct inbuf *b)
{
	return b->end - b->start;
}

/* Read more bytes after the buffered ones. A full buffer reads nothing. */
enum buf_result inbuf_fill(struct inbuf *b)
{
	long long wait_end = wait_end_for(b->timeout_ms);
	ssize_t r;
	int read_first;

	if (b->eof)
		return BUF_EOF;
	if (b->size == 0) {
		errno = EINVAL;
		return BUF_ERROR;
	}
	if (b->start == b->end) {
		b->start = b->end = 0;
	} else if (b->start > 0 && b->end == b->size) {
		memmove(b->mem, b->mem + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	if (b->end == b->size)
		return BUF_OK;
	/* no time limit at all (a file): read first, poll only after EAGAIN */
	read_first = !wait_end && !b->deadline_ms;
	for (;;) {
		short want = POLLIN;

		if (b->deadline_ms && clock_ms() >= b->deadline_ms)
			return BUF_TIMEOUT;
		if (b->io) {
			/* a layer may hold bytes read ahead: ask it before any wait */
			r = b->io->read(b->io_arg, b->mem + b->end, b->size - b->end, &want);
		} else {
			if (!read_first) {
				switch (fd_wait(b->fd, POLLIN, wait_end, b->deadline_ms)) {
				case 0:
					return BUF_TIMEOUT;
				case -1:
					return BUF_ERROR;
				}
			}
			read_first = 0;
			r = read(b->fd, b->mem + b->end, b->size - b->end);
		}
		if (r > 0) {
			b->end += (size_t)r;
			return BUF_OK;
		}
		if (r == 0) {
			b->eof = 1;
			return BUF_EOF;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return BUF_ERROR;
		if (b->io && errno != EINTR) {
			switch (fd_wait(b->fd, want, wait_end, b->deadline_ms)) {
			case 0:
				return BUF_TIMEOUT;
			case -1:
				return BUF_ERROR;
			}
		}
	}
}

void inbuf_set_io(struct inbuf *b, const struct buf_io *io, void *arg)
{
	b->io = io;
	b->io_arg = arg;
}

/*
 * Move take buffered bytes into line at *n, keeping at most max; the rest
 * is dropped and *toolong set (the line is consumed through its LF).
 */
static void inbuf_take(struct inbuf *b, size_t take, char *line, size_t max,
		       size_t *n, int *toolong)
{
	size_t room = max - *n;
	size_t copy = take < room ? take : room;

	memcpy(line + *n, b->mem + b->start, copy);
	*n += copy;
	if (take > copy)
		*toolong = 1;
	b->start += take;
}

enum buf_result inbuf_getline(struct inbuf *b, char *line, size_t max, size_t *len)
{
	size_t n = 0;
	int toolong = 0;
	enum buf_result r;

	*len = 0;
	for (;;) {
		size_t avail = b->end - b->start;
		char *base = b->mem + b->start;
		char *lf = memchr(base, '\n', avail);

		/* consume once the line is complete or can no longer be kept whole */
		if (lf || n || toolong || b->eof || avail >= max || avail == b->size)
			inbuf_take(b, lf ? (size_t)(lf - base) + 1 : avail,
				   line, max, &n, &toolong);
		if (lf)
			break;
		if (b->eof) {
			if (!n && !toolong)
				return BUF_EOF;
			break;	/* a partial last line without LF */
		}
		r = inbuf_fill(b);
		if (r != BUF_OK && r != BUF_EOF) {
			*len = n;
			return r;
		}
	}
	*len = n;
	return toolong ? BUF_TOOLONG : BUF_OK;
}

enum buf_result inbuf_read(struct inbuf *b, char *dst, size_t max, size_t *len)
{
	size_t n;

	*len = 0;
	if (!max)
		return BUF_OK;
	if (b->start == b->end) {
		enum buf_result r = inbuf_fill(b);
		if (r != BUF_OK)
			return r;
	}
	n = b->end - b->start;
	if (n > max)
		n = max;
	memcpy(dst, b->mem + b->start, n);
	b->start += n;
	*len = n;
	return BUF_OK;
}

/*
 * One write; on a socket without SIGPIPE, so a vanished peer is an error.
 * *notsock remembers an fd that is not a socket: write(2) from then on.
 */
static ssize_t fd_write_some(int fd, const void *p, size_t n, int *notsock)
{
	ssize_t r;

	if (*notsock)
		return write(fd, p, n);
	r = send(fd, p, n, MSG_NOSIGNAL);
	if (r < 0 && errno == ENOTSOCK) {
		*notsock = 1;
		r = write(fd, p, n);
	}
	return r;
}

/*
 * Write all n bytes through b (its io, else its fd), each wait for the fd
 * bounded by b->timeout_ms and b->deadline_ms (0: none); *done counts what
 * was written.
 */
static int write_timed(struct outbuf *b, const char *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		short want = POLLOUT;
		ssize_t r = b->io ? b->io->write(b->io_arg, p + *done, n - *done, &want)
				  : fd_write_some(b->fd, p + *done, n - *done, &b->notsock);
		if (r > 0) {
			*done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		switch (fd_wait(b->fd, want, wait_end_for(b->timeout_ms), b->deadline_ms)) {
		case 0:
			errno = ETIMEDOUT;
			return -1;
		case -1:
			return -1;
		}
	}
	return 0;
}

int fd_write_all(int fd, const void *p, size_t n)
{
	struct outbuf b;
	size_t done;

	outbuf_init(&b, fd, NULL, 0);
	b.timeout_ms = -1;
	return write_timed(&b, p, n, &done);
}

void outbuf_init(struct outbuf *b, int fd, char *mem, size_t size)
{
	b->fd = fd;
	b->mem = mem;
	b->size = size;
	b->len = 0;
	b->timeout_ms = BUF_DEFAULT_TIMEOUT_MS;
	b->deadline_ms = 0;
	b->notsock = 0;
	b->io = NULL;
	b->io_arg = NULL;
}

void outbuf_set_deadline(struct outbuf *b, long long deadline_ms)
{
	b->deadline_ms = deadline_ms;
}

void outbuf_set_io(struct outbuf *b, const struct buf_io *io, void *arg)
{
	b->io = io;
	b->io_arg = arg;
}

int outbuf_flush(struct outbuf *b)
{
	size_t done;
	int r = write_timed(b, b->mem, b->len, &done);

	/* keep what was not written, so a caller may report or retry */
	if (done) {
		memmove(b->mem, b->mem + done, b->len - done);
		b->len -= done;
	}
	return r;
}

int outbuf_put(struct outbuf *b, const void *p, size_t n)
{
	size_t done;

	if (n == 0)	/* memcpy(..., NULL, 0) is undefined; an empty str has .s NULL */
		return 0;
	if (n <= b->size - b->len) {
		memcpy(b->mem + b->len, p, n);
		b->len += n;
		return 0;
	}
	if (outbuf_flush(b) < 0)
		return -1;
	if (n < b->size) {
		memcpy(b->mem, p, n);
		b->len = n;
		return 0;
	}
	return write_timed(b, p, n, &done);
}

int outbuf_puts(struct outbuf *b, const char *z)
{
	return outbuf_put(b, z, strlen(z));
}

int fd_std_ensure(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			return -1;
	return 0;
}
