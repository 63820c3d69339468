/*
 * test_buf - lib/buf.c on pipes and socketpairs: lines, bare CR, long lines,
 * partial last line, timeouts, deadlines, outbuf and its write timeout.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <sys/wait.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "str.h"

static int fds[2];

static void pipe_setup(void)
{
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
}

static void pipe_teardown(void)
{
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

static void feed(const char *s, size_t n)
{
	ck_assert_int_eq(fd_write_all(fds[1], s, n), 0);
}

static void feed_close(const char *s, size_t n)
{
	feed(s, n);
	close(fds[1]);
	fds[1] = -1;
}

START_TEST(lines_and_bare_cr)
{
	char mem[64], line[32];
	struct inbuf b;
	size_t len;
	static const char in[] = "HELO x\r\nA\rB\r\nlast\n";

	feed_close(in, sizeof in - 1);
	inbuf_init(&b, fds[0], mem, sizeof mem);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 8);
	ck_assert_int_eq(memcmp(line, "HELO x\r\n", 8), 0);
	/* a bare CR does not end a line */
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(line, "A\rB\r\n", 5), 0);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(line, "last\n", 5), 0);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_EOF);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_EOF);
}
END_TEST

START_TEST(partial_line_at_eof)
{
	char mem[64], line[32];
	struct inbuf b;
	size_t len;

	feed_close("one\ntwo", 7);
	inbuf_init(&b, fds[0], mem, sizeof mem);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(line, "two", 3), 0);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_EOF);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(long_line_consumed)
{
	char mem[16], line[10];
	char in[200];
	struct inbuf b;
	size_t len;

	/* 99 x's + LF (longer than line and than the buffer), then "ok\n" */
	memset(in, 'x', 99);
	in[99] = '\n';
	memcpy(in + 100, "ok\n", 3);
	feed_close(in, 103);
	inbuf_init(&b, fds[0], mem, sizeof mem);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_TOOLONG);
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(memcmp(line, "xxxxxxxxxx", 10), 0);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(line, "ok\n", 3), 0);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_EOF);
}
END_TEST

START_TEST(line_exactly_max)
{
	char mem[64], line[4];
	struct inbuf b;
	size_t len;

	feed_close("abc\nabcd\nabcd", 13);
	inbuf_init(&b, fds[0], mem, sizeof mem);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_TOOLONG);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(line, "abcd", 4), 0);
	/* 4 bytes without LF at EOF fit exactly */
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_EOF);
}
END_TEST

START_TEST(long_line_at_eof)
{
	char mem[8], line[4];
	struct inbuf b;
	size_t len;

	feed_close("abcdefghijkl", 12);
	inbuf_init(&b, fds[0], mem, sizeof mem);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_TOOLONG);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_EOF);
}
END_TEST

START_TEST(timeout_keeps_partial_line)
{
	char mem[64], line[32];
	struct inbuf b;
	size_t len;
	long long t0;

	feed("par", 3);
	inbuf_init(&b, fds[0], mem, sizeof mem);
	buf_set_timeout(&b, 100);
	t0 = clock_ms();
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_TIMEOUT);
	ck_assert_int_ge(clock_ms() - t0, 90);
	feed("tial\n", 5);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 8);
	ck_assert_int_eq(memcmp(line, "partial\n", 8), 0);
}
END_TEST

START_TEST(deadline_before_timeout)
{
	char mem[64], line[32];
	struct inbuf b;
	size_t len;
	long long t0 = clock_ms();

	inbuf_init(&b, fds[0], mem, sizeof mem);
	buf_set_timeout(&b, 60000);
	buf_set_deadline(&b, t0 + 100);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_TIMEOUT);
	ck_assert_int_ge(clock_ms() - t0, 90);
	/* a passed deadline times out at once even with data waiting */
	feed("x\n", 2);
	ck_assert_int_eq(inbuf_fill(&b), BUF_TIMEOUT);
	buf_set_deadline(&b, 0);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 2);
}
END_TEST

START_TEST(zero_timeout_sees_ready_data)
{
	char mem[64], line[32];
	struct inbuf b;
	size_t len;

	inbuf_init(&b, fds[0], mem, sizeof mem);
	buf_set_timeout(&b, 0);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_TIMEOUT);
	feed("now\n", 4);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 4);
}
END_TEST

START_TEST(read_and_pending)
{
	char mem[64], dst[8], line[32];
	struct inbuf b;
	size_t len;

	feed_close("hdr\nbody-bytes", 14);
	inbuf_init(&b, fds[0], mem, sizeof mem);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(inbuf_pending(&b), 10);
	ck_assert_int_eq(inbuf_read(&b, dst, sizeof dst, &len), BUF_OK);
	ck_assert_uint_eq(len, 8);
	ck_assert_int_eq(memcmp(dst, "body-byt", 8), 0);
	ck_assert_int_eq(inbuf_read(&b, dst, sizeof dst, &len), BUF_OK);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(inbuf_read(&b, dst, sizeof dst, &len), BUF_EOF);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(read_error)
{
	char mem[8], line[8];
	struct inbuf b;
	size_t len;

	inbuf_init(&b, 999, mem, sizeof mem);	/* not an open fd */
	buf_set_timeout(&b, 1000);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_ERROR);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(outbuf_small_and_large)
{
	int sp[2];
	char mem[8], got[64];
	struct outbuf o;
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	outbuf_init(&o, sp[0], mem, sizeof mem);
	ck_assert_int_eq(outbuf_puts(&o, "abc"), 0);
	ck_assert_uint_eq(o.len, 3);
	ck_assert_int_eq(outbuf_put(&o, "0123456789ABCDEF", 16), 0);	/* larger than buf */
	ck_assert_int_eq(outbuf_puts(&o, "xyz"), 0);
	ck_assert_int_eq(outbuf_flush(&o), 0);
	ck_assert_uint_eq(o.len, 0);
	n = read(sp[1], got, sizeof got);
	ck_assert_int_eq(n, 22);
	ck_assert_int_eq(memcmp(got, "abc0123456789ABCDEFxyz", 22), 0);
	close(sp[0]);
	close(sp[1]);
}
END_TEST

/* sendmail passes an empty struct str (.s NULL): UBSan refused the memcpy */
START_TEST(outbuf_put_nothing)
{
	int sp[2];
	char mem[8], got[8];
	struct outbuf o;
	struct str empty = STR_INIT(0);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	outbuf_init(&o, sp[0], mem, sizeof mem);
	ck_assert_ptr_null(empty.s);
	ck_assert_int_eq(outbuf_put(&o, empty.s, empty.len), 0);
	ck_assert_int_eq(outbuf_put(&o, "abcdefgh", 8), 0);	/* buffer full */
	ck_assert_int_eq(outbuf_put(&o, NULL, 0), 0);		/* no flush for nothing */
	ck_assert_uint_eq(o.len, 8);
	ck_assert_int_eq(outbuf_flush(&o), 0);
	ck_assert_int_eq(read(sp[1], got, sizeof got), 8);
	ck_assert_int_eq(memcmp(got, "abcdefgh", 8), 0);
	close(sp[0]);
	close(sp[1]);
}
END_TEST

START_TEST(outbuf_write_timeout)
{
	int sp[2];
	char mem[4096], chunk[4096];
	struct outbuf o;
	long long t0;
	int i, r = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	ck_assert_int_eq(fcntl(sp[0], F_SETFL, O_NONBLOCK), 0);
	outbuf_init(&o, sp[0], mem, sizeof mem);
	o.timeout_ms = 100;
	memset(chunk, 'z', sizeof chunk);
	t0 = clock_ms();
	/* nobody reads sp[1]: the socket fills and a write must time out */
	for (i = 0; i < 10000 && r == 0; i++)
		r = outbuf_put(&o, chunk, sizeof chunk);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_ge(clock_ms() - t0, 90);
	close(sp[0]);
	close(sp[1]);
}
END_TEST

START_TEST(write_to_closed_peer)
{
	int sp[2];
	char mem[16];
	struct outbuf o;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	close(sp[1]);
	outbuf_init(&o, sp[0], mem, sizeof mem);
	outbuf_puts(&o, "hello");
	/* EPIPE, not a SIGPIPE that kills the process */
	ck_assert_int_eq(outbuf_flush(&o), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_int_eq(fd_write_all(sp[0], "x", 1), -1);
	close(sp[0]);
}
END_TEST

/* fd_std_ensure(): closed 0-2 become /dev/null; open ones are left alone */
START_TEST(std_fds_ensured)
{
	struct stat st, null;
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int keep = dup(1);
		close(0);
		close(2);
		if (fd_std_ensure() < 0 || fstat(0, &st) < 0 || stat("/dev/null", &null) < 0)
			_exit(2);
		if (st.st_rdev != null.st_rdev || fstat(2, &st) < 0 || st.st_rdev != null.st_rdev)
			_exit(3);
		if (fstat(1, &st) < 0 || fstat(keep, &null) < 0 || st.st_ino != null.st_ino)
			_exit(4);	/* fd 1 was open: untouched */
		_exit(open("/dev/null", O_RDONLY) > 2 ? 0 : 5);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/*
 * A layer for the io seam: bytes XOR 0x20 on the wire (so a read that
 * bypassed it would show), and each call first answers EAGAIN asking for
 * the opposite readiness, the way a TLS read can need the fd writable.
 */
struct xor_layer {
	int fd;
	int calls, eagain_next;
};

static ssize_t xor_read(void *arg, void *p, size_t n, short *want)
{
	struct xor_layer *x = arg;
	ssize_t r, i;

	x->calls++;
	if ((x->eagain_next = !x->eagain_next)) {
		*want = POLLOUT;	/* a pipe's read end is never writable: use a socket */
		errno = EAGAIN;
		return -1;
	}
	r = read(x->fd, p, n);
	for (i = 0; i < r; i++)
		((char *)p)[i] ^= 0x20;
	return r;
}

static ssize_t xor_write(void *arg, const void *p, size_t n, short *want)
{
	struct xor_layer *x = arg;
	char tmp[64];
	size_t i, k = n < sizeof tmp ? n : sizeof tmp;

	x->calls++;
	if ((x->eagain_next = !x->eagain_next)) {
		*want = POLLOUT;
		errno = EAGAIN;
		return -1;
	}
	for (i = 0; i < k; i++)
		tmp[i] = ((const char *)p)[i] ^ 0x20;
	return write(x->fd, tmp, k);
}

static const struct buf_io xor_io = { xor_read, xor_write };

/* the io seam: reads and writes go through the layer, waits on its *want */
START_TEST(io_layer_read_write)
{
	int sp[2];
	char mem[64], omem[16], line[64], raw[128];
	struct inbuf b;
	struct outbuf o;
	struct xor_layer xr = { 0, 0, 0 }, xw = { 0, 0, 0 };
	size_t len;
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp), 0);
	xw.fd = sp[0];
	outbuf_init(&o, sp[0], omem, sizeof omem);
	outbuf_set_io(&o, &xor_io, &xw);
	ck_assert_int_eq(outbuf_puts(&o, "EHLO over a layer that is longer than 16\r\n"), 0);
	ck_assert_int_eq(outbuf_flush(&o), 0);
	ck_assert_int_ge(xw.calls, 2);
	n = read(sp[1], raw, sizeof raw);
	ck_assert_int_eq(n, 42);
	ck_assert_int_eq(raw[0], 'E' ^ 0x20);	/* it went through the layer */
	ck_assert_int_eq(write(sp[0], raw, (size_t)n), n);
	xr.fd = sp[1];
	inbuf_init(&b, sp[1], mem, sizeof mem);
	inbuf_set_io(&b, &xor_io, &xr);
	buf_set_timeout(&b, 2000);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_uint_eq(len, 42);
	ck_assert_int_eq(memcmp(line, "EHLO over", 9), 0);	/* undone by the reading layer */
	ck_assert_int_gt(xr.calls, 1);
	/* back to the fd: no layer */
	inbuf_set_io(&b, NULL, NULL);
	ck_assert_int_eq(write(sp[0], "x\n", 2), 2);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_OK);
	ck_assert_int_eq(memcmp(line, "x\n", 2), 0);
	close(sp[0]);
	close(sp[1]);
}
END_TEST

static ssize_t never_read(void *arg, void *p, size_t n, short *want)
{
	(void)arg, (void)p, (void)n;
	*want = POLLIN;
	errno = EAGAIN;
	return -1;
}

static const struct buf_io never_io = { never_read, NULL };

/* a layer that never has data still times out on the buffer's deadline */
START_TEST(io_layer_timeout)
{
	char mem[16], line[16];
	struct inbuf b;
	size_t len;

	inbuf_init(&b, fds[0], mem, sizeof mem);
	inbuf_set_io(&b, &never_io, NULL);
	buf_set_timeout(&b, 100);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_TIMEOUT);
	buf_set_timeout(&b, -1);
	buf_set_deadline(&b, clock_ms() + 100);
	ck_assert_int_eq(inbuf_getline(&b, line, sizeof line, &len), BUF_TIMEOUT);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("buf");
	TCase *in = tcase_create("inbuf");
	TCase *out = tcase_create("outbuf");

	tcase_add_checked_fixture(in, pipe_setup, pipe_teardown);
	tcase_add_test(in, lines_and_bare_cr);
	tcase_add_test(in, partial_line_at_eof);
	tcase_add_test(in, long_line_consumed);
	tcase_add_test(in, line_exactly_max);
	tcase_add_test(in, long_line_at_eof);
	tcase_add_test(in, timeout_keeps_partial_line);
	tcase_add_test(in, deadline_before_timeout);
	tcase_add_test(in, zero_timeout_sees_ready_data);
	tcase_add_test(in, read_and_pending);
	tcase_add_test(in, read_error);
	tcase_add_test(in, io_layer_timeout);
	tcase_add_test(out, io_layer_read_write);
	tcase_add_test(out, outbuf_small_and_large);
	tcase_add_test(out, outbuf_put_nothing);
	tcase_add_test(out, outbuf_write_timeout);
	tcase_add_test(out, write_to_closed_peer);
	tcase_add_test(out, std_fds_ensured);
	suite_add_tcase(s, in);
	suite_add_tcase(s, out);
	return s;
}
