/*
 * starttls - STARTTLS through tlsd (see starttls.h). tlsd is started with
 * posix_spawn, as the queue program is; every wait for it has a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "child.h"
#include "queue_client.h"
#include "reply.h"
#include "session_private.h"
#include "starttls.h"
#include "tls_control.h"

#define ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

int starttls_offered(const struct session *s)
{
	return s->cfg->ntls_certs > 0 && !s->tls.active && !s->tls_unavailable;
}

/* A CLOEXEC copy above 4, so the spawn's dup2 onto 3 and 4 clobbers nothing. */
static int fd_above_4(int fd)
{
	int n = fcntl(fd, F_DUPFD_CLOEXEC, 5);

	close(fd);
	return n;
}

static int starttls_spawn_fds(struct session *s, int plain, int control)
{
	char confvar[4200], journal[64], *envp[4], *argv[2];
	const char *js = getenv("JOURNAL_STREAM");
	const struct child_fd fds[] = {
		{ s->in.fd, 0 }, { s->out.fd, 1 }, { plain, 3 }, { control, 4 },
	};
	int n = 0;

	envp[n++] = (char *)ENV_PATH;
	if (s->o->confdir && (size_t)snprintf(confvar, sizeof confvar, "TERN_CONFDIR=%s",
					      s->o->confdir) < sizeof confvar)
		envp[n++] = confvar;
	/* tlsd's log lines go to the journal as smtpd's do (log.h) */
	if (js && (size_t)snprintf(journal, sizeof journal, "JOURNAL_STREAM=%s", js) < sizeof journal)
		envp[n++] = journal;
	envp[n] = NULL;
	argv[0] = (char *)s->cfg->tls_program;
	argv[1] = NULL;
	return child_spawn(&s->tlsd_pid, s->cfg->tls_program, argv, envp, fds, 4);
}

/* Start tlsd; *plain is smtpd's end of the plaintext socketpair. */
static int starttls_spawn(struct session *s, int *plain)
{
	int p[2], c[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	p[1] = fd_above_4(p[1]);
	c[1] = fd_above_4(c[1]);
	r = p[1] < 0 || c[1] < 0 ? EMFILE : starttls_spawn_fds(s, p[1], c[1]);
	close(p[1]);
	close(c[1]);
	if (r != 0) {
		close(p[0]);
		close(c[0]);
		s->tlsd_pid = -1;
		errno = r;
		return -1;
	}
	*plain = p[0];
	s->tlsd_control = c[0];
	return 0;
}

/* One control line from tlsd, by the deadline; its kind. */
static enum tls_control_kind starttls_receive(struct inbuf *in, struct tls_control_msg *m)
{
	char line[TLS_CONTROL_LINE_MAX + 2];
	size_t len;

	if (inbuf_getline(in, line, sizeof line, &len) != BUF_OK) {
		memset(m, 0, sizeof *m);
		return m->kind = TLS_CONTROL_BAD;
	}
	return tls_control_parse(line, len, m);
}

static void starttls_log(const struct session *s, const char *what, const char *why)
{
	struct log_field f[5];
	size_t n = 0;

	f[n++] = (struct log_field){ LOG_FIELD_CLIENT_ADDR, s->o->client.addr };
	if (why)
		f[n++] = (struct log_field){ LOG_FIELD_REASON, why };
	if (s->tls.active) {
		f[n++] = (struct log_field){ LOG_FIELD_TLS_PROTOCOL, s->tls.protocol };
		f[n++] = (struct log_field){ LOG_FIELD_TLS_CIPHER, s->tls.cipher };
	}
	f[n] = (struct log_field){ NULL, NULL };
	log_event(LOG_INFO, f, "%s", what);
}

/* A tlsd that did not say "ready" is of no more use: end and reap it. */
static void starttls_abandon(struct session *s)
{
	close(s->tlsd_control);
	s->tlsd_control = -1;
	kill(s->tlsd_pid, SIGTERM);
	while (waitpid(s->tlsd_pid, NULL, 0) < 0 && errno == EINTR)
		;
	s->tlsd_pid = -1;
}

/* The network goes to tlsd: the session's descriptors become plain. */
static int starttls_hand_over(struct session *s, int plain)
{
	int fl;

	if (dup2(plain, s->in.fd) < 0 || (s->out.fd != s->in.fd && dup2(plain, s->out.fd) < 0))
		return -1;
	close(plain);
	if ((fl = fcntl(s->out.fd, F_GETFL)) >= 0)
		fcntl(s->out.fd, F_SETFL, fl | O_NONBLOCK);
	s->out.notsock = 0;
	return 0;
}

static int starttls_refuse(struct session *s, const char *why)
{
	s->tls_unavailable = 1;
	starttls_log(s, "STARTTLS not available", why);
	return reply_send(&s->out, "454 4.7.0 TLS not available due to temporary reason");
}

static int starttls_checks(struct session *s, const struct command *c)
{
	if (!s->cfg->ntls_certs)
		return reply_send(&s->out, "502 5.5.1 Error: command not implemented");
	if (s->tls.active)
		return reply_send(&s->out, "503 5.5.1 Error: TLS already active");
	if (c->arglen)
		return reply_send(&s->out, "501 5.5.4 Syntax: STARTTLS");
	if (s->state == SESSION_GREETED)
		return reply_send(&s->out, "503 5.5.1 Error: send HELO/EHLO first");
	if (s->tls_unavailable)	/* each try would start a tlsd: once is enough */
		return reply_send(&s->out, "454 4.7.0 TLS not available due to temporary reason");
	return 1;
}

int starttls_command(struct session *s, const struct command *c)
{
	char mem[TLS_CONTROL_LINE_MAX + 2];
	struct tls_control_msg m;
	struct inbuf ctl;
	int plain, r;

	if ((r = starttls_checks(s, c)) != 1)
		return r;
	if (starttls_spawn(s, &plain) < 0)
		return starttls_refuse(s, strerror(errno));
	inbuf_init(&ctl, s->tlsd_control, mem, sizeof mem);
	buf_set_deadline(&ctl, clock_ms() + 1000LL * s->cfg->tls_handshake_timeout);
	if (starttls_receive(&ctl, &m) != TLS_CONTROL_READY) {
		close(plain);
		starttls_abandon(s);
		return starttls_refuse(s, m.kind == TLS_CONTROL_ERROR ? m.text : "tlsd did not start");
	}
	/* RFC 3207 §4.2 and CVE-2011-0411: nothing pipelined after STARTTLS counts */
	s->in.start = s->in.end;
	if (reply_send(&s->out, "220 2.0.0 Ready to start TLS") < 0 || outbuf_flush(&s->out) < 0 ||
	    starttls_hand_over(s, plain) < 0 ||
	    fd_write_all(s->tlsd_control, "start\n", 6) < 0)
		return -1;
	buf_set_deadline(&ctl, clock_ms() + 1000LL * s->cfg->tls_handshake_timeout + 5000);
	if (starttls_receive(&ctl, &m) != TLS_CONTROL_OK) {
		starttls_log(s, "TLS handshake failed",
			     m.kind == TLS_CONTROL_FAIL ? m.text : "no answer from tlsd");
		return -1;
	}
	session_restart(s);
	s->tls = m.tls;
	starttls_log(s, "STARTTLS", NULL);
	return 0;
}

/* Until the control socket's end of file (tlsd has exited), at most 15 s. */
static void starttls_wait_exit(int control)
{
	struct pollfd p = { .fd = control, .events = POLLIN };
	long long end = clock_ms() + 15000, left;
	ssize_t n;
	char c;

	while ((left = end - clock_ms()) > 0) {
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		n = read(control, &c, 1);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
	}
}

void starttls_finish(struct session *s)
{
	if (s->tlsd_pid <= 0)
		return;
	shutdown(s->out.fd, SHUT_WR);	/* tlsd: close_notify, then exit */
	starttls_wait_exit(s->tlsd_control);
	close(s->tlsd_control);
	s->tlsd_control = -1;
	if (waitpid(s->tlsd_pid, NULL, WNOHANG) == 0) {
		kill(s->tlsd_pid, SIGTERM);
		while (waitpid(s->tlsd_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	s->tlsd_pid = -1;
}
