/*
 * fake_smtp - a scripted SMTP server in a child process on 127.0.0.2, for the
 * unit tests of the relay's SMTP client (test_smtp_client.c,
 * test_rcpt_limit.c). Included, not linked: static helpers. Not 127.0.0.1:
 * an interface's address is this host, and mail to the literal [127.0.0.1]
 * is a loop (relay/mx.h); the rest of 127.0.0.0/8 is routed to lo without
 * being an interface address.
 *
 * fake_start(f, name, session, mode) listens on a free port of 127.0.0.2
 * (f->port) and forks the server (f->pid): it accepts connection after
 * connection and runs session(fd, n, mode, log) on the n-th (from 1), which
 * answers the client as mode says and logs what it receives to log, the
 * transcript file f->transcript ("/tmp/tern-test-NAME.XXXXXX").
 * fake_line(fd, s) is a session's write of a reply; the server exits if the
 * client is gone.
 *
 * fake_stop(f) kills the server and returns the transcript, NUL-terminated
 * (at most 16383 bytes, in a static buffer), and removes the file.
 *
 * fake_client(cfg, ctx, port) clears cfg to what deliver() needs to reach
 * the server: hostname me.test, SMTP port port, command and data timeouts of
 * 5 s; and initialises ctx with it.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relay/deliver.h"

struct fake_smtp {
	pid_t pid;
	unsigned port;
	char transcript[64];
};

typedef void fake_smtp_session(int fd, int n, int mode, FILE *log);

static inline void fake_line(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(2);
}

static inline void fake_start(struct fake_smtp *f, const char *name,
				   fake_smtp_session *session, int mode)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1, fd;

	snprintf(f->transcript, sizeof f->transcript, "/tmp/tern-test-%s.XXXXXX", name);
	close(mkstemp(f->transcript));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(ls, 16), 0);
	getsockname(ls, (struct sockaddr *)&sin, &len);
	f->port = ntohs(sin.sin_port);
	f->pid = fork();
	ck_assert_int_ge(f->pid, 0);
	if (f->pid == 0) {
		FILE *log = fopen(f->transcript, "w");
		for (int n = 1; (fd = accept(ls, NULL, NULL)) >= 0; n++) {
			session(fd, n, mode, log);
			close(fd);
		}
		_exit(0);
	}
	close(ls);
}

static inline char *fake_stop(struct fake_smtp *f)
{
	static char buf[16384];
	FILE *t;
	size_t n;

	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	t = fopen(f->transcript, "r");
	n = t ? fread(buf, 1, sizeof buf - 1, t) : 0;
	buf[n] = '\0';
	if (t)
		fclose(t);
	unlink(f->transcript);
	return buf;
}

static inline void fake_client(struct config *cfg, struct deliver_ctx *ctx, unsigned port)
{
	memset(cfg, 0, sizeof *cfg);
	strcpy(cfg->hostname, "me.test");
	cfg->smtp_port = port;
	cfg->command_timeout = 5;
	cfg->data_timeout = 5;
	deliver_init(ctx, cfg);
}
