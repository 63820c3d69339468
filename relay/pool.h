#ifndef TERN_POOL_H
#define TERN_POOL_H
/*
 * NAME
 *	pool - the delivery workers as the scheduler sees them, and the factory
 *	that makes them
 * SYNOPSIS
 *	int pool_start(struct pool *p, const char *confdir, const struct config *c,
 *	               char *err, size_t errlen);
 *	struct worker *pool_spawn(struct pool *p);
 *	int pool_reload(struct pool *p);
 *	struct worker *pool_pick(struct pool *p, const char *domain);
 *	void pool_retire(struct pool *p, struct worker *w);
 *	size_t pool_idle_count(const struct pool *p);
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
 *	confdir, keeping its old configuration on error.
 *
 *	pool_spawn() asks the factory for one worker and adds it (NULL and a log
 *	line if the factory is gone). pool_pick() chooses an idle worker,
 *	preferring the one that last served domain (its connection may still be
 *	open, deliver.h), else the one idle longest; NULL if none is idle (or a
 *	worker of an older generation is idle: it is retired first by
 *	pool_reload()'s caller). pool_retire() closes a worker's socket and
 *	forgets it. pool_stop() retires every worker and closes the factory.
 * DIAGNOSTICS
 *	pool_start() returns 0 or -1 with err set.
 */
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "relay/ipc.h"

struct sched_job;

struct worker {
	int fd;
	pid_t pid;
	unsigned generation;
	struct ipc_reader in;
	struct sched_job *job;		/* NULL: idle */
	char last_domain[256];
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
	       char *err, size_t errlen);
struct worker *pool_spawn(struct pool *p);
int pool_reload(struct pool *p);
struct worker *pool_pick(struct pool *p, const char *domain);
void pool_retire(struct pool *p, struct worker *w);
size_t pool_idle_count(const struct pool *p);
void pool_stop(struct pool *p);

#endif
