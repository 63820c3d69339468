/*
 * authcheck - the qmail checkpassword interface, client side (see
 * authcheck.h). The password lives only in the caller's buffer and in the
 * pipe; it is never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authcheck.h"
#include "child.h"
#include "log.h"
#include "sasl.h"

#define ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

/* The read end of the pipe must not be 3 already: a dup2 onto itself would
 * keep its close-on-exec flag on some C libraries. */
static int authcheck_pipe(int p[2])
{
	int moved;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (p[0] != 3)
		return 0;
	moved = fcntl(p[0], F_DUPFD_CLOEXEC, 4);
	close(p[0]);
	if (moved < 0) {
		close(p[1]);
		return -1;
	}
	p[0] = moved;
	return 0;
}

static int authcheck_spawn(pid_t *pid, int rfd, const char *program, const char *confdir)
{
	char confvar[4200], *envp[3], *argv[3];
	/* never the client's connection: the checker talks to nobody */
	const struct child_fd fds[] = {
		{ CHILD_DEVNULL, 0 }, { CHILD_DEVNULL, 1 }, { rfd, 3 },
	};
	int n = 0;

	envp[n++] = (char *)ENV_PATH;
	if (confdir && (size_t)snprintf(confvar, sizeof confvar, "TERN_CONFDIR=%s",
					confdir) < sizeof confvar)
		envp[n++] = confvar;
	envp[n] = NULL;
	argv[0] = (char *)program;
	argv[1] = (char *)"/bin/true";	/* checkpassword: run on success */
	argv[2] = NULL;
	return child_spawn(pid, program, argv, envp, fds, 3);
}

/* user\0password\0\0 in one write: at most 255 + 1024 + 3 < PIPE_BUF octets */
static void authcheck_send(int wfd, const char *user, const char *password)
{
	char rec[SASL_USER_MAX + SASL_PASSWORD_MAX + 3];
	size_t ul = strnlen(user, SASL_USER_MAX), pl = strnlen(password, SASL_PASSWORD_MAX);

	_Static_assert(sizeof rec <= PIPE_BUF, "one atomic pipe write");
	memcpy(rec, user, ul);
	rec[ul] = '\0';
	memcpy(rec + ul + 1, password, pl);
	rec[ul + 1 + pl] = '\0';
	rec[ul + 2 + pl] = '\0';	/* the empty timestamp */
	fcntl(wfd, F_SETFL, O_NONBLOCK);
	/* a checker that exited early gives EPIPE (SIGPIPE is ignored): its
	 * exit status still decides */
	while (write(wfd, rec, ul + pl + 3) < 0 && errno == EINTR)
		;
	explicit_bzero(rec, sizeof rec);
}

static enum authcheck_result authcheck_verdict(const char *program, int status)
{
	if (status != CHILD_HUNG && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return AUTHCHECK_OK;
	if (status != CHILD_HUNG && WIFEXITED(status) && WEXITSTATUS(status) == 1)
		return AUTHCHECK_BAD;
	if (status == CHILD_HUNG)
		log_msg(LOG_ERR, "password checker %s timed out", program);
	else if (WIFSIGNALED(status))
		log_msg(LOG_ERR, "password checker %s killed by signal %d", program,
			WTERMSIG(status));
	else
		log_msg(LOG_ERR, "password checker %s failed (exit %d)", program,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return AUTHCHECK_TEMPORARY;
}

enum authcheck_result authcheck_run(const char *program, const char *user,
				    const char *password, const char *confdir,
				    int timeout_ms)
{
	pid_t pid;
	int p[2], r;

	if (authcheck_pipe(p) < 0) {
		log_msg(LOG_ERR, "password checker: pipe: %s", strerror(errno));
		return AUTHCHECK_TEMPORARY;
	}
	r = authcheck_spawn(&pid, p[0], program, confdir);
	close(p[0]);
	if (r != 0) {
		close(p[1]);
		log_msg(LOG_ERR, "cannot run the password checker %s: %s", program, strerror(r));
		return AUTHCHECK_TEMPORARY;
	}
	authcheck_send(p[1], user, password);
	close(p[1]);
	return authcheck_verdict(program, child_wait(pid, timeout_ms));
}
