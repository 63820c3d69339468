#ifndef TERN_AGENT_H
#define TERN_AGENT_H
/*
 * NAME
 *	agent - a helper process of the relay with privileges of its own (the
 *	Maildir writer, the DKIM signer): start, request socket, one child per
 *	request
 * SYNOPSIS
 *	int agent_start(const char *what, void (*run)(int fd, void *arg), void *arg,
 *	                int *fd, char *err, size_t errlen);
 *	int agent_ready(int fd);
 *	void agent_serve(int fd, const char *what, void (*serve)(int conn, void *arg),
 *	                 void *arg);
 *	int agent_request(int agentfd, int *conn);
 * DESCRIPTION
 *	The relay, still root, starts each agent before the worker factory.
 *	agent_start() makes a SOCK_SEQPACKET socketpair, forks, and runs
 *	run(fd, arg) in the child, which must never return: it drops its
 *	privileges (its own way), says so with agent_ready(fd) and then calls
 *	agent_serve(). agent_start() waits (at most 30 s) for that word and
 *	returns in *fd the end the workers use; a child that exits first (it
 *	could not drop, it refused a key) fails the start, "what" naming it in
 *	err.
 *
 *	agent_serve() ignores the signals that would end it (it ends when every
 *	holder of the other end has closed it: the workers and the factory)
 *	and, for each request, forks a child that runs serve(conn, arg) and
 *	exits: a request that crashes or hangs its child harms no other.
 *	agent_request() is the workers' side: a new socketpair whose one end
 *	travels over agentfd (SCM_RIGHTS) and whose other end is *conn, for
 *	one request and its answer (ipc.h frames).
 * DIAGNOSTICS
 *	agent_start() and agent_request() return 0, or -1 (err set, or errno).
 *	agent_ready() returns 0 or -1.
 */
#include <stddef.h>

int agent_start(const char *what, void (*run)(int fd, void *arg), void *arg, int *fd,
		char *err, size_t errlen);
int agent_ready(int fd);
void agent_serve(int fd, const char *what, void (*serve)(int conn, void *arg), void *arg)
	__attribute__((noreturn));
int agent_request(int agentfd, int *conn);

#endif
