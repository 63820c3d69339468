#ifndef TERN_SMTPD_CHILD_H
#define TERN_SMTPD_CHILD_H
/*
 * NAME
 *	child - what a program needs around each child it starts and waits for
 * SYNOPSIS
 *	void child_cloexec_above_2(void);
 *	int child_spawn(pid_t *pid, const char *program, char *const argv[],
 *	                char *const envp[], const struct child_fd *fds, size_t nfds);
 *	int child_wait(pid_t pid, int timeout_ms);
 * DESCRIPTION
 *	child_cloexec_above_2() marks every descriptor above 2 close-on-exec,
 *	so that a program started afterwards inherits only what its
 *	posix_spawn file actions give it, whatever the launcher left open.
 *
 *	child_spawn() starts program with posix_spawn (a vfork-style clone:
 *	no copy of the caller's page tables, cheaper than fork on the
 *	per-message path), argv and envp exactly as given, and the
 *	descriptors of fds placed in order: fds[i].fd dup2'd onto
 *	fds[i].target, or /dev/null opened there when fd is CHILD_DEVNULL.
 *	Every other descriptor above 2 is closed (child_cloexec_above_2()),
 *	SIGPIPE is back to its default (SIG_IGN would survive execve) and no
 *	signal is blocked. It returns 0 or posix_spawn's error number. The
 *	queue program (queue_client.h), tlsd (smtpd/starttls.h) and the
 *	password checker (smtpd/authcheck.h) are all started here.
 *
 *	child_wait() waits for the child pid at most timeout_ms and returns
 *	its wait status; when the time is up it kills it with SIGKILL, reaps
 *	it and returns CHILD_HUNG (also when pid is no child of ours). The
 *	queue program (queue_client.h) and smtpd's password checker
 *	(smtpd/authcheck.h) are both waited for here.
 */
#include <stddef.h>
#include <sys/types.h>

#define CHILD_HUNG (-1)
#define CHILD_DEVNULL (-1)

struct child_fd {
	int fd;		/* the caller's descriptor, or CHILD_DEVNULL */
	int target;	/* the child's descriptor number */
};

void child_cloexec_above_2(void);
int child_spawn(pid_t *pid, const char *program, char *const argv[], char *const envp[],
		const struct child_fd *fds, size_t nfds);
int child_wait(pid_t pid, int timeout_ms);

#endif
