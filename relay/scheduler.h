#ifndef TERN_SCHEDULER_H
#define TERN_SCHEDULER_H
/*
 * NAME
 *	scheduler - the relay's queue owner: what to deliver, when, by which worker
 * SYNOPSIS
 *	int sched_init(struct sched *s, const char *confdir, struct config *c,
 *	               struct pool *p, int once);
 *	int sched_run(struct sched *s);
 *
 *	(sched_message.c, used by the loop and by tests)
 *	void sched_index_add(struct sched *s, const char *id);
 *	int sched_activate(struct sched *s, struct sched_entry *e, long long now);
 *	void sched_job_finish(struct sched *s, struct sched_job *j,
 *	                      const struct deliver_result *res, long long now);
 *	void sched_job_lost(struct sched *s, struct sched_job *j, const char *why,
 *	                    long long now);
 *	void sched_job_postpone(struct sched *s, struct sched_job *j, long long until,
 *	                        long long now);
 *	int sched_bounce(struct sched *s, const struct queue_message *m);
 *	struct sched_dest *sched_dest_get(struct sched *s, const char *dest);
 *
 *	(sched_heap.c: the entries not in memory, by due time)
 *	int sched_heap_reserve(struct sched_heap *h, size_t n);
 *	void sched_heap_push(struct sched_heap *h, struct sched_entry *e);
 *	struct sched_entry *sched_heap_top(const struct sched_heap *h);
 *	void sched_heap_remove(struct sched_heap *h, struct sched_entry *e);
 *	size_t sched_heap_count_due(const struct sched_heap *h, long long now);
 *	void sched_heap_free(struct sched_heap *h);
 *	void sched_entry_due(struct sched *s, struct sched_entry *e, long long due);
 *
 *	(sched_ready.c: the jobs not yet sent, per destination)
 *	void sched_ready_push(struct sched *s, struct sched_job *j);
 *	struct sched_job *sched_ready_pop(struct sched *s, struct sched_dest *d);
 *	void sched_ready_park(struct sched *s, struct sched_dest *d);
 *	void sched_ready_wake(struct sched *s, struct sched_dest *d);
 *	void sched_ready_rotate(struct sched *s);
 *	struct sched_job *sched_ready_first(const struct sched *s);
 *	struct sched_job *sched_ready_next(const struct sched *s,
 *	                                   const struct sched_job *j);
 *
 *	(scheduler.c, used by the loop and by tests)
 *	void sched_fill(struct sched *s, long long now);
 *	void sched_dispatch(struct sched *s, long long now);
 *	void sched_worker_event(struct sched *s, struct worker *w, long long now);
 * DESCRIPTION
 *	The scheduler runs as queue-user and is the only process that writes
 *	queue state; delivery workers (pool.h) run as relay-user and only see
 *	one job at a time with the body as a read-only descriptor.
 *
 *	Index: one sched_entry per message id (a strmap, O(1)), holding only
 *	the next time anything is due. A message is read from disk when it is
 *	due (it becomes "active": envelope, state, jobs) and dropped from
 *	memory again once no job of it is ready or in flight, so a queue of
 *	100,000 messages is read once at start and then only as each comes due.
 *	The entries not in memory wait in a heap ordered by due time
 *	(sched_heap.c); sched_fill() takes due ones from its top while fewer
 *	than the cap (4 x concurrency + 64) are active, so a pass of the loop
 *	looks at the entries it loads and one more, never at the whole queue
 *	(s->fill_visits counts them, for tests). So that one destination at
 *	its limit cannot hold the cap and starve the others, the cap does not
 *	apply while no ready job can go (no destination is served, below) and
 *	a job slot is free: then due messages are loaded, at most the cap in
 *	a pass, up to SCHED_ACTIVE_MAX (Postfix's qmgr_message_active_limit)
 *	in memory, until one of them gives a job that can go. sched_activate() loads one
 *	entry (it may also forget it, or settle it at once, freeing it) and
 *	returns -1 only when memory ran out and e is untouched, still waiting;
 *	else 0, after which e must not be used. sched_entry_due() changes an
 *	entry's due time and its place in the heap.
 *	New messages are seen at once (inotify on mess/), the periodic rescan
 *	(every 5 minutes) only adds ids not yet known, and retry/ requests
 *	(queue_retry_take) make a message, or all, due now, ignoring backoff.
 *
 *	Jobs: the due pending recipients of an active message, one job per
 *	recipient domain (group.h). Each job carries its destination, the next
 *	hop its mail goes to (mx_key() of mx.h, as Postfix counts them): for a
 *	routed domain the route's next hop, so that every domain routed to one
 *	smarthost or LMTP server is one destination; for an address literal
 *	the literal; for MX delivery the recipient domain. The destination's
 *	state (sched_dest_get(): jobs in flight, connection-level failures,
 *	backoff) is kept by that name, so the limits and the backoff below hold
 *	per next hop, not per recipient domain.
 *
 *	Ready jobs (sched_ready.c) wait in a FIFO per destination; a
 *	destination with ready jobs is either served (below its limit) or
 *	parked (at it). sched_ready_push() appends a job to its destination's
 *	FIFO (a new one is served or parked by its in-flight count), pop takes
 *	the first, park and wake move a destination between the two lists,
 *	rotate passes the turn to the next served destination, and first/next
 *	walk every ready job (served destinations first; for tests and the
 *	stop). sched_dispatch() serves the destinations round-robin, one job
 *	each turn, as Postfix's qmgr does: one at its limit is parked, not
 *	looked at again until a job or closing connection of it ends
 *	(sched_ready_wake()), so dispatch costs O(1) per job sent or
 *	destination parked, never O(ready jobs) (s->dispatch_visits counts the
 *	destinations it looked at, for tests).
 *
 *	Limits count connections, busy or idle. A worker holds at most one
 *	connection (deliver.h): its job's, or while idle the one kept from its
 *	last job, whose destination the scheduler notes in w->conn_dest
 *	(pool.h). sched_dispatch() sends a ready job to an idle worker while
 *	fewer than `concurrency` jobs are in flight in all and fewer than
 *	`destination-concurrency` to its destination; pool_pick() gives it to
 *	the idle worker that holds a connection to that destination if there
 *	is one (reuse: no new connection), else to one holding none, else to
 *	the one idle longest, which closes its connection first; that one
 *	counts as closing for its destination until the worker's result. So a
 *	new connection to a destination is opened only when no idle one to it
 *	is open and its busy and closing ones are fewer than
 *	`destination-concurrency`: its connections, busy, idle or closing,
 *	never exceed that. The pool never has more than `concurrency`
 *	workers (a worker of an older generation still busy after SIGHUP
 *	counts), so no more than `concurrency` connections are open in all.
 *	A destination whose delivery failed at connection level
 *	(destination_failed) is backed off as a whole: its jobs, whatever
 *	their recipient domain, are deferred to the end of that backoff
 *	without an attempt.
 *
 *	Results: a worker's result is validated (ipc.h); 2xx marks a recipient
 *	delivered, 5xx failed, 4xx pending with next_try from backoff.h (a 4xx
 *	marked again, left over by the server's recipient limit in a job that
 *	delivered others, is due at once and not counted as an attempt), and the
 *	state is written with queue_state_save() before anything else depends
 *	on it. A worker that dies or lies loses its job: the recipients are
 *	deferred as after a 451 (never lost: at-least-once), and a new worker
 *	is asked from the factory. Without any worker, sched_run() fails.
 *
 *	Ends: a recipient pending past arrival + queue-lifetime fails with
 *	4.4.7; a message with more than 100 Received: fields fails 5.4.6
 *	without an attempt (RFC 5321 §6.3). When no recipient is pending the
 *	failed ones are bounced (sched_bounce) and only then is the message
 *	removed. Never a bounce for a bounce: a failed message with the null
 *	sender is reported once to the postmaster, itself with the null sender
 *	and received id "pmnotice"; a failed postmaster notice is only logged.
 *
 *	sd_notify: READY=1 after the first scan, STATUS= with the queue size,
 *	jobs in flight and deferred messages, WATCHDOG=1 at half WATCHDOG_USEC.
 *	SIGTERM/SIGINT: no new jobs; in-flight ones may finish for up to
 *	SCHED_GRACE_MS; state is already on disk; sched_run() returns 0.
 *	SIGHUP: config_load() again (on error the old configuration stays and
 *	the error is logged); the factory rereads it too and workers are
 *	replaced as they become idle. once (relay -1): return 0 when the queue
 *	is empty.
 * DIAGNOSTICS
 *	sched_init() returns 0 or -1 (logged). sched_run() returns the exit
 *	status: 0, or 111 when no worker is left or the queue cannot be read.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "queue/queue.h"
#include "relay/deliver.h"
#include "relay/mx.h"
#include "relay/pool.h"
#include "relay/strmap.h"

#define SCHED_GRACE_MS 10000
#define SCHED_RESCAN_MS (5 * 60 * 1000)
#define SCHED_SWEEP_MS (60 * 60 * 1000)
#define SCHED_TMP_MAX_AGE (36 * 3600)
#define SCHED_MAX_HOPS 100
#define SCHED_PMNOTICE_ID "pmnotice"
#define SCHED_ACTIVE_MAX 20000		/* messages in memory, when the cap would starve */

struct sched_active {
	struct queue_message m;
	unsigned jobs;			/* ready or in flight */
	int dirty;			/* state differs from disk */
};

struct sched_entry {
	char id[QUEUE_ID_MAX];
	long long due;			/* unix seconds */
	int force;			/* retry requested: ignore next_try and backoff */
	int eightbit;			/* -1: not yet known */
	int hops_checked;
	size_t hops;
	size_t waiting;			/* 1 + place in s->waiting; 0: not there */
	struct sched_active *active;	/* NULL: not in memory */
};

/* Every entry not active is in it (sched_heap.c); zeroed memory is empty. */
struct sched_heap {
	struct sched_entry **e;
	size_t n, cap;
};

struct sched_dest;

struct sched_job {
	struct sched_job *next;		/* ready: the next in its destination's FIFO */
	struct sched_dest *queue;	/* ready: the destination it waits in */
	struct sched_entry *entry;
	uint64_t id;
	char domain[256];		/* of every recipient of the job */
	char dest[MX_KEY_MAX];		/* its destination: mx_key() */
	size_t *idx;			/* into entry->active->m.rcpt */
	size_t n;
	int force;
	struct worker *worker;		/* NULL: ready, not sent */
};

enum sched_dest_list { SCHED_DEST_NONE, SCHED_DEST_SERVED, SCHED_DEST_PARKED };

struct sched_dest {
	struct sched_job *head, *tail;	/* its ready jobs, FIFO */
	enum sched_dest_list list;	/* NONE exactly when it has none */
	struct sched_dest *lprev, *lnext;	/* in s->served or s->parked */
	unsigned inflight;		/* jobs sent to workers */
	unsigned closing;		/* kept connections a busy worker closes first */
	unsigned failures;
	long long backoff_until;
};

struct sched {
	const char *confdir;
	struct config *cfg;
	struct queue q;
	struct pool *pool;
	struct strmap index;		/* id -> sched_entry */
	struct strmap dests;		/* destination (mx_key) -> sched_dest */
	struct sched_heap waiting;	/* entries not in memory, by due */
	struct sched_dest *served;	/* ready jobs, below the limit: round-robin */
	struct sched_dest *parked;	/* ready jobs, at the limit */
	size_t nready, nactive, ninflight, ndeferred;
	size_t fill_visits;		/* entries the last sched_fill() looked at */
	size_t dispatch_visits;		/* destinations the last sched_dispatch() looked at */
	uint64_t next_jobid;
	int inotify_fd, signal_fd, mess_wd;
	long long next_rescan, next_sweep, next_watchdog, watchdog_ms, next_status;
	int stopping;
	long long stop_deadline;
	int once;
	int retry_pending;
	int reload_pending;
	size_t workers_warned;		/* pool size last warned about */
};

int sched_init(struct sched *s, const char *confdir, struct config *c,
	       struct pool *p, int once);
int sched_run(struct sched *s);

void sched_index_add(struct sched *s, const char *id);
int sched_activate(struct sched *s, struct sched_entry *e, long long now);
void sched_job_finish(struct sched *s, struct sched_job *j,
		      const struct deliver_result *res, long long now);
void sched_job_lost(struct sched *s, struct sched_job *j, const char *why, long long now);
void sched_job_postpone(struct sched *s, struct sched_job *j, long long until, long long now);
int sched_bounce(struct sched *s, const struct queue_message *m);
struct sched_dest *sched_dest_get(struct sched *s, const char *dest);
int sched_heap_reserve(struct sched_heap *h, size_t n);
void sched_heap_push(struct sched_heap *h, struct sched_entry *e);
struct sched_entry *sched_heap_top(const struct sched_heap *h);
void sched_heap_remove(struct sched_heap *h, struct sched_entry *e);
size_t sched_heap_count_due(const struct sched_heap *h, long long now);
void sched_heap_free(struct sched_heap *h);
void sched_entry_due(struct sched *s, struct sched_entry *e, long long due);
void sched_ready_push(struct sched *s, struct sched_job *j);
struct sched_job *sched_ready_pop(struct sched *s, struct sched_dest *d);
void sched_ready_park(struct sched *s, struct sched_dest *d);
void sched_ready_wake(struct sched *s, struct sched_dest *d);
void sched_ready_rotate(struct sched *s);
struct sched_job *sched_ready_first(const struct sched *s);
struct sched_job *sched_ready_next(const struct sched *s, const struct sched_job *j);
void sched_fill(struct sched *s, long long now);
void sched_dispatch(struct sched *s, long long now);
void sched_worker_event(struct sched *s, struct worker *w, long long now);

#endif
