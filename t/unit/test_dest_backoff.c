/*
 * test_dest_backoff - a destination that keeps failing is backed off as a
 * whole (scheduler.h, relay(8)): after a job ends with destination_failed,
 * another message to that destination is deferred to the destination's
 * backoff without an attempt, and is tried once that time has come; a retry
 * request for one message (queuectl retry ID) sends that message anyway, and
 * one for everything (queuectl retry) clears the destination's backoff.
 *
 * The first test calls the scheduler directly with chosen times; the second
 * runs sched_run() in a child process over a real queue, with the test
 * playing the delivery workers at the other end of their sockets.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "relay/ipc.h"
#include "relay/scheduler_private.h"
#include "sched_harness.h"

#define NW 4
#define DEST "mx:far.test"

static struct config cfg;
static struct pool pool;
static struct worker *ws[NW];
static int peer[NW];		/* the worker's end, played by the test */
static char qdir[] = "/tmp/tern-test-dest-backoff-XXXXXX";
static struct sched s;

static void setup(void)
{
	size_t i;

	sched_harness_config(&cfg);
	cfg.concurrency = NW;
	cfg.destination_concurrency = NW;
	memset(&pool, 0, sizeof pool);
	pool.factory_fd = -1;
	pool.w = calloc(NW, sizeof *pool.w);
	ck_assert_ptr_nonnull(pool.w);
	for (i = 0; i < NW; i++)
		pool.w[i] = ws[i] = sched_harness_worker(i, &peer[i]);
	pool.n = pool.cap = NW;
	sched_harness_open(&s, &cfg, &pool, qdir);
}

/* Each test runs in its own process (CK_FORK): only the queue directory
 * needs to go. */
static void teardown(void)
{
	sched_harness_remove(qdir);
}

/* Queue one message to rcpt; returns its id in id. */
static void put(struct queue *q, const char *rcpt, char id[QUEUE_ID_MAX])
{
	sched_harness_queue(q, "s@example.test", &rcpt, 1, SCHED_HARNESS_BODY, "r1", id);
}

/* The worker's answer to job jobid (one recipient), on its socket. */
static void reply(int fd, uint64_t jobid, int code, int destination_failed)
{
	sched_harness_reply(fd, jobid, code, destination_failed, code >= 400 ? "4.4.1" : "");
}

static struct worker *busy_worker(void)
{
	size_t i;

	for (i = 0; i < NW; i++)
		if (ws[i]->job)
			return ws[i];
	return NULL;
}

static void answer(struct worker *w, int code, int destination_failed, long long now)
{
	size_t i;

	for (i = 0; i < NW && ws[i] != w; i++)
		;
	ck_assert_uint_lt(i, NW);
	reply(peer[i], w->job->id, code, destination_failed);
	sched_worker_event(&s, w, now);
	ck_assert_ptr_null(w->job);
}

static struct sched_entry *add(const char *rcpt, long long now)
{
	char id[QUEUE_ID_MAX];

	put(&s.q, rcpt, id);
	return sched_harness_activate(&s, id, now);
}

START_TEST(second_message_waits_for_the_destination)
{
	long long now = (long long)time(NULL), until;
	struct sched_entry *e2;
	struct sched_dest *d;
	struct queue_message m;
	struct worker *w;

	add("u@far.test", now);
	sched_dispatch(&s, now);
	w = busy_worker();
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(w->job->dest, DEST);
	answer(w, 451, 1, now);		/* e.g. every address refused the connection */
	d = sched_dest_get(&s, DEST);
	ck_assert_uint_eq(d->failures, 1);
	until = d->backoff_until;
	ck_assert_int_eq(until, now + 60);	/* first failure: retry-min */

	/* a second message to the domain, 10 s later: deferred, not attempted */
	e2 = add("v@far.test", now + 10);
	ck_assert_ptr_nonnull(sched_ready_first(&s));
	sched_dispatch(&s, now + 10);
	ck_assert_ptr_null(busy_worker());
	ck_assert_ptr_null(sched_ready_first(&s));
	ck_assert_ptr_null(e2->active);
	ck_assert_int_eq(e2->due, until);
	ck_assert_int_eq(queue_message_load(&s.q, e2->id, &m), 0);
	ck_assert_uint_eq(m.rcpt[0].attempts, 0);
	ck_assert_int_eq(m.rcpt[0].next_try, until);	/* persisted: a restart waits too */
	queue_message_free(&m);
	/* another destination is not held back meanwhile */
	add("w@near.test", now + 10);
	sched_dispatch(&s, now + 10);
	w = busy_worker();
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(w->job->domain, "near.test");
	answer(w, 250, 0, now + 10);

	/* one second before the backoff ends: still nothing to do */
	sched_activate(&s, e2, until - 1);
	ck_assert_ptr_null(sched_ready_first(&s));
	/* at its end the message is tried; a success ends the backoff */
	sched_activate(&s, e2, until);
	ck_assert_ptr_nonnull(sched_ready_first(&s));
	sched_dispatch(&s, until);
	w = busy_worker();
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(w->job->domain, "far.test");
	answer(w, 250, 0, until);
	ck_assert_uint_eq(d->failures, 0);
	ck_assert_int_eq(d->backoff_until, 0);
}
END_TEST

/* --- the same through sched_run() and queue retry requests -------------- */

struct got {
	int w;			/* worker index */
	uint64_t jobid;
	char rcpt[64];
};

/* Waits up to timeout_ms for a job on any worker socket: 1 with it, 0 none. */
static int job_wait(int timeout_ms, struct got *g)
{
	struct pollfd pf[NW];
	struct deliver_job j;
	const char **rcptmem = NULL;
	struct str payload = STR_INIT(IPC_MAX);
	unsigned type;
	int i, fd = -1;

	for (i = 0; i < NW; i++)
		pf[i] = (struct pollfd){ peer[i], POLLIN, 0 };
	if (poll(pf, NW, timeout_ms) <= 0)
		return 0;
	for (i = 0; i < NW && !pf[i].revents; i++)
		;
	ck_assert_int_eq(ipc_recv(peer[i], &type, &payload, &fd, 5000), 0);
	ck_assert_uint_eq(type, IPC_JOB);
	ck_assert_int_eq(ipc_job_decode(payload.s, payload.len, &g->jobid, &j, &rcptmem), 0);
	ck_assert_uint_eq(j.nrcpt, 1);
	snprintf(g->rcpt, sizeof g->rcpt, "%s", j.rcpt[0]);
	g->w = i;
	free(rcptmem);
	if (fd >= 0)
		close(fd);
	str_free(&payload);
	return 1;
}

static void job_expect(struct got *g, const char *rcpt, const char *why)
{
	ck_assert_msg(job_wait(10000, g), "no job for %s (%s)", rcpt, why);
	ck_assert_str_eq(g->rcpt, rcpt);
}

static void job_expect_any(struct got *g, const char *why)
{
	ck_assert_msg(job_wait(10000, g), "no job (%s)", why);
}

static int got_has(const struct got *g, size_t n, const char *rcpt)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(g[i].rcpt, rcpt))
			return 1;
	return 0;
}

/* Waits until the scheduler saved the recipient's attempt count. */
static void attempts_wait(struct queue *q, const char *id, unsigned n)
{
	struct queue_message m;
	unsigned a = 0;
	int i;

	for (i = 0; i < 200; i++) {
		if (queue_message_load(q, id, &m) == 0) {
			a = m.rcpt[0].attempts;
			queue_message_free(&m);
			if (a == n)
				return;
		}
		usleep(25000);
	}
	ck_abort_msg("%s: %u attempts on disk, not %u", id, a, n);
}

static pid_t sched_child(void)
{
	pid_t pid = fork();
	int i, st;

	ck_assert_int_ge(pid, 0);
	if (pid > 0) {
		for (i = 0; i < NW; i++)
			close(ws[i]->fd);
		return pid;
	}
	for (i = 0; i < NW; i++)
		close(peer[i]);
	queue_close(&s.q);
	if (sched_init(&s, "/nonexistent", &cfg, &pool, 0) < 0)
		_exit(99);
	st = sched_run(&s);
	_exit(st);
}

START_TEST(retry_requests_lift_the_backoff)
{
	char id1[QUEUE_ID_MAX], id2[QUEUE_ID_MAX], id3[QUEUE_ID_MAX], id4[QUEUE_ID_MAX];
	struct got g, a[3];
	struct queue_message m;
	long long t0, t1;
	pid_t pid;
	int st, i;

	put(&s.q, "u1@far.test", id1);
	pid = sched_child();
	job_expect(&g, "u1@far.test", "the first message");
	t0 = (long long)time(NULL);
	reply(peer[g.w], g.jobid, 451, 1);
	attempts_wait(&s.q, id1, 1);
	t1 = (long long)time(NULL);

	/* a second message: not attempted within the backoff */
	put(&s.q, "u2@far.test", id2);
	ck_assert_msg(!job_wait(1500, &g), "%s was attempted during the backoff", g.rcpt);
	ck_assert_int_eq(queue_message_load(&s.q, id2, &m), 0);
	ck_assert_uint_eq(m.rcpt[0].attempts, 0);
	ck_assert_int_ge(m.rcpt[0].next_try, t0 + 60);	/* the destination's backoff */
	ck_assert_int_le(m.rcpt[0].next_try, t1 + 60);
	queue_message_free(&m);

	/* queuectl retry ID: that message goes now, though its destination is backed off */
	ck_assert_int_eq(queue_retry_request(&s.q, id2), 0);
	job_expect(&g, "u2@far.test", "queuectl retry ID");
	reply(peer[g.w], g.jobid, 451, 1);	/* fails again: backed off longer */
	attempts_wait(&s.q, id2, 1);
	/* ... but the destination's backoff stays for the others */
	put(&s.q, "u3@far.test", id3);
	ck_assert_msg(!job_wait(1500, &g), "%s was attempted during the backoff", g.rcpt);

	/* queuectl retry: every message now, and the destination's backoff is gone */
	ck_assert_int_eq(queue_retry_request(&s.q, NULL), 0);
	for (i = 0; i < 3; i++)
		job_expect_any(&a[i], "queuectl retry");
	ck_assert_int_eq(got_has(a, 3, "u1@far.test") + got_has(a, 3, "u2@far.test") +
			 got_has(a, 3, "u3@far.test"), 3);
	/* a message queued after it (not forced) goes at once: the jobs above
	 * are still out, so no result has reset the destination meanwhile */
	put(&s.q, "u4@far.test", id4);
	job_expect(&g, "u4@far.test", "a new message after queuectl retry");
	for (i = 0; i < 3; i++)
		reply(peer[a[i].w], a[i].jobid, 250, 0);
	reply(peer[g.w], g.jobid, 250, 0);
	for (i = 0; i < 200 && queue_message_load(&s.q, id4, &m) == 0; i++) {
		queue_message_free(&m);
		usleep(25000);
	}
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sched_run: status %d", st);
	ck_assert_int_ne(queue_message_load(&s.q, id4, &m), 0);	/* delivered, removed */
}
END_TEST

Suite *suite(void)
{
	Suite *su = suite_create("dest_backoff");
	TCase *tc = tcase_create("dest_backoff");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, second_message_waits_for_the_destination);
	tcase_add_test(tc, retry_requests_lift_the_backoff);
	suite_add_tcase(su, tc);
	return su;
}
