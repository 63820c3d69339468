/*
 * injector - posix_spawn of the queue program and the meaning of its exit
 * code (see injector.h, DESIGN.md "smtpd ⇄ inject"). The client is never
 * told 250 unless the program exited 0 after getting the whole message and
 * the whole envelope.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "injector.h"

#define ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)	/* linux/close_range.h, Linux 5.11 */
#endif

/*
 * fds_cloexec_above_2: mark every descriptor above 2 close-on-exec, so the
 * program inherits only 0-2 whatever the launcher left open. One syscall;
 * older kernels get a loop up to the descriptor limit.
 */
static void fds_cloexec_above_2(void)
{
	long max = sysconf(_SC_OPEN_MAX);

	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/*
 * injector_spawn: posix_spawn (a vfork-style clone: no copy of smtpd's page
 * tables, measurably cheaper per message than fork) of program with the
 * pipes' read ends on 0 and 1, SIGPIPE back to default (SIG_IGN would
 * survive execve) and no signal blocked.
 */
static int injector_spawn(pid_t *pid, int msg_r, int env_r, const char *program,
			  const char *received_id, const char *confdir)
{
	char idvar[64], confvar[4200];
	char *envp[4], *argv[2];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int n = 0, r;

	snprintf(idvar, sizeof idvar, "TERN_RECEIVED_ID=%s", received_id);
	envp[n++] = idvar;
	envp[n++] = (char *)ENV_PATH;
	if (confdir && (size_t)snprintf(confvar, sizeof confvar, "TERN_CONFDIR=%s",
					confdir) < sizeof confvar)
		envp[n++] = confvar;
	envp[n] = NULL;
	argv[0] = (char *)program;
	argv[1] = NULL;
	fds_cloexec_above_2();
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return r;
	if ((r = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return r;
	}
	/* msg_r and env_r are above 2 (0-2 are open), so neither dup2 clobbers the other */
	r = posix_spawn_file_actions_adddup2(&fa, msg_r, 0);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, env_r, 1);
	if (!r)
		r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (!r)
		r = posix_spawnattr_setsigmask(&at, &none);
	if (!r)
		r = posix_spawnattr_setsigdefault(&at, &dfl);
	if (!r)
		r = posix_spawn(pid, program, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

int injector_start(struct injector *j, const char *program,
		   const char *received_id, const char *confdir)
{
	int msg[2], env[2], r;

	j->pid = -1;
	j->msg_fd = j->env_fd = -1;
	if (pipe2(msg, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(env, O_CLOEXEC) < 0) {
		r = errno;
		close(msg[0]);
		close(msg[1]);
		errno = r;
		return -1;
	}
	r = injector_spawn(&j->pid, msg[0], env[0], program, received_id, confdir);
	close(msg[0]);
	close(env[0]);
	if (r != 0) {
		j->pid = -1;
		close(msg[1]);
		close(env[1]);
		errno = r;
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
