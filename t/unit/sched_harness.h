/*
 * sched_harness - a private scheduler over a real temporary queue, for the
 * relay scheduler's unit tests (test_sched_fill.c, test_scheduler_dest.c,
 * test_dest_backoff.c, test_dsn.c, test_rcpt_limit.c, test_backoff.c).
 * Included, not linked: static helpers.
 *
 * sched_harness_config(cfg) clears cfg and gives it what every one of these
 * tests starts from: hostname mx.example.test, postmaster@example.test, SMTP
 * port 25, retries from 60 s to 3600 s, a lifetime of a day, concurrency and
 * destination concurrency 1; a test changes what it is about afterwards.
 *
 * sched_harness_open(s, cfg, pool, qdir) makes a queue directory from the
 * mkdtemp() template in qdir ("/tmp/tern-test-NAME-XXXXXX", its last six
 * characters are set back to X first), sets cfg's queue-dir to it and clears
 * s into a scheduler without workers' state over it: its config cfg, its
 * pool pool (NULL: none), empty index and destinations, the queue open.
 *
 * sched_harness_release(s) frees all the scheduler holds (jobs not yet sent,
 * index entries and their loaded messages, destinations, the heap of waiting
 * entries) and closes its queue, so that valgrind sees no leak. Jobs held by
 * workers are the caller's.
 *
 * sched_harness_remove(qdir) removes the queue directory and sets qdir back
 * to its template; nothing if qdir is still the template (never made).
 *
 * sched_harness_queue(q, sender, rcpt, n, body, rid, id) commits a message
 * with body to the n recipients rcpt into q; its queue id goes to id.
 * SCHED_HARNESS_BODY is a short message for tests that need any.
 * sched_harness_activate(s, id, now) indexes id and activates its entry at
 * now (its jobs join their destinations' ready queues if due); returns the entry.
 *
 * sched_harness_worker(i, &peer) makes fake worker i of a pool without a
 * factory: its scheduler end is one end of a socketpair, the other end, the
 * worker's, goes to peer; pid 1000 + i, never signalled.
 * sched_harness_reply(fd, jobid, code, destination_failed, enhanced) writes on
 * a worker's end the result of job jobid, one recipient answered code
 * (enhanced code enhanced, text "scripted").
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "relay/ipc.h"
#include "relay/scheduler_private.h"

#define SCHED_HARNESS_BODY "Subject: t\r\n\r\nbody\r\n"

static inline void sched_harness_config(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	strcpy(cfg->hostname, "mx.example.test");
	strcpy(cfg->postmaster, "postmaster@example.test");
	cfg->smtp_port = 25;
	cfg->retry_min = 60;
	cfg->retry_max = 3600;
	cfg->queue_lifetime = 86400;
	cfg->concurrency = 1;
	cfg->destination_concurrency = 1;
}

/* The last six characters of a mkdtemp() template: its "XXXXXX". */
static inline char *sched_harness_suffix(char *qdir)
{
	size_t n = strlen(qdir);

	ck_assert_uint_ge(n, 6);
	return qdir + n - 6;
}

static inline void sched_harness_open(struct sched *s, struct config *cfg, struct pool *pool,
				      char *qdir)
{
	memcpy(sched_harness_suffix(qdir), "XXXXXX", 6);
	ck_assert_ptr_nonnull(mkdtemp(qdir));
	ck_assert_int_eq(queue_init(qdir), 0);
	snprintf(cfg->queue_dir, sizeof cfg->queue_dir, "%s", qdir);
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->pool = pool;
	strmap_init(&s->index);
	strmap_init(&s->dests);
	ck_assert_int_eq(queue_open(&s->q, qdir), 0);
}

/* Index entries (arg non-NULL) may hold an activated message; dests do not. */
static inline int sched_harness_free_entry(void *arg, const char *key, void *value)
{
	struct sched_entry *e = value;

	(void)key;
	if (arg && e->active) {
		queue_message_free(&e->active->m);
		free(e->active);
	}
	free(value);
	return 0;
}

static inline void sched_harness_release(struct sched *s)
{
	struct sched_job *j;

	while ((j = sched_ready_first(s))) {
		sched_ready_pop(s, j->queue);
		free(j->idx);
		free(j);
	}
	strmap_each(&s->index, sched_harness_free_entry, s);
	strmap_each(&s->dests, sched_harness_free_entry, NULL);
	strmap_free(&s->index);
	strmap_free(&s->dests);
	sched_heap_free(&s->waiting);
	queue_close(&s->q);
}

static inline void sched_harness_remove(char *qdir)
{
	char cmd[128];

	if (!memcmp(sched_harness_suffix(qdir), "XXXXXX", 6))
		return;
	snprintf(cmd, sizeof cmd, "rm -rf %s", qdir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(sched_harness_suffix(qdir), "XXXXXX", 6);
}

static inline void sched_harness_queue(struct queue *q, const char *sender,
				       const char *const *rcpt, size_t n, const char *body,
				       const char *rid, char id[QUEUE_ID_MAX])
{
	struct envelope env = { (char *)sender, (char **)rcpt, n, NULL };
	struct queue_file f;

	ck_assert_int_eq(queue_file_create(q, &f), 0);
	ck_assert_int_eq(queue_file_write(&f, body, strlen(body)), 0);
	ck_assert_int_eq(queue_file_commit(q, &f, &env, rid, id), 0);
}

static inline struct sched_entry *sched_harness_activate(struct sched *s, const char *id,
							  long long now)
{
	struct sched_entry *e;

	sched_index_add(s, id);
	e = strmap_get(&s->index, id);
	ck_assert_ptr_nonnull(e);
	sched_activate(s, e, now);
	return e;
}

static inline struct worker *sched_harness_worker(size_t i, int *peer)
{
	struct worker *w;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	w = calloc(1, sizeof *w);
	ck_assert_ptr_nonnull(w);
	w->fd = sv[0];
	w->pid = (pid_t)(1000 + i);	/* never signalled: the pool has no factory */
	ipc_reader_init(&w->in);
	*peer = sv[1];
	return w;
}

static inline void sched_harness_reply(int fd, uint64_t jobid, int code, int destination_failed,
				       const char *enhanced)
{
	struct deliver_rcpt_result r = { .code = code };
	struct deliver_result res = { .rcpt = &r, .destination_failed = destination_failed };
	struct str out = STR_INIT(IPC_MAX);

	snprintf(r.text, sizeof r.text, "scripted");
	snprintf(r.enhanced, sizeof r.enhanced, "%s", enhanced);
	ck_assert_int_eq(ipc_result_encode(&out, jobid, 1, &res), 0);
	ck_assert_int_eq(ipc_send(fd, IPC_RESULT, out.s, out.len, -1), 0);
	str_free(&out);
}
