#ifndef TERN_SMTPD_CHILD_H
#define TERN_SMTPD_CHILD_H
/*
 * NAME
 *	child - what a program needs around each child it starts and waits for
 * SYNOPSIS
 *	void child_cloexec_above_2(void);
 *	int child_wait(pid_t pid, int timeout_ms);
 * DESCRIPTION
 *	child_cloexec_above_2() marks every descriptor above 2 close-on-exec,
 *	so that a program started afterwards inherits only what its
 *	posix_spawn file actions give it, whatever the launcher left open.
 *
 *	child_wait() waits for the child pid at most timeout_ms and returns
 *	its wait status; when the time is up it kills it with SIGKILL, reaps
 *	it and returns CHILD_HUNG (also when pid is no child of ours). The
 *	queue program (queue_client.h) and smtpd's password checker
 *	(smtpd/authcheck.h) are both waited for here.
 */
#include <sys/types.h>

#define CHILD_HUNG (-1)

void child_cloexec_above_2(void);
int child_wait(pid_t pid, int timeout_ms);

#endif
