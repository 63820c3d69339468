/*
 * injector - fork/exec of the queue program and the meaning of its exit
 * code (see injector.h, DESIGN.md "smtpd ⇄ inject"). The client is never
 * told 250 unless the program exited 0 after getting the whole message and
 * the whole envelope.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "injector.h"

#define ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

/* In the child: pipes onto fds 0 and 1, nothing else open, then exec. */
static void injector_child(int msg_r, int env_r, const char *program,
			   const char *received_id, const char *confdir)
{
	char idvar[64], confvar[4200];
	char *envp[4], *argv[2];
	int n = 0;

	signal(SIGPIPE, SIG_DFL);	/* SIG_IGN would survive execve */
	/* move both above 2 first, so neither dup2 below clobbers the other */
	msg_r = fcntl(msg_r, F_DUPFD, 3);
	env_r = fcntl(env_r, F_DUPFD, 3);
	if (msg_r < 0 || env_r < 0 || dup2(msg_r, 0) < 0 || dup2(env_r, 1) < 0)
		_exit(81);
	syscall(SYS_close_range, 3, ~0U, 0);	/* musl 1.2.3: no close_range() */
	snprintf(idvar, sizeof idvar, "TERN_RECEIVED_ID=%s", received_id);
	envp[n++] = idvar;
	envp[n++] = (char *)ENV_PATH;
	if (confdir && (size_t)snprintf(confvar, sizeof confvar, "TERN_CONFDIR=%s",
					confdir) < sizeof confvar)
		envp[n++] = confvar;
	envp[n] = NULL;
	argv[0] = (char *)program;
	argv[1] = NULL;
	execve(program, argv, envp);
	fprintf(stderr, "smtpd: exec %s: %s\n", program, strerror(errno));
	_exit(81);
}

int injector_start(struct injector *j, const char *program,
		   const char *received_id, const char *confdir)
{
	int msg[2], env[2], saved;

	j->pid = -1;
	j->msg_fd = j->env_fd = -1;
	if (pipe2(msg, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(env, O_CLOEXEC) < 0) {
		saved = errno;
		close(msg[0]);
		close(msg[1]);
		errno = saved;
		return -1;
	}
	j->pid = fork();
	if (j->pid == 0)
		injector_child(msg[0], env[0], program, received_id, confdir);
	saved = errno;
	close(msg[0]);
	close(env[0]);
	if (j->pid < 0) {
		close(msg[1]);
		close(env[1]);
		errno = saved;
		return -1;
	}
	/* non-blocking, so that buf's write timeout bounds a program that stops reading */
	fcntl(msg[1], F_SETFL, O_NONBLOCK);
	fcntl(env[1], F_SETFL, O_NONBLOCK);
	j->msg_fd = msg[1];
	j->env_fd = env[1];
	return 0;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * injector_sleep: until the child may have exited, at most left_ms. A pidfd
 * (Linux 5.3, close-on-exec; syscall(): musl 1.2.3 does not wrap it) turns
 * readable when the child exits, so the verdict costs no polling delay;
 * without one, short naps.
 */
static void injector_sleep(int pidfd, long long left_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN, .revents = 0 };
	struct timespec nap = { 0, 1000000 };	/* 1 ms */

	if (pidfd >= 0)
		poll(&p, 1, left_ms > 60000 ? 60000 : (int)left_ms);
	else
		nanosleep(&nap, NULL);
}

/* Wait for the child at most timeout_ms; kill it when it hangs. */
static int injector_wait(struct injector *j, int timeout_ms)
{
	long long end = clock_ms() + timeout_ms, left;
	int status, pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	pid_t r;

	for (;;) {
		r = waitpid(j->pid, &status, WNOHANG);
		if (r == j->pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = INJECTOR_HUNG;	/* not our child any more: no verdict */
			break;
		}
		left = end - clock_ms();
		if (left <= 0) {
			kill(j->pid, SIGKILL);
			while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
				;
			status = INJECTOR_HUNG;
			break;
		}
		injector_sleep(pidfd, left);
	}
	if (pidfd >= 0)
		close(pidfd);
	j->pid = -1;
	return status;
}

int injector_finish(struct injector *j, const char *envelope, size_t len, int timeout_ms)
{
	struct outbuf ob;
	int failed, status;

	fd_close(&j->msg_fd);
	outbuf_init(&ob, j->env_fd, (char *)envelope, len);
	ob.len = len;
	ob.notsock = 1;	/* a pipe */
	ob.timeout_ms = timeout_ms;
	failed = outbuf_flush(&ob) < 0;
	fd_close(&j->env_fd);
	status = injector_wait(j, timeout_ms);
	/* a program that exits 0 without the whole envelope gets no 250 */
	if (failed && status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return INJECTOR_ENVELOPE_FAILED;
	return status;
}

int injector_abort(struct injector *j, int timeout_ms)
{
	fd_close(&j->msg_fd);
	fd_close(&j->env_fd);
	return j->pid > 0 ? injector_wait(j, timeout_ms) : INJECTOR_HUNG;
}

/* qmail-queue(8) temporary exit codes and what they mean */
static const char *injector_temporary_text(int code)
{
	switch (code) {
	case 51: return "queue program out of memory";
	case 52: return "queue program timed out";
	case 53: return "queue write error (disk full?)";
	case 54: return "queue program could not read the message or envelope";
	case 55: return "queue program could not read its configuration";
	case 56: return "queue program could not make a network connection";
	case 61: return "problem with the queue program's home directory";
	case 62: return "problem with the queue directory";
	case 63: case 64: case 65: case 66:
		return "problem with a queue subdirectory";
	case 71: return "mail server temporarily rejected the message";
	case 72: return "connection to mail server timed out";
	case 73: return "connection to mail server rejected";
	case 74: return "communication with mail server failed";
	case 81: return "internal error in the queue program";
	}
	return NULL;
}

int injector_reply(int status, const char *id, char *out, size_t outlen)
{
	const char *text;
	int code;

	if (status == INJECTOR_HUNG) {
		snprintf(out, outlen, "451 4.3.0 Error: queue program timed out");
		return 0;
	}
	if (status == INJECTOR_ENVELOPE_FAILED) {
		snprintf(out, outlen, "451 4.3.0 Error: queue program did not take the envelope");
		return 0;
	}
	if (WIFSIGNALED(status)) {
		snprintf(out, outlen, "451 4.3.0 Error: queue program crashed (signal %d)",
			 WTERMSIG(status));
		return 0;
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code == 0) {
		snprintf(out, outlen, "250 2.0.0 Ok: queued as %s", id);
		return 1;
	}
	if (code == 11)
		snprintf(out, outlen, "554 5.1.3 Error: address too long");
	else if (code == 31)
		snprintf(out, outlen, "554 5.6.0 Error: message permanently refused by the queue");
	else if (code == 91)
		snprintf(out, outlen, "554 5.6.0 Error: envelope format error");
	else if ((text = injector_temporary_text(code)) != NULL)
		snprintf(out, outlen, "451 4.3.0 Error: %s", text);
	else
		snprintf(out, outlen, "451 4.3.0 Error: queue program failed (exit %d)", code);
	return 0;
}
