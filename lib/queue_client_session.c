/*
 * queue_client_session - one inject for a whole SMTP session: the session
 * protocol of inject(8) (frames: queue_frame.h) behind the same start /
 * finish / abort calls as the classic protocol (queue_client.h). smtpd is
 * told "queued" only for a message whose REPLY says so; a process that
 * misbehaves in any way is killed and reaped, its exit status is the
 * verdict on the message at hand, and the next message starts a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "queue_client.h"
#include "queue_frame.h"

#define ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

/* A wait status for an exit code: the verdict table reads the REPLY's code alike. */
#define STATUS_EXIT(code) (((code) & 0xff) << 8)

int queue_client_speaks_session(const char *program)
{
	const char *base = strrchr(program, '/');

	return strcmp(base ? base + 1 : program, "inject") == 0;
}

void queue_client_init(struct queue_client *c)
{
	memset(c, 0, sizeof *c);
	c->pid = -1;
	c->msg_fd = c->env_fd = c->reply_fd = -1;
}

/* session_spawn: program -S with the frame pipe on 0 and the reply pipe on 1. */
static int session_spawn(struct queue_client *c, const char *program, const char *confdir)
{
	char confvar[4200], *envp[3], *argv[3];
	int req[2], rep[2], r, n = 0;
	struct child_fd fds[2];

	if (pipe2(req, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(rep, O_CLOEXEC) < 0) {
		r = errno;
		close(req[0]);
		close(req[1]);
		errno = r;
		return -1;
	}
	envp[n++] = (char *)ENV_PATH;
	if (confdir && (size_t)snprintf(confvar, sizeof confvar, "TERN_CONFDIR=%s",
					confdir) < sizeof confvar)
		envp[n++] = confvar;
	envp[n] = NULL;
	argv[0] = (char *)program;
	argv[1] = (char *)"-S";
	argv[2] = NULL;
	fds[0] = (struct child_fd){ req[0], 0 };
	fds[1] = (struct child_fd){ rep[1], 1 };
	r = child_spawn(&c->pid, program, argv, envp, fds, 2);
	close(req[0]);
	close(rep[1]);
	if (r != 0) {
		c->pid = -1;
		close(req[1]);
		close(rep[0]);
		errno = r;
		return -1;
	}
	fcntl(req[1], F_SETFL, O_NONBLOCK);
	fcntl(rep[0], F_SETFL, O_NONBLOCK);
	c->msg_fd = req[1];
	c->reply_fd = rep[0];
	c->failed = 0;
	return 0;
}

/*
 * session_down: close the pipes and reap the process (killed when it
 * does not exit within timeout_ms); its wait status, or QUEUE_CLIENT_HUNG.
 * An exit 0 without a REPLY for the message is no "queued".
 */
static int session_down(struct queue_client *c, int timeout_ms)
{
	int status = QUEUE_CLIENT_HUNG;

	if (c->msg_fd >= 0)
		close(c->msg_fd);
	if (c->reply_fd >= 0)
		close(c->reply_fd);
	c->msg_fd = c->reply_fd = -1;
	if (c->pid > 0)
		status = child_wait(c->pid, timeout_ms);
	c->pid = -1;
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return QUEUE_CLIENT_ENVELOPE_FAILED;
	return status;
}

/*
 * frame_write: one whole frame on the non-blocking frame pipe, each wait
 * bounded by c->timeout_ms. On failure the stream is broken (c->failed):
 * no frame may follow, the process goes at the message's end.
 */
static int frame_write(struct queue_client *c, int type, const void *p, size_t n)
{
	unsigned char h[QUEUE_FRAME_HEADER_LEN];
	struct iovec iov[2] = { { h, sizeof h }, { (void *)p, n } };
	struct pollfd pfd = { .fd = c->msg_fd, .events = POLLOUT, .revents = 0 };
	int i = 0;

	queue_frame_header(h, type, n);
	while (i < 2) {
		ssize_t w = writev(c->msg_fd, iov + i, 2 - i);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		if (w < 0) {
			int r = poll(&pfd, 1, c->timeout_ms);
			if (r == 0)
				errno = ETIMEDOUT;
			if (r <= 0 && !(r < 0 && errno == EINTR))
				break;
			continue;
		}
		for (; i < 2 && (size_t)w >= iov[i].iov_len; i++)
			w -= (ssize_t)iov[i].iov_len;
		if (i < 2) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	if (i == 2)
		return 0;
	c->failed = errno == ETIMEDOUT ? 2 : 1;	/* 2: it stopped reading, the wait is over */
	return -1;
}

/* The outbuf's seam (buf.h): each write of the message is one DATA frame. */
static ssize_t data_write(void *arg, const void *p, size_t n, short *want)
{
	struct queue_client *c = arg;

	(void)want;
	if (c->failed) {
		errno = EPIPE;
		return -1;
	}
	if (n > QUEUE_FRAME_DATA_MAX)
		n = QUEUE_FRAME_DATA_MAX;
	return frame_write(c, QUEUE_FRAME_DATA, p, n) < 0 ? -1 : (ssize_t)n;
}

static ssize_t data_read(void *arg, void *p, size_t n, short *want)
{
	(void)arg, (void)p, (void)n, (void)want;
	errno = EBADF;
	return -1;
}

static const struct buf_io data_io = { data_read, data_write };

void queue_client_outbuf(struct queue_client *c, struct outbuf *ob, char *mem, size_t size,
			 int timeout_ms)
{
	outbuf_init(ob, c->msg_fd, mem, size);
	ob->notsock = 1;	/* a pipe */
	ob->timeout_ms = timeout_ms;
	c->timeout_ms = timeout_ms;
	if (c->session)
		outbuf_set_io(ob, &data_io, c);
}

/* session_alive: the process is there and has said nothing out of turn. */
static int session_alive(struct queue_client *c)
{
	struct pollfd pfd = { .fd = c->reply_fd, .events = POLLIN, .revents = 0 };

	return c->pid > 0 && !c->failed && poll(&pfd, 1, 0) == 0;
}

/* attr_frame: one ATTR frame NAME=value, when value is one to pass. */
static int attr_frame(struct queue_client *c, const char *name, const char *value)
{
	char a[QUEUE_CLIENT_ATTR_MAX + 1];
	int n;

	if (!queue_client_value_ok(value))
		return 0;	/* left out, as from the classic protocol's environment */
	n = snprintf(a, sizeof a, "%s=%s", name, value);
	if (n < 0 || (size_t)n >= sizeof a || !queue_client_attr_valid(a, (size_t)n))
		return 0;
	return frame_write(c, QUEUE_FRAME_ATTR, a, (size_t)n);
}

/*
 * session_attrs: the message's ATTR frames: what the classic protocol puts
 * in the environment (queue_client_start()), by the same rules.
 */
static int session_attrs(struct queue_client *c, const char *received_id,
			 const struct queue_origin *o)
{
	if (received_id && attr_frame(c, "TERN_RECEIVED_ID", received_id) < 0)
		return -1;
	if (!o)
		return 0;
	if (attr_frame(c, "TERN_CLIENT_IP", o->ip) < 0 ||
	    attr_frame(c, "TERN_CLIENT_HELO", o->helo) < 0 ||
	    attr_frame(c, "TERN_CLIENT_AUTH", o->auth) < 0 ||
	    (o->relay && attr_frame(c, "TERN_CLIENT_RELAY", "1") < 0))
		return -1;
	return 0;
}

int queue_client_session_start(struct queue_client *c, const char *program,
			       const char *received_id, const char *confdir,
			       const struct queue_origin *origin, int timeout_ms)
{
	int tries;

	c->session = 1;
	c->timeout_ms = timeout_ms;
	c->queue_id[0] = '\0';
	for (tries = 0; tries < 2; tries++) {
		if (!session_alive(c)) {
			if (c->pid > 0)
				session_down(c, timeout_ms);	/* gone, or out of turn */
			if (session_spawn(c, program, confdir) < 0)
				return -1;
		}
		if (session_attrs(c, received_id, origin) == 0)
			return 0;
		session_down(c, timeout_ms);	/* died since its last message: once more */
	}
	return -1;
}

/*
 * session_reply: read and check the REPLY to an ENVELOPE; its code, -1 when
 * the process ended without one (its exit status says why), -2 when it
 * said something else or nothing in time (it is killed at once: the wait
 * is over).
 */
static int session_reply(struct queue_client *c, int timeout_ms)
{
	char mem[QUEUE_FRAME_HEADER_LEN + QUEUE_FRAME_REPLY_MAX], p[QUEUE_FRAME_REPLY_MAX];
	char text[QUEUE_FRAME_REPLY_MAX];
	struct inbuf in;
	size_t len;
	int type, bad, code;
	enum buf_result r;

	inbuf_init(&in, c->reply_fd, mem, sizeof mem);
	buf_set_timeout(&in, timeout_ms);
	r = queue_frame_read_header(&in, &type, &len, &bad);
	if (r == BUF_EOF)
		return -1;
	if (r != BUF_OK || bad || type != QUEUE_FRAME_REPLY ||
	    queue_frame_read_payload(&in, p, len) != BUF_OK || inbuf_pending(&in) != 0 ||
	    queue_frame_reply_decode(p, len, &code, c->queue_id, sizeof c->queue_id, text,
				     sizeof text) < 0)
		return -2;
	return code;
}

int queue_client_session_finish(struct queue_client *c, const char *envelope, size_t len,
				int timeout_ms)
{
	int code;

	c->timeout_ms = timeout_ms;
	if (c->failed || frame_write(c, QUEUE_FRAME_ENVELOPE, envelope, len) < 0)
		return session_down(c, c->failed == 2 ? 0 : timeout_ms);
	code = session_reply(c, timeout_ms);
	if (code < 0)
		return session_down(c, code == -1 ? timeout_ms : 0);
	if (code != 0)	/* a refusal ends the process too (inject(8)) */
		session_down(c, timeout_ms);
	return STATUS_EXIT(code);
}

int queue_client_session_abort(struct queue_client *c, int timeout_ms)
{
	int status;

	c->timeout_ms = timeout_ms;
	if (c->failed || frame_write(c, QUEUE_FRAME_ABORT, NULL, 0) < 0) {
		status = session_down(c, c->failed == 2 ? 0 : timeout_ms);
		return status;
	}
	return QUEUE_CLIENT_ENVELOPE_FAILED;	/* nothing committed; the process stays */
}

void queue_client_end(struct queue_client *c, int timeout_ms)
{
	if (c->session && c->pid > 0)
		session_down(c, timeout_ms);
}
