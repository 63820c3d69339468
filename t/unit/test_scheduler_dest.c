/* test_scheduler_dest - destinations (issue 3): mx_key() names the next hop,
 * so domains routed to one smarthost share one destination; the scheduler
 * keys its in-flight counts and backoff on it, gives a destination's job to
 * the idle worker that holds a connection to it (pool_pick), and never sends
 * more than destination-concurrency jobs to it. */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay/scheduler_private.h"
#include "sched_harness.h"

static struct config cfg;
static struct route routes[8];

static void route_set(size_t i, const char *domain, enum nexthop_kind kind,
		      const char *host, unsigned port)
{
	snprintf(routes[i].domain, sizeof routes[i].domain, "%s", domain);
	routes[i].hop.kind = kind;
	snprintf(routes[i].hop.host, sizeof routes[i].hop.host, "%s", host);
	routes[i].hop.port = port;
}

static void cfg_setup(void)
{
	sched_harness_config(&cfg);
	memset(routes, 0, sizeof routes);
	cfg.concurrency = 4;
	route_set(0, "a.test", NEXTHOP_SMTP, "Smart.Test", 587);
	route_set(1, "B.test", NEXTHOP_SMTP, "smart.test", 587);
	route_set(2, "other.test", NEXTHOP_SMTP, "smart.test", 2525);
	route_set(3, "noport.test", NEXTHOP_SMTP, "smart.test", 0);
	route_set(4, "port25.test", NEXTHOP_SMTP, "SMART.test", 25);
	route_set(5, "lmtp.test", NEXTHOP_LMTP_TCP, "::1", 0);
	route_set(6, "sock.test", NEXTHOP_LMTP_UNIX, "/Run/LMTP", 0);
	route_set(7, "mxhop.test", NEXTHOP_SMTP_MX, "Relay.Test", 0);
	cfg.routes = routes;
	cfg.nroutes = 8;
}

static const char *key(const char *domain)
{
	static char k[4][MX_KEY_MAX];
	static int i;

	i = (i + 1) % 4;
	mx_key(&cfg, domain, k[i], sizeof k[i]);
	return k[i];
}

START_TEST(routed_domains_share_the_next_hop)
{
	cfg_setup();
	ck_assert_str_eq(key("a.test"), "smtp:[smart.test]:587");
	ck_assert_str_eq(key("b.test"), key("a.test"));	/* route and host: no case */
	ck_assert_str_ne(key("other.test"), key("a.test"));	/* another port */
	ck_assert_str_eq(key("noport.test"), "smtp:[smart.test]:25");	/* smtp-port */
	ck_assert_str_eq(key("port25.test"), key("noport.test"));
	ck_assert_str_eq(key("lmtp.test"), "lmtp:[::1]:24");
	ck_assert_str_eq(key("sock.test"), "lmtp:unix:/Run/LMTP");	/* a path keeps case */
	ck_assert_str_eq(key("mxhop.test"), "smtp:relay.test:25");
	/* MX delivery: the recipient domain is the destination */
	ck_assert_str_eq(key("plain.test"), "mx:plain.test");
	ck_assert_str_ne(key("plain.test"), key("other-plain.test"));
	ck_assert_str_eq(key("[192.0.2.1]"), "literal:[192.0.2.1]");
	ck_assert_str_eq(key("[IPv6:2001:DB8::1]"), "literal:[ipv6:2001:db8::1]");
}
END_TEST

START_TEST(default_route_is_one_destination)
{
	cfg_setup();
	route_set(7, "*", NEXTHOP_SMTP, "Smart.Test", 0);
	ck_assert_str_eq(key("plain.test"), "smtp:[smart.test]:25");
	ck_assert_str_eq(key("other-plain.test"), key("plain.test"));
	ck_assert_str_eq(key("noport.test"), key("plain.test"));	/* its own route, same hop */
	ck_assert_str_eq(key("[192.0.2.1]"), key("plain.test"));	/* "*" takes literals too */
}
END_TEST

/* A fake pool: workers whose scheduler end is a socketpair's. */
#define NW 3
static struct pool pool;
static struct worker *ws[NW];
static int peer[NW];		/* the worker's end, written by the tests */

static void pool_setup(void)
{
	size_t i;

	memset(&pool, 0, sizeof pool);
	pool.factory_fd = -1;
	for (i = 0; i < NW; i++) {
		ws[i] = sched_harness_worker(i, &peer[i]);
		ws[i]->idle_since = (long long)(100 - i);	/* the last one idle longest */
	}
	pool.w = ws;
	pool.n = pool.cap = NW;
}

static void pool_teardown(void)
{
	size_t i;

	for (i = 0; i < NW; i++) {
		close(ws[i]->fd);
		close(peer[i]);
		ipc_reader_free(&ws[i]->in);
		free(ws[i]);
	}
}

START_TEST(pick_prefers_the_holder_then_a_free_worker)
{
	pool_setup();
	snprintf(ws[0]->conn_dest, sizeof ws[0]->conn_dest, "smtp:[smart.test]:587");
	snprintf(ws[2]->conn_dest, sizeof ws[2]->conn_dest, "mx:x.test");
	ck_assert_ptr_eq(pool_pick(&pool, "smtp:[smart.test]:587"), ws[0]);
	ck_assert_ptr_eq(pool_pick(&pool, "mx:x.test"), ws[2]);
	/* a new destination: the worker holding no connection, not the older ones */
	ck_assert_ptr_eq(pool_pick(&pool, "mx:new.test"), ws[1]);
	/* none free: the one idle longest closes its connection */
	snprintf(ws[1]->conn_dest, sizeof ws[1]->conn_dest, "mx:y.test");
	ck_assert_ptr_eq(pool_pick(&pool, "mx:new.test"), ws[2]);
	/* busy workers and older generations are never picked */
	ws[0]->job = (struct sched_job *)1;
	ck_assert_ptr_ne(pool_pick(&pool, "smtp:[smart.test]:587"), ws[0]);
	ws[0]->job = NULL;
	pool.generation = 1;
	ws[1]->generation = 1;
	ck_assert_ptr_eq(pool_pick(&pool, "smtp:[smart.test]:587"), ws[1]);
	ws[1]->job = (struct sched_job *)1;
	ck_assert_ptr_null(pool_pick(&pool, "mx:x.test"));
	ws[1]->job = NULL;
	pool_teardown();
}
END_TEST

/* The scheduler over a real queue and the fake pool. */
static char qdir[] = "/tmp/tern-test-dest-q-XXXXXX";
static struct sched s;

static void q_setup(void)
{
	cfg_setup();
	pool_setup();
	sched_harness_open(&s, &cfg, &pool, qdir);
}

static void q_teardown(void)
{
	size_t i;

	for (i = 0; i < NW; i++)
		if (ws[i]->job) {
			free(ws[i]->job->idx);
			free(ws[i]->job);
		}
	pool_teardown();
	sched_harness_release(&s);
	sched_harness_remove(qdir);
}

/* Queues one message to rcpt and activates it: its jobs are ready. */
static struct sched_entry *put(const char **rcpt, size_t n, long long now)
{
	char id[QUEUE_ID_MAX];
	struct sched_entry *e;

	sched_harness_queue(&s.q, "s@example.test", rcpt, n, SCHED_HARNESS_BODY, "r1", id);
	e = sched_harness_activate(&s, id, now);
	ck_assert_ptr_nonnull(e->active);
	return e;
}

static struct sched_job *ready_for(const char *domain)
{
	struct sched_job *j;

	for (j = sched_ready_first(&s); j; j = sched_ready_next(&s, j))
		if (strcmp(j->domain, domain) == 0)
			return j;
	return NULL;
}

static struct worker *worker_of(const char *domain)
{
	size_t i;

	for (i = 0; i < NW; i++)
		if (ws[i]->job && strcmp(ws[i]->job->domain, domain) == 0)
			return ws[i];
	return NULL;
}

/* The worker w answers its one-recipient job with code. */
static void answer(struct worker *w, int code, int destination_failed, long long now)
{
	size_t i;

	ck_assert_ptr_nonnull(w->job);
	ck_assert_uint_eq(w->job->n, 1);
	for (i = 0; i < NW && ws[i] != w; i++)
		;
	sched_harness_reply(peer[i], w->job->id, code, destination_failed, "");
	sched_worker_event(&s, w, now);
	ck_assert_ptr_null(w->job);
}

START_TEST(jobs_carry_their_destination)
{
	const char *rcpt[] = { "u@a.test", "v@b.test", "w@plain.test", "x@A.TEST" };
	long long now = (long long)time(NULL);

	put(rcpt, 4, now);
	ck_assert_ptr_nonnull(ready_for("a.test"));
	ck_assert_uint_eq(ready_for("a.test")->n, 2);	/* jobs stay per recipient domain */
	ck_assert_str_eq(ready_for("a.test")->dest, "smtp:[smart.test]:587");
	ck_assert_str_eq(ready_for("b.test")->dest, "smtp:[smart.test]:587");
	ck_assert_str_eq(ready_for("plain.test")->dest, "mx:plain.test");
}
END_TEST

/*
 * destination-concurrency 1: a.test and b.test (one smarthost) never have two
 * jobs out at once; plain.test goes meanwhile. When a.test's job ends, b.test's
 * goes to the worker that holds the smarthost connection, not to a free one.
 */
START_TEST(one_limit_and_one_holder_per_next_hop)
{
	const char *r1[] = { "u@a.test" }, *r2[] = { "v@b.test" }, *r3[] = { "w@plain.test" };
	long long now = (long long)time(NULL);
	struct worker *wa, *wp;

	put(r1, 1, now);
	put(r2, 1, now);
	put(r3, 1, now);
	sched_dispatch(&s, now);
	wa = worker_of("a.test");
	wp = worker_of("plain.test");
	ck_assert_ptr_nonnull(wa);
	ck_assert_ptr_nonnull(wp);
	ck_assert_ptr_null(worker_of("b.test"));
	ck_assert_ptr_nonnull(ready_for("b.test"));	/* waits: the smarthost is at its limit */
	ck_assert_uint_eq(s.ninflight, 2);
	ck_assert_uint_eq(sched_dest_get(&s, "smtp:[smart.test]:587")->inflight, 1);
	ck_assert_uint_eq(sched_dest_get(&s, "mx:plain.test")->inflight, 1);
	ck_assert_str_eq(wa->conn_dest, "smtp:[smart.test]:587");

	answer(wa, 250, 0, now);
	ck_assert_uint_eq(sched_dest_get(&s, "smtp:[smart.test]:587")->inflight, 0);
	ck_assert_str_eq(wa->conn_dest, "smtp:[smart.test]:587");	/* kept, idle */
	sched_dispatch(&s, now);
	ck_assert_ptr_eq(worker_of("b.test"), wa);	/* the holder, though one is free */
	ck_assert_ptr_null(sched_ready_first(&s));
	answer(wa, 250, 0, now);
	answer(wp, 250, 0, now);
	ck_assert_uint_eq(s.ninflight, 0);
	ck_assert_uint_eq(s.index.count, 0);	/* all delivered and removed */
}
END_TEST

/*
 * A worker that holds the smarthost's connection idle takes plain.test's job:
 * it closes that connection first, and until its result no other worker may
 * open one to the smarthost (destination-concurrency 1).
 */
START_TEST(a_closing_connection_still_counts)
{
	const char *r1[] = { "u@a.test" }, *r2[] = { "w@plain.test" }, *r3[] = { "v@b.test" };
	long long now = (long long)time(NULL);
	struct sched_job busy;
	struct worker *wa, *w;

	put(r1, 1, now);
	sched_dispatch(&s, now);
	wa = worker_of("a.test");
	ck_assert_ptr_nonnull(wa);
	ck_assert_ptr_eq(wa, ws[2]);		/* the free one idle longest */
	answer(wa, 250, 0, now);	/* wa holds the smarthost connection, idle */
	w = ws[1];			/* idle, with a newer connection elsewhere */
	snprintf(w->conn_dest, sizeof w->conn_dest, "mx:x.test");
	w->idle_since = wa->idle_since + 1000;
	memset(&busy, 0, sizeof busy);
	ws[0]->job = &busy;		/* and one busy */

	put(r2, 1, now);
	put(r3, 1, now);
	sched_dispatch(&s, now);
	ck_assert_ptr_eq(worker_of("plain.test"), wa);	/* idle longest: it switches */
	ck_assert_str_eq(wa->closing_dest, "smtp:[smart.test]:587");
	ck_assert_uint_eq(sched_dest_get(&s, "smtp:[smart.test]:587")->closing, 1);
	ck_assert_ptr_null(worker_of("b.test"));	/* w may not open a second one */
	ck_assert_ptr_nonnull(ready_for("b.test"));
	answer(wa, 250, 0, now);
	ck_assert_uint_eq(sched_dest_get(&s, "smtp:[smart.test]:587")->closing, 0);
	sched_dispatch(&s, now);
	ck_assert_ptr_nonnull(worker_of("b.test"));
	answer(worker_of("b.test"), 250, 0, now);
	ck_assert_uint_eq(s.index.count, 0);
	ws[0]->job = NULL;
}
END_TEST

/* A connection-level failure for a.test backs off the smarthost, so b.test's
 * job is deferred without an attempt; plain.test is not affected. */
START_TEST(backoff_is_per_next_hop)
{
	const char *r1[] = { "u@a.test" }, *r2[] = { "v@b.test" }, *r3[] = { "w@plain.test" };
	long long now = (long long)time(NULL);
	struct sched_entry *eb;
	struct sched_dest *d;
	struct worker *wa;

	put(r1, 1, now);
	eb = put(r2, 1, now);
	sched_dispatch(&s, now);
	wa = worker_of("a.test");
	ck_assert_ptr_nonnull(wa);
	answer(wa, 451, 1, now);
	ck_assert_str_eq(wa->conn_dest, "");	/* nothing kept after a failure */
	d = sched_dest_get(&s, "smtp:[smart.test]:587");
	ck_assert_uint_eq(d->failures, 1);
	ck_assert_int_gt(d->backoff_until, now);
	ck_assert_ptr_nonnull(eb->active);	/* b.test's job still waits */
	put(r3, 1, now);
	sched_dispatch(&s, now);
	ck_assert_ptr_null(worker_of("b.test"));
	ck_assert_ptr_nonnull(worker_of("plain.test"));
	ck_assert_ptr_null(sched_ready_first(&s));
	/* b.test was postponed to the smarthost's backoff, not tried */
	ck_assert_ptr_null(eb->active);
	ck_assert_int_ge(eb->due, d->backoff_until);
	answer(worker_of("plain.test"), 250, 0, now);
}
END_TEST

/*
 * Head-of-line blocking (issue 3): the cap (4 x 4 + 64 = 80) is filled with
 * messages to plain.test, at its limit (destination-concurrency 1). A due
 * message to far.test is still loaded and sent, and dispatch does not walk
 * the blocked jobs: plain.test is parked, looked at once, not 79 times.
 */
START_TEST(a_blocked_destination_does_not_starve_others)
{
	const char *rb[] = { "w@plain.test" }, *rf[] = { "f@far.test" };
	long long now = (long long)time(NULL);
	char id[QUEUE_ID_MAX];
	struct worker *wp, *wf;
	size_t i;

	for (i = 0; i < 90; i++) {	/* due at 0: before far.test's */
		sched_harness_queue(&s.q, "s@example.test", rb, 1, SCHED_HARNESS_BODY, "r1", id);
		sched_index_add(&s, id);
	}
	sched_harness_queue(&s.q, "s@example.test", rf, 1, SCHED_HARNESS_BODY, "r1", id);
	sched_index_add(&s, id);
	sched_entry_due(&s, strmap_get(&s.index, id), now - 1);

	sched_fill(&s, now);
	ck_assert_uint_eq(s.nactive, 80);	/* the cap: plain.test's jobs can go */
	sched_dispatch(&s, now);
	wp = worker_of("plain.test");
	ck_assert_ptr_nonnull(wp);
	ck_assert_uint_eq(s.ninflight, 1);
	ck_assert_uint_le(s.dispatch_visits, 2);	/* sent one, parked it */
	ck_assert_ptr_null(s.served);
	ck_assert_ptr_eq(s.parked, sched_dest_get(&s, "mx:plain.test"));

	sched_fill(&s, now);		/* nothing can go, a slot is free: past the cap */
	ck_assert_uint_eq(s.nactive, 91);
	ck_assert_uint_eq(s.nready, 90);
	sched_dispatch(&s, now);
	wf = worker_of("far.test");
	ck_assert_ptr_nonnull(wf);
	ck_assert_uint_eq(s.dispatch_visits, 1);	/* far.test alone, not 89 blocked jobs */

	answer(wp, 250, 0, now);	/* plain.test has room again: its next job goes */
	sched_dispatch(&s, now);
	ck_assert_ptr_eq(worker_of("plain.test"), wp);	/* to the worker holding it */
	ck_assert_uint_le(s.dispatch_visits, 2);
	ck_assert_uint_eq(s.nready, 88);
	answer(wf, 250, 0, now);
	answer(wp, 250, 0, now);
	sched_fill(&s, now);		/* plain.test's jobs can go: the cap again */
	ck_assert_uint_eq(s.nactive, 88);
	ck_assert_uint_eq(s.fill_visits, 0);
}
END_TEST

/* Served destinations take turns: one job each, in the order they came. */
START_TEST(destinations_are_served_round_robin)
{
	const char *ra[] = { "u@plain.test" }, *rb[] = { "v@far.test" }, *rc[] = { "w@near.test" };
	long long now = (long long)time(NULL);

	cfg.destination_concurrency = 3;
	put(ra, 1, now);
	put(ra, 1, now);
	put(ra, 1, now);
	put(rb, 1, now);
	put(rc, 1, now);
	sched_dispatch(&s, now);	/* 3 workers: plain, far, near */
	ck_assert_uint_eq(sched_dest_get(&s, "mx:plain.test")->inflight, 1);
	ck_assert_uint_eq(sched_dest_get(&s, "mx:far.test")->inflight, 1);
	ck_assert_uint_eq(sched_dest_get(&s, "mx:near.test")->inflight, 1);
	ck_assert_uint_eq(s.nready, 2);
	ck_assert_str_eq(sched_ready_first(&s)->domain, "plain.test");
}
END_TEST

Suite *suite(void)
{
	Suite *su = suite_create("scheduler_dest");
	TCase *tk = tcase_create("keys");
	TCase *tp = tcase_create("pick");
	TCase *ts = tcase_create("scheduler");

	tcase_add_test(tk, routed_domains_share_the_next_hop);
	tcase_add_test(tk, default_route_is_one_destination);
	suite_add_tcase(su, tk);
	tcase_add_test(tp, pick_prefers_the_holder_then_a_free_worker);
	suite_add_tcase(su, tp);
	tcase_add_checked_fixture(ts, q_setup, q_teardown);
	tcase_add_test(ts, jobs_carry_their_destination);
	tcase_add_test(ts, one_limit_and_one_holder_per_next_hop);
	tcase_add_test(ts, a_closing_connection_still_counts);
	tcase_add_test(ts, backoff_is_per_next_hop);
	tcase_add_test(ts, a_blocked_destination_does_not_starve_others);
	tcase_add_test(ts, destinations_are_served_round_robin);
	suite_add_tcase(su, ts);
	return su;
}
