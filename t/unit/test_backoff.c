/* test_backoff - relay/backoff.c bounds and growth; relay/strmap.c; and the
 * scheduler's persisted next-try (relay/sched_message.c with a real queue). */
#include <check.h>
#include "t/unit/check_main.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay/backoff.h"
#include "relay/scheduler_private.h"
#include "relay/strmap.h"
#include "sched_harness.h"

START_TEST(first_attempt_is_min)
{
	unsigned r;

	for (r = 0; r < 1000; r += 7)
		ck_assert_uint_eq(backoff_delay(1, 300, 3600, r), 300);
	ck_assert_uint_eq(backoff_delay(0, 300, 3600, 12345), 300);
}
END_TEST

START_TEST(bounds_hold)
{
	unsigned a, r;

	for (a = 0; a < 80; a++)
		for (r = 0; r < 5000; r += 13) {
			unsigned d = backoff_delay(a, 300, 3600, r * 2654435761u);

			ck_assert_uint_ge(d, 300);
			ck_assert_uint_le(d, 3600);
		}
}
END_TEST

START_TEST(exponential_then_capped)
{
	/* without jitter (rnd 0): 300, 600, 1200, 2400, 3600, 3600 */
	ck_assert_uint_eq(backoff_delay(2, 300, 3600, 0), 600);
	ck_assert_uint_eq(backoff_delay(3, 300, 3600, 0), 1200);
	ck_assert_uint_eq(backoff_delay(4, 300, 3600, 0), 2400);
	ck_assert_uint_eq(backoff_delay(5, 300, 3600, 0), 3600);
	ck_assert_uint_eq(backoff_delay(60, 300, 3600, 0), 3600);
	ck_assert_uint_eq(backoff_delay(4000000000u, 300, 3600, 0), 3600);
}
END_TEST

START_TEST(jitter_at_most_a_quarter)
{
	unsigned r, lo = UINT_MAX, hi = 0;

	for (r = 0; r < 2000; r++) {
		unsigned d = backoff_delay(4, 300, 3600, r);

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	ck_assert_uint_eq(hi, 2400);
	ck_assert_uint_eq(lo, 1800);	/* 2400 - 2400/4: jitter really spreads */
}
END_TEST

START_TEST(max_below_min_and_zero)
{
	ck_assert_uint_eq(backoff_delay(3, 600, 100, 5), 600);
	ck_assert_uint_eq(backoff_delay(3, 0, 0, 5), 0);
	ck_assert_uint_eq(backoff_delay(40, 1, 4000000000u, 0), 4000000000u);
}
END_TEST

START_TEST(next_try_saturates)
{
	ck_assert_int_eq(backoff_next_try(1000, 1, 300, 3600, 0), 1300);
	ck_assert_int_eq(backoff_next_try(LLONG_MAX - 10, 1, 300, 3600, 0), LLONG_MAX);
}
END_TEST

static int count_cb(void *ctx, const char *key, void *value)
{
	(void)key;
	*(long *)ctx += (long)(size_t)value;
	return 0;
}

START_TEST(strmap_many)
{
	struct strmap m;
	char key[32];
	long i, sum = 0;

	strmap_init(&m);
	for (i = 1; i <= 100000; i++) {
		snprintf(key, sizeof key, "id%ld", i);
		ck_assert_int_eq(strmap_put(&m, key, (void *)(size_t)i), 0);
	}
	ck_assert_uint_eq(m.count, 100000);
	ck_assert_ptr_eq(strmap_get(&m, "id77777"), (void *)77777);
	ck_assert_ptr_null(strmap_get(&m, "id0"));
	ck_assert_ptr_eq(strmap_remove(&m, "id5"), (void *)5);
	ck_assert_ptr_null(strmap_remove(&m, "id5"));
	ck_assert_uint_eq(m.count, 99999);
	strmap_each(&m, count_cb, &sum);
	ck_assert_int_eq(sum, 100000L * 100001 / 2 - 5);
	strmap_free(&m);
	ck_assert_uint_eq(m.count, 0);
}
END_TEST

/* A scheduler over a real temporary queue, without workers. */
static char qdir[] = "/tmp/tern-test-backoff-XXXXXX";
static struct config cfg;
static struct sched s;

static void sched_setup(void)
{
	sched_harness_config(&cfg);
	cfg.queue_lifetime = 5 * 86400;
	cfg.concurrency = 4;
	cfg.destination_concurrency = 2;
	cfg.bounce_body_max = 0;
	sched_harness_open(&s, &cfg, NULL, qdir);
}

static void sched_teardown(void)
{
	sched_harness_release(&s);
	sched_harness_remove(qdir);
}

START_TEST(persisted_next_try)
{
	static const char *const rcpt[] = { "a@one.test", "b@two.test" };
	struct deliver_rcpt_result rr[1];
	struct deliver_result res;
	struct queue_message m;
	struct sched_entry *e;
	struct sched_job *j;
	char id[QUEUE_ID_MAX];
	long long now = (long long)time(NULL);

	sched_harness_queue(&s.q, "s@example.test", rcpt, 2,
			    "Received: from a\r\nSubject: hi\r\n\r\nbody\r\n", "t1", id);
	e = sched_harness_activate(&s, id, now);
	ck_assert_ptr_nonnull(e->active);
	j = sched_ready_first(&s);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(sched_ready_next(&s, j));
	ck_assert_ptr_null(sched_ready_next(&s, sched_ready_next(&s, j)));
	ck_assert_str_eq(j->domain, "one.test");
	sched_ready_pop(&s, j->queue);
	memset(&res, 0, sizeof res);
	memset(rr, 0, sizeof rr);
	res.rcpt = rr;
	rr[0].code = 451;
	strcpy(rr[0].enhanced, "4.7.1");
	strcpy(rr[0].text, "greylisted");
	strcpy(res.remote_mta, "mx.one.test");
	sched_job_finish(&s, j, &res, now);

	/* the state on disk already has the attempt: a restart will not stampede */
	ck_assert_int_eq(queue_message_load(&s.q, id, &m), 0);
	ck_assert_int_eq(m.rcpt[0].status, RCPT_PENDING);
	ck_assert_uint_eq(m.rcpt[0].attempts, 1);
	ck_assert_int_eq(m.rcpt[0].next_try, now + 60);
	ck_assert_str_eq(m.rcpt[0].reply, "mx.one.test said: 451 4.7.1 greylisted");
	ck_assert_int_eq(m.rcpt[1].status, RCPT_PENDING);
	ck_assert_uint_eq(m.rcpt[1].attempts, 0);
	queue_message_free(&m);

	j = sched_ready_first(&s);
	sched_ready_pop(&s, j->queue);
	ck_assert_ptr_null(sched_ready_first(&s));
	rr[0].code = 250;
	strcpy(rr[0].enhanced, "2.0.0");
	strcpy(rr[0].text, "ok");
	strcpy(res.remote_mta, "mx.two.test");
	sched_job_finish(&s, j, &res, now);
	/* the message is out of memory again, due at the first recipient's try */
	ck_assert_ptr_null(e->active);
	ck_assert_int_eq(e->due, now + 60);
	ck_assert_int_eq(queue_message_load(&s.q, id, &m), 0);
	ck_assert_int_eq(m.rcpt[1].status, RCPT_DELIVERED);
	ck_assert_uint_eq(m.rcpt[1].attempts, 1);
	queue_message_free(&m);

	/* not due yet: activating makes no job and keeps the time */
	sched_activate(&s, e, now + 10);
	ck_assert_ptr_null(sched_ready_first(&s));
	ck_assert_int_eq(e->due, now + 60);
	/* a retry request ignores next_try */
	e->force = 1;
	sched_activate(&s, e, now + 10);
	ck_assert_ptr_nonnull(sched_ready_first(&s));
	ck_assert_str_eq(sched_ready_first(&s)->domain, "one.test");
	ck_assert_uint_eq(sched_ready_first(&s)->n, 1);
}
END_TEST

Suite *suite(void)
{
	Suite *su = suite_create("backoff");
	TCase *tc = tcase_create("backoff");
	TCase *ts = tcase_create("persisted");

	tcase_add_test(tc, first_attempt_is_min);
	tcase_add_test(tc, bounds_hold);
	tcase_add_test(tc, exponential_then_capped);
	tcase_add_test(tc, jitter_at_most_a_quarter);
	tcase_add_test(tc, max_below_min_and_zero);
	tcase_add_test(tc, next_try_saturates);
	tcase_add_test(tc, strmap_many);
	suite_add_tcase(su, tc);
	tcase_add_checked_fixture(ts, sched_setup, sched_teardown);
	tcase_add_test(ts, persisted_next_try);
	suite_add_tcase(su, ts);
	return su;
}
