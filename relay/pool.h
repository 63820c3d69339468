#ifndef TERN_POOL_H
#define TERN_POOL_H
/*
 * NAME
 *	pool - the delivery workers as the scheduler sees them, and the factory
 *	that makes them
 * SYNOPSIS
 *	int pool_start(struct pool *p, const char *confdir, const struct config *c,
 *	               const struct auth_table *auth, char *err, size_t errlen);
 *	struct worker *pool_spawn(struct pool *p);
 *	int pool_reload(struct pool *p);
 *	struct worker *pool_pick(struct pool *p, const char *dest);
 *	void pool_retire(struct pool *p, struct worker *w);
 *	void pool_stop(struct pool *p);
 * DESCRIPTION
 *	pool_start() is called before the scheduler drops privileges and before
 *	it opens the queue: it forks the factory, which drops to relay-user at
 *	once and from then on, for each IPC_SPAWN, forks one worker (running
 *	worker_main()) and sends the scheduler its socket with IPC_WORKER. So
 *	workers never run as queue-user and never inherit a queue descriptor,
 *	and the pool can be refilled after the scheduler has dropped root
 *	(the factory keeps the one privilege that matters: being relay-user).
 *	The factory exits when the scheduler's end of its socket closes; each
 *	worker when its own socket closes. IPC_RELOAD makes the factory reread
 *	confdir, keeping its old configuration on error. auth (the
 *	relay-auth-file, read by the caller as root; NULL: none) is copied
 *	into the factory at the fork and given to every worker; a reload
 *	keeps it (the factory, as relay-user, cannot read the file: a changed
 *	file needs a restart).
 *
 *	pool_spawn() asks the factory for one worker and adds it (NULL and a log
 *	line if the factory is gone).
 *
 *	A worker holds at most one SMTP/LMTP connection (deliver.h): the one of
 *	its job, or while idle the one kept from its last job. w->conn_dest
 *	names that job's destination (mx_key() of mx.h), "" when it holds none;
 *	the scheduler sets it, so it is an upper bound (the worker may have
 *	closed an idle connection since). A busy worker's closing_dest names
 *	the destination of the connection it kept and closes before its job
 *	("" if none), which the scheduler counts until the job's result. pool_pick() chooses an idle worker of
 *	the current generation for a job to dest: the one holding a connection
 *	to dest (reuse, and no new connection to count), else the one idle
 *	longest among those holding none, else the one idle longest (it closes
 *	its connection before it opens one to dest); NULL if none is idle (a
 *	worker of an older generation is never picked: its caller retires it).
 *	pool_retire() closes a worker's socket and forgets it. pool_stop()
 *	retires every worker and closes the factory.
 * DIAGNOSTICS
 *	pool_start() returns 0 or -1 with err set.
 */
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "relay/authfile.h"
#include "relay/ipc.h"
#include "relay/mx.h"

struct sched_job;

struct worker {
	int fd;
	pid_t pid;
	unsigned generation;
	struct ipc_reader in;
	struct sched_job *job;		/* NULL: idle */
	char conn_dest[MX_KEY_MAX];	/* "": no connection held */
	char closing_dest[MX_KEY_MAX];	/* busy: the kept one it closes first */
	long long idle_since;		/* clock_ms() */
};

struct pool {
	int factory_fd;
	pid_t factory_pid;
	unsigned generation;
	struct worker **w;
	size_t n, cap;
};

int pool_start(struct pool *p, const char *confdir, const struct config *c,
	       const struct auth_table *auth, char *err, size_t errlen);
struct worker *pool_spawn(struct pool *p);
int pool_reload(struct pool *p);
struct worker *pool_pick(struct pool *p, const char *dest);
void pool_retire(struct pool *p, struct worker *w);
void pool_stop(struct pool *p);

#endif
