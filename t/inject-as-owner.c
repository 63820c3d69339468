/*
 * NAME
 *	t/inject-as-owner - the injector of a private instance run as root
 * SYNOPSIS
 *	PATH (a copy of this program, setuid to the queue's owner), which
 *	runs PATH.real (a symbolic link to the build tree's queue/inject)
 * DESCRIPTION
 *	As root, t/instance gives smtpd, the queue and the relay's workers three
 *	distinct users, as an installation has (tern.conf(5) refuses anything
 *	else). smtpd then needs a setuid injector to write the queue, but the
 *	real inject ignores TERN_CONFDIR when setuid and would use the
 *	compiled-in /etc/tern. So t/instance copies this program into the
 *	instance, setuid to the queue user: it makes the real and saved ids
 *	the effective ones (the queue user's; supplementary groups go only when
 *	root runs it) and runs PATH.real, where PATH is its own file
 *	(/proc/self/exe), with the arguments and environment it was given.
 *	inject, no longer setuid, honours the instance's TERN_CONFDIR and
 *	writes as the queue user. (t/e2e/fault_inject.sh points PATH.real at a
 *	script that runs the fault-injecting inject.)
 *
 *	It grants whoever may run it the queue user's uid (nobody in the test
 *	instances) with a configuration of their choosing: test instances only,
 *	never installed.
 * DIAGNOSTICS
 *	Exits 81 (qmail-queue: internal error) when it cannot switch or exec.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	char self[PATH_MAX], real[PATH_MAX + 8];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	(void)argc;
	if (n < 0)
		return 81;
	self[n] = '\0';
	snprintf(real, sizeof real, "%s.real", self);
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return 81;
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		dprintf(2, "inject-as-owner: setresuid %u: %s\n", (unsigned)uid, strerror(errno));
		return 81;
	}
	argv[0] = real;
	execve(real, argv, environ);
	dprintf(2, "inject-as-owner: exec %s: %s\n", real, strerror(errno));
	return 81;
}
