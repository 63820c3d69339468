/*
 * tlscheck - tlsd -n from a program without OpenSSL (see tlscheck.h).
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "str.h"
#include "tlscheck.h"

int tlscheck_run(const struct config *c, const char *confdir, char *err, size_t errlen)
{
	char confvar[4200], *envp[3], *argv[3];
	int n = 0, r, st;
	pid_t pid;

	if (!c->ntls_certs)
		return 0;
	envp[n++] = (char *)"PATH=/usr/local/bin:/usr/bin:/bin";
	if (confdir && (size_t)snprintf(confvar, sizeof confvar, "TERN_CONFDIR=%s", confdir) <
	    sizeof confvar)
		envp[n++] = confvar;
	envp[n] = NULL;
	argv[0] = (char *)c->tls_program;
	argv[1] = (char *)"-n";
	argv[2] = NULL;
	if ((r = posix_spawn(&pid, c->tls_program, NULL, NULL, argv, envp)) != 0)
		return str_errorf(err, errlen, "%s -n: cannot run: %s", c->tls_program, strerror(r));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return str_errorf(err, errlen, "%s -n: waitpid: %s", c->tls_program,
					  strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		return str_errorf(err, errlen, "%s -n: exit %d", c->tls_program, WEXITSTATUS(st));
	return str_errorf(err, errlen, "%s -n: killed by signal %d", c->tls_program,
			  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}
