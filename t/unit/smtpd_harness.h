/*
 * smtpd_harness - scripted SMTP dialogues for the smtpd unit tests
 * (test_smtpd.c, test_smtpd_data.c). Included, not linked: static helpers.
 *
 * harness_init(h, conf, mode) makes a temp directory D with D/tern.conf
 * (hostname mx.example.test, accept example.test, plus conf lines) loaded
 * by config_load(), and D/mode for t/fake-inject. harness_run() writes the
 * client's bytes to D/input, runs session_run() from the archive on it with
 * the output in D/output, and reads the output back into h->out.
 * harness_run_pipe() feeds the bytes through a pipe kept open afterwards,
 * for timeouts. harness_run_slow() sends fast at once, then slow one byte
 * every delay_ms from a child process, then keeps the pipe open: a slow
 * client. harness_file() reads what the fake injector wrote.
 */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "config.h"
#include "smtpd/session.h"

#define GREETING "220 mx.example.test ESMTP tern\r\n"
#define EHLO_REPLY "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 67108864\r\n" \
	"250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n"
#define HELO_REPLY "250 mx.example.test\r\n"
#define BYE "221 2.0.0 mx.example.test closing connection\r\n"

struct harness {
	char dir[64];
	struct config cfg;
	struct session_options o;
	char injector[PATH_MAX];
	char *out;
	size_t outlen;
	int rc;
};

static inline void harness_write(const char *dir, const char *name, const char *p, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* Contents of D/name, NUL-terminated; NULL if it does not exist. */
static inline char *harness_file(const struct harness *h, const char *name, size_t *len)
{
	char path[128], *buf = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof path, "%s/%s", h->dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = read(fd, buf + n, 4096);
		ck_assert_int_ge(r, 0);
		n += (size_t)r;
	} while (r > 0);
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static inline void harness_init(struct harness *h, const char *conf, const char *mode)
{
	char text[2048], err[512];

	memset(h, 0, sizeof *h);
	strcpy(h->dir, "/tmp/tern-smtpd-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(h->dir));
	snprintf(text, sizeof text, "hostname mx.example.test\naccept example.test\n"
		 "queue-dir %s\n%s", h->dir, conf ? conf : "");
	harness_write(h->dir, "tern.conf", text, strlen(text));
	if (mode)
		harness_write(h->dir, "mode", mode, strlen(mode));
	ck_assert_msg(config_load(h->dir, &h->cfg, err, sizeof err) == 0, "config: %s", err);
	ck_assert_ptr_nonnull(realpath("t/fake-inject", h->injector));
	h->o.cfg = &h->cfg;
	h->o.injector = h->injector;
	h->o.confdir = h->dir;
	ck_assert_int_eq(client_set(&h->o.client, "192.0.2.1", "4321", NULL), 0);
}

static inline void harness_collect(struct harness *h, int out)
{
	close(out);
	free(h->out);
	h->out = harness_file(h, "output", &h->outlen);
	ck_assert_ptr_nonnull(h->out);
}

static inline int harness_output_fd(struct harness *h)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/output", h->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static inline void harness_run_n(struct harness *h, const char *input, size_t len)
{
	char path[128];
	int in, out;

	harness_write(h->dir, "input", input, len);
	snprintf(path, sizeof path, "%s/input", h->dir);
	in = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(in, 0);
	out = harness_output_fd(h);
	h->rc = session_run(&h->o, in, out);
	close(in);
	harness_collect(h, out);
}

static inline void harness_run(struct harness *h, const char *input)
{
	harness_run_n(h, input, strlen(input));
}

/* The client sends input and then nothing, without closing: a timeout. */
static inline void harness_run_pipe(struct harness *h, const char *input)
{
	int p[2], out;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(write(p[1], input, strlen(input)), (ssize_t)strlen(input));
	out = harness_output_fd(h);
	h->rc = session_run(&h->o, p[0], out);
	close(p[0]);
	close(p[1]);
	harness_collect(h, out);
}

/* The child of harness_run_slow(): writes, then waits to be killed. */
static inline void harness_slow_writer(int fd, const char *fast, const char *slow,
				       unsigned delay_ms)
{
	signal(SIGPIPE, SIG_DFL);	/* the session ended: so do we */
	if (write(fd, fast, strlen(fast)) != (ssize_t)strlen(fast))
		_exit(1);
	for (; *slow; slow++) {
		usleep(delay_ms * 1000);
		if (write(fd, slow, 1) != 1)
			_exit(1);
	}
	pause();
	_exit(0);
}

static inline void harness_run_slow(struct harness *h, const char *fast, const char *slow,
				    unsigned delay_ms)
{
	int p[2], out;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		harness_slow_writer(p[1], fast, slow, delay_ms);
	}
	close(p[1]);
	out = harness_output_fd(h);
	h->rc = session_run(&h->o, p[0], out);
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	harness_collect(h, out);
}

static inline int harness_runs(const struct harness *h)
{
	char *runs = harness_file(h, "runs", NULL);
	int n = 0;
	char *p;

	for (p = runs; p && (p = strchr(p, '\n')); p++)
		n++;
	free(runs);
	return n;
}

/* The message after smtpd's Received: line (its continuation lines start with a tab). */
static inline const char *harness_body(const char *msg)
{
	ck_assert_msg(strncmp(msg, "Received: from ", 15) == 0, "no Received: %s", msg);
	for (;;) {
		msg = strstr(msg, "\r\n");
		ck_assert_ptr_nonnull(msg);
		msg += 2;
		if (*msg != '\t')
			return msg;
	}
}

static inline void harness_free(struct harness *h)
{
	char cmd[128];

	free(h->out);
	h->out = NULL;
	config_free(&h->cfg);
	snprintf(cmd, sizeof cmd, "%s", h->dir);
	/* the directory holds only files written here */
	static const char *names[] = { "tern.conf", "mode", "input", "output", "runs",
				       "message", "envelope", "id", "checked", "checkmode",
				       "map", "log" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(cmd, sizeof cmd, "%s/%s", h->dir, names[i]);
		unlink(cmd);
	}
	rmdir(h->dir);
}

#define ck_assert_out(h, want) ck_assert_msg(strcmp((h)->out, (want)) == 0, \
	"output:\n%s\nwanted:\n%s", (h)->out, (want))
