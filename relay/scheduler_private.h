#ifndef TERN_SCHEDULER_PRIVATE_H
#define TERN_SCHEDULER_PRIVATE_H
/*
 * NAME
 *	scheduler_private - the scheduler's structures and parts (relay/sched*.c
 *	and their tests only)
 * SYNOPSIS
 *	(scheduler.c: sched_main() is these two)
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
 *	What each part does is in scheduler.h. sched_init() returns 0 or -1
 *	(logged); sched_run() returns sched_main()'s exit status.
 *	fill_visits and dispatch_visits count the work of the last
 *	sched_fill() and sched_dispatch(), for tests.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "queue/queue.h"
#include "relay/deliver.h"
#include "relay/mx.h"
#include "relay/pool.h"
#include "relay/scheduler.h"
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
