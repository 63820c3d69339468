/*
 * test_rcpt_limit - a server's recipient limit (RFC 5321 §4.5.3.1.10):
 * recipients answered 452 after another RCPT of the same transaction was
 * accepted go in further transactions on the same connection (smtp_tx.c);
 * when the connection ends first, they come back 4xx with "again" set, and
 * the scheduler makes them due at once without counting an attempt, but
 * only after a job that delivered something (sched_message.c). A 452 to the
 * first RCPT, and 452s after a transaction that delivered nothing, are
 * ordinary deferrals. The "again" flag crosses the worker socket only with
 * a 4xx (ipc_codec.c).
 *
 * The server is a scripted fake in a child process on 127.0.0.2 (not
 * 127.0.0.1, which is this host: a loop, relay/mx.h): fake_smtp.h.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relay/deliver.h"
#include "relay/ipc.h"
#include "relay/scheduler_private.h"
#include "relay/smtp_client.h"
#include "fake_smtp.h"
#include "sched_harness.h"

enum fake_mode {
	FAKE_LIMIT,		/* 2 recipients per transaction, PIPELINING */
	FAKE_LIMIT_NOPIPE,	/* the same, one command at a time */
	FAKE_LIMIT_CLOSE,	/* the same, closing after the first transaction */
	FAKE_LIMIT_552,		/* 552 5.5.3 past the limit (RFC 821's code) */
	FAKE_LIMIT_DATA_FAIL,	/* the limit, and 451 to the end of the data */
	FAKE_FULL,		/* 452 to every RCPT */
};

#define LIMIT 2

static struct fake_smtp fake;
static struct config cfg;
static struct deliver_ctx ctx;

static const char *fake_rcpt(enum fake_mode mode, int rcpts)
{
	if (mode == FAKE_FULL)
		return "452 4.5.3 Too many recipients\r\n";
	if (rcpts < LIMIT)
		return NULL;
	return mode == FAKE_LIMIT_552 ? "552 5.5.3 Too many recipients\r\n"
				      : "452 4.5.3 Too many recipients\r\n";
}

/* One session; logs "C<n> <line>" for each line received. */
static void fake_session(int fd, int n, int mode, FILE *log)
{
	FILE *in = fdopen(dup(fd), "r");
	char line[1200];
	int data = 0, rcpts = 0;

	fake_line(fd, "220 fake ESMTP\r\n");
	while (fgets(line, sizeof line, in)) {
		fprintf(log, "C%d %s", n, line);
		fflush(log);
		if (data) {
			if (strcmp(line, ".\r\n"))
				continue;
			data = 0;
			fake_line(fd, mode == FAKE_LIMIT_DATA_FAIL ? "451 4.3.0 disk full\r\n"
								    : "250 2.0.0 queued\r\n");
			if (mode == FAKE_LIMIT_CLOSE)
				break;
		} else if (!strncmp(line, "EHLO", 4)) {
			fake_line(fd, mode == FAKE_LIMIT_NOPIPE ? "250-fake\r\n250 SIZE 100000\r\n"
				  : "250-fake\r\n250-PIPELINING\r\n250 SIZE 100000\r\n");
		} else if (!strncmp(line, "RCPT", 4)) {
			const char *r = fake_rcpt(mode, rcpts);

			fake_line(fd, r ? r : "250 ok\r\n");
			rcpts += !r;
		} else if (!strncmp(line, "DATA", 4)) {
			fake_line(fd, rcpts ? "354 go\r\n" : "554 5.5.1 no valid recipients\r\n");
			data = rcpts > 0;
			rcpts = 0;
		} else if (!strncmp(line, "QUIT", 4)) {
			fake_line(fd, "221 bye\r\n");
			break;
		} else {
			fake_line(fd, "250 ok\r\n");	/* MAIL, RSET */
			rcpts = 0;
		}
	}
	fclose(in);
}

static const char *five[] = { "r1@y.test", "r2@y.test", "r3@y.test", "r4@y.test", "r5@y.test" };

static void run(size_t n, struct deliver_rcpt_result *r)
{
	struct deliver_job job = { "Q1", "[127.0.0.2]", "s@x.test", five, n, -1, 0, 0, 0, NULL, 0 };
	struct deliver_result res = { r, "", 0, "" };
	FILE *f = tmpfile();

	fputs("Subject: limit\r\n\r\nbody\r\n", f);
	fflush(f);
	job.body_fd = fileno(f);
	job.body_len = 24;
	memset(r, 0, n * sizeof *r);
	deliver(&ctx, &job, &res);
	ck_assert_int_eq(res.destination_failed, 0);
	fclose(f);
}

/* The first n of five recipients in one job to a server in mode: the transcript. */
static char *fake_job(enum fake_mode mode, size_t n, struct deliver_rcpt_result *r)
{
	fake_start(&fake, "rcpt-limit", fake_session, mode);
	fake_client(&cfg, &ctx, fake.port);
	run(n, r);
	deliver_close_all(&ctx);
	return fake_stop(&fake);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Five recipients over a limit of two: 2 + 2 + 1 on one connection. */
START_TEST(further_transactions_on_the_same_connection)
{
	static const enum fake_mode modes[] = { FAKE_LIMIT, FAKE_LIMIT_NOPIPE, FAKE_LIMIT_552 };
	struct deliver_rcpt_result r[5];
	size_t i;
	char *t;

	t = fake_job(modes[_i], 5, r);
	for (i = 0; i < 5; i++) {
		ck_assert_msg(r[i].code == 250, "r%zu: %d %s\n%s", i + 1, r[i].code, r[i].text, t);
		ck_assert_int_eq(r[i].again, 0);
	}
	ck_assert_msg(count(t, "MAIL FROM:") == 3, "three transactions:\n%s", t);
	ck_assert_msg(!strstr(t, "C2 "), "one connection:\n%s", t);
	ck_assert_msg(count(t, "RCPT TO:<r3@y.test>") == 2, "r3 again in the second:\n%s", t);
	ck_assert_msg(count(t, "RCPT TO:<r5@y.test>") == 3, "r5 in all three:\n%s", t);
	ck_assert_msg(count(t, "RCPT TO:<r1@y.test>") == 1, "r1 only once:\n%s", t);
	ck_assert_msg(!strstr(t, "RSET"), "no RSET after a delivered transaction:\n%s", t);
}
END_TEST

/* The server closes after the first transaction: the rest come back
 * deferred with "again", so that the scheduler sends them at once. */
START_TEST(connection_closed_leaves_them_for_the_next_job)
{
	struct deliver_rcpt_result r[5];
	char *t;

	t = fake_job(FAKE_LIMIT_CLOSE, 5, r);
	ck_assert_int_eq(r[0].code, 250);
	ck_assert_int_eq(r[1].code, 250);
	ck_assert_int_eq(r[0].again, 0);
	for (size_t i = 2; i < 5; i++) {
		ck_assert_msg(r[i].code / 100 == 4, "r%zu: %d\n%s", i + 1, r[i].code, t);
		ck_assert_int_eq(r[i].again, 1);
	}
	ck_assert_msg(count(t, "MAIL FROM:") == 1, "no second MAIL arrived:\n%s", t);
}
END_TEST

/* 452 to the first RCPT: the server has no room at all; ordinary deferral. */
START_TEST(first_rcpt_452_is_ordinary)
{
	struct deliver_rcpt_result r[2];
	char *t;

	t = fake_job(FAKE_FULL, 2, r);
	ck_assert_int_eq(r[0].code, 452);
	ck_assert_int_eq(r[1].code, 452);
	ck_assert_str_eq(r[0].enhanced, "4.5.3");
	ck_assert_int_eq(r[0].again, 0);
	ck_assert_int_eq(r[1].again, 0);
	ck_assert_msg(count(t, "MAIL FROM:") == 1, "one transaction:\n%s", t);
}
END_TEST

/* The first transaction delivered nothing: no further one, no "again". */
START_TEST(no_delivery_no_further_transaction)
{
	struct deliver_rcpt_result r[3];
	char *t;

	t = fake_job(FAKE_LIMIT_DATA_FAIL, 3, r);
	ck_assert_int_eq(r[0].code, 451);
	ck_assert_int_eq(r[1].code, 451);
	ck_assert_int_eq(r[2].code, 452);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(r[i].again, 0);
	ck_assert_msg(count(t, "MAIL FROM:") == 1, "one transaction:\n%s", t);
}
END_TEST

START_TEST(again_crosses_ipc_only_with_4xx)
{
	struct deliver_rcpt_result in[3] = { { .code = 452, .again = 1 }, { .code = 250, .again = 1 },
					     { .code = 550, .again = 1 } }, out[3];
	struct deliver_result res = { in, "mx.test", 0, "" }, got = { out, "", 0, "" };
	struct str s = STR_INIT(IPC_MAX);

	ck_assert_int_eq(ipc_result_encode(&s, 7, 3, &res), 0);
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 7, 3, &got), 0);
	ck_assert_int_eq(out[0].again, 1);
	ck_assert_int_eq(out[1].again, 0);
	ck_assert_int_eq(out[2].again, 0);
	str_free(&s);
}
END_TEST

/* the TLS description crosses with its remote MTA; anything else in it is dropped */
START_TEST(tls_crosses_ipc_checked)
{
	struct deliver_rcpt_result in[1] = { { .code = 250 } }, out[1];
	struct deliver_result res = { in, "mx.test", 0, "TLSv1.3 TLS_AES_256_GCM_SHA384 verified=dane" },
			      got = { out, "", 0, "" };
	struct str s = STR_INIT(IPC_MAX);

	ck_assert_int_eq(ipc_result_encode(&s, 7, 1, &res), 0);
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 7, 1, &got), 0);
	ck_assert_str_eq(got.tls, "TLSv1.3 TLS_AES_256_GCM_SHA384 verified=dane");
	str_free(&s);
	s = (struct str)STR_INIT(IPC_MAX);
	strcpy(res.tls, "TLSv1.3\r\nforged: line");
	ck_assert_int_eq(ipc_result_encode(&s, 7, 1, &res), 0);
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 7, 1, &got), 0);
	ck_assert_str_eq(got.tls, "");
	str_free(&s);
	s = (struct str)STR_INIT(IPC_MAX);
	strcpy(res.tls, "TLSv1.2 X verified=trusted");
	res.remote_mta[0] = '\0';	/* no remote MTA: no TLS to speak of */
	ck_assert_int_eq(ipc_result_encode(&s, 7, 1, &res), 0);
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 7, 1, &got), 0);
	ck_assert_str_eq(got.tls, "");
	str_free(&s);
}
END_TEST

/* The scheduler's side: "again" makes the recipient due now, uncounted,
 * after a job that delivered; without a delivery it is an ordinary 4xx. */
static char qdir[] = "/tmp/tern-test-rcpt-limit-q-XXXXXX";

static void sched_case(struct sched *s, int delivered_one, struct queue_message *m)
{
	static const char *const rcpt[2] = { "a@y.test", "b@y.test" };
	struct deliver_rcpt_result rr[2];
	struct deliver_result res = { rr, "mx.y.test", 0, "" };
	long long now = (long long)time(NULL);
	char id[QUEUE_ID_MAX];
	struct sched_job *j;
	struct sched_entry *e;

	sched_harness_config(&cfg);
	strcpy(cfg.hostname, "me.test");
	cfg.retry_min = 600;
	sched_harness_open(s, &cfg, NULL, qdir);
	sched_harness_queue(&s->q, "s@x.test", rcpt, 2, "x\r\n", "r1", id);
	sched_index_add(s, id);
	e = strmap_get(&s->index, id);
	sched_activate(s, e, now);
	j = sched_ready_first(s);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(j->n, 2);
	sched_ready_pop(s, j->queue);
	memset(rr, 0, sizeof rr);
	rr[0].code = delivered_one ? 250 : 451;
	rr[1].code = 452;
	rr[1].again = 1;
	strcpy(rr[1].enhanced, "4.5.3");
	sched_job_finish(s, j, &res, now);
	ck_assert_ptr_null(e->active);
	ck_assert_int_eq(queue_message_load(&s->q, id, m), 0);
	if (delivered_one)
		ck_assert_int_eq(e->due, now);	/* loaded again by the next pass */
	else
		ck_assert_int_ge(e->due, now + 600);
}

START_TEST(scheduler_sends_them_at_once)
{
	long long now = (long long)time(NULL);
	struct queue_message m;
	struct sched s;

	sched_case(&s, 1, &m);
	ck_assert_int_eq(m.rcpt[0].status, RCPT_DELIVERED);
	ck_assert_int_eq(m.rcpt[1].status, RCPT_PENDING);
	ck_assert_int_le(m.rcpt[1].next_try, now + 1);
	ck_assert_uint_eq(m.rcpt[1].attempts, 0);	/* not an attempt: no longer backoff */
	queue_message_free(&m);
	sched_harness_release(&s);
}
END_TEST

START_TEST(scheduler_ignores_again_without_progress)
{
	long long now = (long long)time(NULL);
	struct queue_message m;
	struct sched s;

	sched_case(&s, 0, &m);
	ck_assert_int_eq(m.rcpt[1].status, RCPT_PENDING);
	ck_assert_int_ge(m.rcpt[1].next_try, now + 600);	/* retry-min */
	ck_assert_uint_eq(m.rcpt[1].attempts, 1);
	queue_message_free(&m);
	sched_harness_release(&s);
}
END_TEST

static void sched_teardown(void)
{
	sched_harness_remove(qdir);
}

Suite *suite(void)
{
	Suite *su = suite_create("rcpt_limit");
	TCase *t = tcase_create("smtp");
	TCase *ts = tcase_create("scheduler");

	tcase_set_timeout(t, 30);
	tcase_add_loop_test(t, further_transactions_on_the_same_connection, 0, 3);
	tcase_add_test(t, connection_closed_leaves_them_for_the_next_job);
	tcase_add_test(t, first_rcpt_452_is_ordinary);
	tcase_add_test(t, no_delivery_no_further_transaction);
	tcase_add_test(t, again_crosses_ipc_only_with_4xx);
	tcase_add_test(t, tls_crosses_ipc_checked);
	suite_add_tcase(su, t);
	tcase_add_checked_fixture(ts, NULL, sched_teardown);
	tcase_add_test(ts, scheduler_sends_them_at_once);
	tcase_add_test(ts, scheduler_ignores_again_without_progress);
	suite_add_tcase(su, ts);
	return su;
}
