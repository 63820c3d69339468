#ifndef TERN_SCHEDULER_H
#define TERN_SCHEDULER_H
/*
 * NAME
 *	scheduler - the relay's queue owner: what to deliver, when, by which worker
 * SYNOPSIS
 *	int sched_main(const char *confdir, struct config *c, struct pool *p,
 *	               int once);
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
 *
 *	sched_main() opens the queue, starts the loop and runs it until
 *	SIGTERM (or, with once, until the queue is empty), with c and the
 *	worker pool p (pool.h); the scheduler's parts, their structures and
 *	the functions tests reach are in scheduler_private.h.
 * DIAGNOSTICS
 *	sched_main() returns the exit status: 0, or 111 when the queue cannot
 *	be opened or read or no worker is left (logged).
 */
struct config;
struct pool;

int sched_main(const char *confdir, struct config *c, struct pool *p, int once);

#endif
