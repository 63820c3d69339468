#ifndef TERN_BUF_H
#define TERN_BUF_H
/*
 * NAME
 *	buf - buffered fd input and output with timeouts and bounds (no stdio)
 * SYNOPSIS
 *	void inbuf_init(struct inbuf *b, int fd, char *mem, size_t size);
 *	void buf_set_timeout(struct inbuf *b, int timeout_ms);
 *	void buf_set_deadline(struct inbuf *b, long long deadline_ms);
 *	enum buf_result inbuf_fill(struct inbuf *b);
 *	enum buf_result inbuf_getline(struct inbuf *b, char *line, size_t max, size_t *len);
 *	size_t inbuf_pending(const struct inbuf *b);
 *	enum buf_result inbuf_read(struct inbuf *b, char *dst, size_t max, size_t *len);
 *
 *	void outbuf_init(struct outbuf *b, int fd, char *mem, size_t size);
 *	void outbuf_set_deadline(struct outbuf *b, long long deadline_ms);
 *	int outbuf_put(struct outbuf *b, const void *p, size_t n);
 *	int outbuf_puts(struct outbuf *b, const char *z);
 *	int outbuf_flush(struct outbuf *b);
 *
 *	void inbuf_set_io(struct inbuf *b, const struct buf_io *io, void *arg);
 *	void outbuf_set_io(struct outbuf *b, const struct buf_io *io, void *arg);
 *
 *	long long clock_ms(void);
 *	int fd_write_all(int fd, const void *p, size_t n);
 *	int fd_std_ensure(void);
 * DESCRIPTION
 *	An inbuf reads from fd into the caller's memory. Every wait for data is
 *	bounded: by timeout_ms per wait (default 300000, RFC 5321 §4.5.3.2) and, if
 *	set, by an absolute deadline on the CLOCK_MONOTONIC clock_ms() scale;
 *	whichever comes first. Works on sockets, pipes and files; EINTR is retried.
 *
 *	inbuf_getline() copies one line, up to and including its LF, into line
 *	(at most max bytes; the line is not NUL-terminated) and sets *len. A bare
 *	CR is an ordinary byte here: only LF delimits. A line longer than max is
 *	consumed through its LF and reported as BUF_TOOLONG with *len = max and
 *	the first max bytes in line. At EOF after a partial line, the partial line
 *	is returned as BUF_OK without LF; the next call gives BUF_EOF.
 *
 *	inbuf_read() returns up to max buffered-or-newly-read bytes.
 *
 *	An outbuf collects output and writes it when full or on outbuf_flush();
 *	each write waits at most timeout_ms (default 300000) for the fd to accept
 *	data, and never past the absolute deadline outbuf_set_deadline() set
 *	(0, as outbuf_init() leaves it: none). outbuf_put() of 0 bytes does nothing (p may then be NULL, as the
 *	.s of an empty struct str is). fd_write_all() writes everything,
 *	retrying short writes and EINTR.
 *	Writes go out with send(MSG_NOSIGNAL), so a vanished socket peer is an
 *	error, not SIGPIPE; on ENOTSOCK with write(2). outbuf_init() sets notsock
 *	0; an outbuf learns it on its first write, and a caller who knows its fd
 *	is a pipe or a file may set it to 1 to save the failed send().
 *
 *	inbuf_set_io() and outbuf_set_io() make a buffer read or write through
 *	io (a TLS layer, say) instead of read(2)/send(2) on fd; io NULL goes
 *	back to the fd. io->read and io->write are called with arg and work
 *	like non-blocking read(2) and write(2): a byte count, 0 for end of file
 *	(read only), or -1 with errno; -1 with EAGAIN means "not now": *want
 *	(preset to POLLIN for a read, POLLOUT for a write) says which readiness
 *	of fd to wait for before calling again (a TLS read may need to write
 *	and the other way round). The buffer's timeouts and deadline bound
 *	those waits as they bound fd's. A buffer with io calls io first and
 *	waits only on EAGAIN, as a layer may hold data it has read ahead; a
 *	buffer without io pays nothing for the seam but one pointer test.
 * DIAGNOSTICS
 *	BUF_OK, BUF_EOF, BUF_TOOLONG, BUF_TIMEOUT (deadline or timeout passed),
 *	BUF_ERROR (errno set). Output functions return 0 or -1 (errno set;
 *	ETIMEDOUT when the peer did not accept data in time).
 */
#include <stddef.h>

#include <sys/types.h>

enum buf_result { BUF_OK, BUF_EOF, BUF_TOOLONG, BUF_TIMEOUT, BUF_ERROR };

struct buf_io {
	ssize_t (*read)(void *arg, void *p, size_t n, short *want);
	ssize_t (*write)(void *arg, const void *p, size_t n, short *want);
};

struct inbuf {
	int fd;
	char *mem;
	size_t size, start, end;
	int timeout_ms;
	long long deadline_ms;	/* 0: none */
	int eof;
	const struct buf_io *io;	/* NULL: read(2) on fd */
	void *io_arg;
};

struct outbuf {
	int fd;
	char *mem;
	size_t size, len;
	int timeout_ms;
	long long deadline_ms;	/* 0: none */
	int notsock;	/* 1: fd is no socket (pipe, file): write(2), not send() */
	const struct buf_io *io;	/* NULL: send(2)/write(2) on fd */
	void *io_arg;
};

void inbuf_init(struct inbuf *b, int fd, char *mem, size_t size);
void buf_set_timeout(struct inbuf *b, int timeout_ms);
void buf_set_deadline(struct inbuf *b, long long deadline_ms);
enum buf_result inbuf_fill(struct inbuf *b);
enum buf_result inbuf_getline(struct inbuf *b, char *line, size_t max, size_t *len);
size_t inbuf_pending(const struct inbuf *b);
enum buf_result inbuf_read(struct inbuf *b, char *dst, size_t max, size_t *len);

void outbuf_init(struct outbuf *b, int fd, char *mem, size_t size);
void outbuf_set_deadline(struct outbuf *b, long long deadline_ms);
int outbuf_put(struct outbuf *b, const void *p, size_t n);
int outbuf_puts(struct outbuf *b, const char *z);
int outbuf_flush(struct outbuf *b);
void inbuf_set_io(struct inbuf *b, const struct buf_io *io, void *arg);
void outbuf_set_io(struct outbuf *b, const struct buf_io *io, void *arg);

long long clock_ms(void);
int fd_write_all(int fd, const void *p, size_t n);
int fd_std_ensure(void);

#endif
