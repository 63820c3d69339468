/*
 * test_sched_fill - the cost of a scheduler pass is bounded by what it loads,
 * not by the size of the queue (scheduler.h, relay(8)): with 20,000 messages
 * indexed but not due, sched_fill() looks at the entries it loads and at
 * most one more (s.fill_visits counts them; the old full walk of the index
 * looked at every entry on every pass), never loads more than the cap, and
 * does not reread a deferred message before it is due. Also the heap of
 * waiting entries itself (sched_heap.c): order, moves, removals, counting.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relay/scheduler_private.h"
#include "sched_harness.h"

#define NREAL 100
#define NFAKE 20000

static struct config cfg;
static struct pool pool;
static char qdir[] = "/tmp/tern-test-sched-fill-XXXXXX";
static struct sched s;

static void setup(void)
{
	sched_harness_config(&cfg);
	cfg.concurrency = 1;		/* cap: 4 * 1 + 64 = 68 in memory */
	memset(&pool, 0, sizeof pool);
	pool.factory_fd = -1;
	sched_harness_open(&s, &cfg, &pool, qdir);
}

static void teardown(void)
{
	sched_harness_release(&s);
	sched_harness_remove(qdir);
}

static void put(const char *rcpt)
{
	char id[QUEUE_ID_MAX];

	sched_harness_queue(&s.q, "s@example.test", &rcpt, 1, SCHED_HARNESS_BODY, "r1", id);
	sched_index_add(&s, id);
}

/* NFAKE entries due in an hour (no file behind them: never loaded here). */
static void add_waiting(long long now)
{
	char id[QUEUE_ID_MAX];
	size_t i;

	for (i = 0; i < NFAKE; i++) {
		struct sched_entry *e;

		snprintf(id, sizeof id, "waiting%05zu", i);
		sched_index_add(&s, id);
		e = strmap_get(&s.index, id);
		ck_assert_ptr_nonnull(e);
		sched_entry_due(&s, e, now + 3600 + (long long)(i % 7));
	}
}

/* The worker's answer to the first ready job, without a worker. */
static void finish_first(int code, long long now)
{
	struct sched_job *j = sched_ready_first(&s);
	struct deliver_rcpt_result rr[1];
	struct deliver_result res;

	ck_assert_ptr_nonnull(j);
	sched_ready_pop(&s, j->queue);
	memset(&res, 0, sizeof res);
	memset(rr, 0, sizeof rr);
	res.rcpt = rr;
	rr[0].code = code;
	strcpy(rr[0].enhanced, code < 300 ? "2.0.0" : "4.2.0");
	strcpy(rr[0].text, "scripted");
	sched_job_finish(&s, j, &res, now);
}

START_TEST(pass_cost_is_what_it_loads)
{
	long long now = (long long)time(NULL);
	size_t i, delivered = 0;

	for (i = 0; i < NREAL; i++)
		put("u@far.test");
	add_waiting(now);
	ck_assert_uint_eq(s.index.count, NREAL + NFAKE);
	ck_assert_uint_eq(s.waiting.n, NREAL + NFAKE);

	sched_fill(&s, now);
	ck_assert_uint_eq(s.nactive, 68);
	ck_assert_uint_eq(s.fill_visits, 68);	/* the cap, not 20,100 */
	sched_fill(&s, now);			/* at the cap: nothing to look at */
	ck_assert_uint_eq(s.fill_visits, 0);

	/* each delivery makes room for one: the next pass loads that one */
	while (sched_ready_first(&s)) {
		size_t before = s.nactive;

		finish_first(250, now);
		delivered++;
		ck_assert_uint_eq(s.nactive, before - 1);
		sched_fill(&s, now);
		ck_assert_uint_le(s.fill_visits, 2);
	}
	ck_assert_uint_eq(delivered, NREAL);
	ck_assert_uint_eq(s.nactive, 0);
	ck_assert_uint_eq(s.index.count, NFAKE);
	sched_fill(&s, now);
	ck_assert_uint_eq(s.fill_visits, 1);	/* the top, not due: stop */
	ck_assert_uint_eq(s.nactive, 0);
}
END_TEST

START_TEST(deferred_message_not_reread_before_due)
{
	long long now = (long long)time(NULL);
	struct sched_entry *e;

	put("u@far.test");
	add_waiting(now);
	sched_fill(&s, now);
	ck_assert_uint_eq(s.nactive, 1);
	e = sched_ready_first(&s)->entry;
	finish_first(451, now);			/* deferred: next try in 60-75 s */
	ck_assert_ptr_null(e->active);
	ck_assert_int_ge(e->due, now + 60);
	ck_assert_ptr_eq(sched_heap_top(&s.waiting), e);

	sched_fill(&s, now + 1);
	ck_assert_uint_eq(s.fill_visits, 1);
	ck_assert_ptr_null(e->active);		/* not loaded again */
	sched_fill(&s, e->due);
	ck_assert_ptr_nonnull(e->active);	/* loaded when due */
	ck_assert_ptr_nonnull(sched_ready_first(&s));
	ck_assert_uint_eq(s.fill_visits, 2);	/* it, then a waiting one */
}
END_TEST

START_TEST(retry_makes_a_waiting_entry_due)
{
	long long now = (long long)time(NULL);
	struct sched_entry *e;

	add_waiting(now);
	e = strmap_get(&s.index, "waiting12345");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_ne(sched_heap_top(&s.waiting), e);
	sched_entry_due(&s, e, 0);
	ck_assert_ptr_eq(sched_heap_top(&s.waiting), e);
	ck_assert_uint_eq(sched_heap_count_due(&s.waiting, now), 1);
	sched_fill(&s, now);		/* no file: forgotten, nothing else looked at */
	ck_assert_uint_eq(s.fill_visits, 2);
	ck_assert_ptr_null(strmap_get(&s.index, "waiting12345"));
	ck_assert_uint_eq(s.waiting.n, NFAKE - 1);
}
END_TEST

/* The heap alone: entries come out earliest first after moves and removals. */
START_TEST(heap_order)
{
	enum { N = 5000 };
	static struct sched_entry e[N];
	struct sched_heap *h = &s.waiting;
	long long last = -1;
	size_t i, n = 0, due = 0;

	srand(42);
	for (i = 0; i < N; i++) {
		e[i].due = rand() % 1000;
		sched_heap_push(h, &e[i]);
	}
	sched_heap_push(h, &e[0]);		/* already there: no change */
	ck_assert_uint_eq(h->n, N);
	for (i = 0; i < N; i += 3)
		sched_entry_due(&s, &e[i], rand() % 1000);
	for (i = 1; i < N; i += 5)
		sched_heap_remove(h, &e[i]);
	ck_assert_uint_eq(h->n, N - N / 5);
	for (i = 0; i < N; i++)
		due += e[i].waiting && e[i].due <= 500;
	ck_assert_uint_eq(sched_heap_count_due(h, 500), due);
	while (sched_heap_top(h)) {
		struct sched_entry *t = sched_heap_top(h);

		ck_assert_int_ge(t->due, last);
		last = t->due;
		sched_heap_remove(h, t);
		ck_assert_uint_eq(t->waiting, 0);
		n++;
	}
	ck_assert_uint_eq(n, N - N / 5);
}
END_TEST

Suite *suite(void)
{
	Suite *su = suite_create("sched_fill");
	TCase *tc = tcase_create("fill");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pass_cost_is_what_it_loads);
	tcase_add_test(tc, deferred_message_not_reread_before_due);
	tcase_add_test(tc, retry_makes_a_waiting_entry_due);
	tcase_add_test(tc, heap_order);
	suite_add_tcase(su, tc);
	return su;
}
