/* test_dsn - relay/dsn.c: exact RFC 3464 structure, truncation, reply format;
 * and the scheduler's bounce rules (null sender, postmaster notice). */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay/dsn.h"
#include "relay/hdrscan.h"
#include "relay/scheduler_private.h"
#include "sched_harness.h"
#include "guarded.h"

static int tmpfile_with(const char *text)
{
	char name[] = "/tmp/tern-test-dsn-XXXXXX";
	int fd = mkstemp(name);

	ck_assert_int_ge(fd, 0);
	unlink(name);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

static const char original[] =
	"Received: from a\r\nReceived: from b\r\nSubject: hello\r\n\r\nline one\r\nline two\r\n";

static const char expected_headers_only[] =
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\n"
	"To: <sender@example.test>\r\n"
	"Subject: Undelivered Mail Returned to Sender\r\n"
	"Date: Thu, 01 Jan 1970 00:16:40 +0000\r\n"
	"Message-ID: <Q1.dsn@mx.example.test>\r\n"
	"Auto-Submitted: auto-replied\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status;\r\n"
	"\tboundary=\"BND\"\r\n"
	"\r\n"
	"This is a MIME-encapsulated message.\r\n"
	"\r\n"
	"--BND\r\n"
	"Content-Type: text/plain; charset=us-ascii\r\n"
	"Content-Description: Notification\r\n"
	"\r\n"
	"This is the mail system at host mx.example.test.\r\n"
	"\r\n"
	"I'm sorry to have to inform you that your message could not be delivered\r\n"
	"to one or more recipients. It is attached below.\r\n"
	"\r\n"
	"<u1@remote.test>: 550 5.1.1 no such user\r\n"
	"<u2@remote.test>: 451 4.4.7 message expired in the queue; last reply: none\r\n"
	"\r\n"
	"--BND\r\n"
	"Content-Type: message/delivery-status\r\n"
	"Content-Description: Delivery report\r\n"
	"\r\n"
	"Reporting-MTA: dns; mx.example.test\r\n"
	"X-Tern-Queue-ID: Q1\r\n"
	"Arrival-Date: Thu, 01 Jan 1970 00:00:10 +0000\r\n"
	"\r\n"
	"Final-Recipient: rfc822; u1@remote.test\r\n"
	"Action: failed\r\n"
	"Status: 5.1.1\r\n"
	"Remote-MTA: dns; mx.remote.test\r\n"
	"Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"
	"Last-Attempt-Date: Thu, 01 Jan 1970 00:08:20 +0000\r\n"
	"\r\n"
	"Final-Recipient: rfc822; u2@remote.test\r\n"
	"Action: failed\r\n"
	"Status: 4.4.7\r\n"
	"Diagnostic-Code: smtp; 451 4.4.7 message expired in the queue; last reply: none\r\n"
	"\r\n"
	"--BND\r\n"
	"Content-Type: text/rfc822-headers\r\n"
	"Content-Description: Undelivered message headers\r\n"
	"\r\n"
	"Received: from a\r\nReceived: from b\r\nSubject: hello\r\n"
	"\r\n"
	"--BND--\r\n";

static void base_dsn(struct dsn *d, struct dsn_rcpt *r)
{
	memset(d, 0, sizeof *d);
	d->hostname = "mx.example.test";
	d->queue_id = "Q1";
	d->to = "sender@example.test";
	d->orig_sender = "sender@example.test";
	d->boundary = "BND";
	d->arrival = 10;
	d->now = 1000;
	r[0].address = "u1@remote.test";
	r[0].reply = "mx.remote.test said: 550 5.1.1 no such user";
	r[0].last_try = 500;
	r[1].address = "u2@remote.test";
	r[1].reply = "451 4.4.7 message expired in the queue; last reply: none";
	r[1].last_try = 0;
	d->rcpt = r;
	d->nrcpt = 2;
}

START_TEST(exact_headers_only)
{
	struct dsn_rcpt r[2];
	struct dsn d;
	struct str out = STR_INIT(0);
	int fd = tmpfile_with(original);

	base_dsn(&d, r);
	ck_assert_int_eq(dsn_compose(&out, &d, fd, strlen(original)), 0);
	ck_assert_str_eq(str_cstr(&out), expected_headers_only);
	str_free(&out);
	close(fd);
}
END_TEST

START_TEST(body_truncated_at_line)
{
	struct dsn_rcpt r[2];
	struct dsn d;
	struct str out = STR_INIT(0);
	int fd = tmpfile_with(original);
	const char *part;

	base_dsn(&d, r);
	d.body_max = 15;	/* "line one\r\n" (10) fits, "line two\r\n" does not */
	ck_assert_int_eq(dsn_compose(&out, &d, fd, strlen(original)), 0);
	part = strstr(str_cstr(&out), "Content-Type: message/rfc822\r\n");
	ck_assert_ptr_nonnull(part);
	ck_assert_str_eq(part, "Content-Type: message/rfc822\r\n"
			 "Content-Description: Undelivered message\r\n\r\n"
			 "Received: from a\r\nReceived: from b\r\nSubject: hello\r\n"
			 "\r\nline one\r\n\r\n--BND--\r\n");
	str_free(&out);
	/* big enough: the whole body */
	d.body_max = 1000;
	ck_assert_int_eq(dsn_compose(&out, &d, fd, strlen(original)), 0);
	ck_assert_ptr_nonnull(strstr(str_cstr(&out), "\r\n\r\nline one\r\nline two\r\n\r\n--BND--\r\n"));
	str_free(&out);
	close(fd);
}
END_TEST

START_TEST(peer_text_is_ascii_and_one_line)
{
	struct dsn_rcpt r[1];
	struct dsn d;
	struct str out = STR_INIT(0);
	int fd = tmpfile_with("Subject: x\r\n\r\nb\r\n");
	struct dsn_rcpt two[2];

	base_dsn(&d, two);
	r[0].address = "u@x.test";
	r[0].reply = "550 5.7.1 bad\xc3\xa9\x01 Injected: yes";
	r[0].last_try = 0;
	d.rcpt = r;
	d.nrcpt = 1;
	ck_assert_int_eq(dsn_compose(&out, &d, fd, 16), 0);
	ck_assert_ptr_nonnull(strstr(str_cstr(&out),
		"Diagnostic-Code: smtp; 550 5.7.1 bad??? Injected: yes\r\n"));
	ck_assert_ptr_null(strstr(str_cstr(&out), "\r\nInjected"));
	str_free(&out);
	close(fd);
}
END_TEST

START_TEST(reply_format_and_parse)
{
	struct str s = STR_INIT(0);
	char mta[256], status[16];
	const char *diag;

	ck_assert_int_eq(dsn_reply_format(&s, "mx.a.test", 550, "5.1.1", "gone"), 0);
	ck_assert_str_eq(str_cstr(&s), "mx.a.test said: 550 5.1.1 gone");
	dsn_reply_parse(str_cstr(&s), mta, sizeof mta, &diag, status);
	ck_assert_str_eq(mta, "mx.a.test");
	ck_assert_str_eq(diag, "550 5.1.1 gone");
	ck_assert_str_eq(status, "5.1.1");
	str_truncate(&s, 0);
	ck_assert_int_eq(dsn_reply_format(&s, "", 554, "", "no enhanced code"), 0);
	dsn_reply_parse(str_cstr(&s), mta, sizeof mta, &diag, status);
	ck_assert_str_eq(mta, "");
	ck_assert_str_eq(diag, "554 no enhanced code");
	ck_assert_str_eq(status, "5.0.0");
	/* a peer's text that imitates our prefix is not taken as a host */
	dsn_reply_parse("421 4.4.2 evil said: 250 ok", mta, sizeof mta, &diag, status);
	ck_assert_str_eq(mta, "");
	ck_assert_str_eq(status, "4.4.2");
	/* an enhanced code of another class than the reply is not used */
	dsn_reply_parse("550 4.1.1 mixed", mta, sizeof mta, &diag, status);
	ck_assert_str_eq(status, "5.0.0");
	dsn_reply_parse("451 x", mta, sizeof mta, &diag, status);
	ck_assert_str_eq(status, "4.0.0");
	str_free(&s);
}
END_TEST

/* A reply may be a bare code: nothing past its end is read (issue 9 #1). */
START_TEST(short_replies_read_nothing_past_the_end)
{
	static const struct { const char *reply, *mta, *diag, *status; } t[] = {
		{ "", "", "", "5.0.0" },
		{ "5", "", "5", "5.0.0" },
		{ "55", "", "55", "5.0.0" },
		{ "550", "", "550", "5.0.0" },
		{ "550 ", "", "550 ", "5.0.0" },
		{ "451", "", "451", "4.0.0" },
		{ "550 5", "", "550 5", "5.0.0" },
		{ "550 5.1", "", "550 5.1", "5.0.0" },
		{ "550 5.1.", "", "550 5.1.", "5.0.0" },
		{ "550 5..1", "", "550 5..1", "5.0.0" },
		{ "550 5.1.1", "", "550 5.1.1", "5.1.1" },
		{ "550 5.1..1 x", "", "550 5.1..1 x", "5.0.0" },
		{ "550 5.1.1 a..b", "", "550 5.1.1 a..b", "5.1.1" },
		{ "mx.test said: ", "mx.test", "", "5.0.0" },
		{ "mx.test said: 550", "mx.test", "550", "5.0.0" },
		{ "mx.test said: 550 ", "mx.test", "550 ", "5.0.0" },
		{ "mx.test said: 421", "mx.test", "421", "4.0.0" },
		{ "mx.test said: 550 5.7.1", "mx.test", "550 5.7.1", "5.7.1" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		char mta[256], status[16];
		const char *diag;

		dsn_reply_parse(guarded(t[i].reply), mta, sizeof mta, &diag, status);
		ck_assert_str_eq(mta, t[i].mta);
		ck_assert_str_eq(diag, t[i].diag);
		ck_assert_msg(strcmp(status, t[i].status) == 0, "%s: status %s",
			      t[i].reply, status);
	}
	guarded_free();
}
END_TEST

/* The bounce for a bare "550" from the next hop (the scheduler's path). */
START_TEST(bare_code_bounce)
{
	struct dsn_rcpt r[1];
	struct dsn d;
	struct str out = STR_INIT(0);
	int fd = tmpfile_with("Subject: x\r\n\r\nb\r\n");
	struct dsn_rcpt two[2];

	base_dsn(&d, two);
	r[0].address = "u@x.test";
	r[0].reply = guarded("mx.x.test said: 550");
	r[0].last_try = 0;
	d.rcpt = r;
	d.nrcpt = 1;
	ck_assert_int_eq(dsn_compose(&out, &d, fd, 16), 0);
	ck_assert_ptr_nonnull(strstr(str_cstr(&out), "<u@x.test>: 550\r\n"));
	ck_assert_ptr_nonnull(strstr(str_cstr(&out),
		"Status: 5.0.0\r\nRemote-MTA: dns; mx.x.test\r\n"
		"Diagnostic-Code: smtp; 550\r\n"));
	str_free(&out);
	close(fd);
	guarded_free();
}
END_TEST

/* Boundaries: 128 random bits as hex, never the same twice, and a body that
 * tries to guess one only quotes its own text (issue 9 #7). */
START_TEST(boundary_random)
{
	static const char body[] = "Subject: x\r\n\r\n--=_tern.\r\n--=_tern.00000000\r\n";
	char a[DSN_BOUNDARY_SIZE], b[DSN_BOUNDARY_SIZE];
	struct dsn_rcpt two[2];
	struct dsn d;
	struct str out = STR_INIT(0);
	const char *p;
	int fd = tmpfile_with(body), n = 0;
	size_t i;

	ck_assert_int_eq(dsn_boundary(a), 0);
	ck_assert_int_eq(dsn_boundary(b), 0);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strlen(a), 39);
	ck_assert(strncmp(a, "=_tern.", 7) == 0);
	for (i = 7; i < 39; i++)
		ck_assert_msg(strchr("0123456789abcdef", a[i]) != NULL, "%s", a);
	base_dsn(&d, two);
	d.boundary = a;
	d.body_max = 1024;
	ck_assert_int_eq(dsn_compose(&out, &d, fd, strlen(body)), 0);
	for (p = str_cstr(&out); (p = strstr(p, a)); p++)
		n++;
	ck_assert_int_eq(n, 5);	/* the header's parameter, 3 part delimiters, the close */
	str_free(&out);
	close(fd);
}
END_TEST

/* Times from a queue or state file that gmtime_r() cannot represent. */
START_TEST(date_out_of_range)
{
	char d[40];

	dsn_date(9223372036854775807LL, d);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	dsn_date(-9223372036854775807LL, d);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	dsn_date(1700000000, d);
	ck_assert_str_eq(d, "Tue, 14 Nov 2023 22:13:20 +0000");
}
END_TEST

START_TEST(header_count)
{
	struct str h = STR_INIT(0);
	unsigned long long off;
	int fd = tmpfile_with("Received: a\r\n b continued\r\nreceived: c\r\nX-Received: no\r\n"
			      "Receivedx: no\r\n\r\nReceived: body\r\n");

	ck_assert_int_eq(hdrscan_read(fd, 89, 1 << 20, &h, &off), 0);
	ck_assert_uint_eq(hdrscan_count(h.s, h.len, "Received"), 2);
	ck_assert_uint_eq(off, 73);
	ck_assert_int_eq(hdrscan_has_8bit(fd, 89), 0);
	str_free(&h);
	close(fd);
}
END_TEST

/* The scheduler's bounce rules over a real queue. */
static char qdir[] = "/tmp/tern-test-dsn-q-XXXXXX";
static struct config cfg;
static struct sched s;

static void q_setup(void)
{
	sched_harness_config(&cfg);
	cfg.queue_lifetime = 100;
	cfg.concurrency = 4;
	sched_harness_open(&s, &cfg, NULL, qdir);
}

static void q_teardown(void)
{
	sched_harness_release(&s);
	sched_harness_remove(qdir);
}

static void put(const char *sender, const char *rid, const char *body, char id[QUEUE_ID_MAX])
{
	const char *rcpt[] = { "u@remote.test" };

	sched_harness_queue(&s.q, sender, rcpt, 1, body, rid, id);
}

static int collect(void *ctx, const char *id)
{
	char (*ids)[QUEUE_ID_MAX] = ctx;
	int i;

	for (i = 0; ids[i][0]; i++)
		;
	snprintf(ids[i], QUEUE_ID_MAX, "%s", id);
	return 0;
}

/* Activates id at time now (lifetime 100 s from arrival); returns the other ids. */
static int expire_and_list(const char *id, long long now, char ids[8][QUEUE_ID_MAX])
{
	int n = 0;

	sched_harness_activate(&s, id, now);
	ck_assert_ptr_null(sched_ready_first(&s));
	memset(ids, 0, 8 * QUEUE_ID_MAX);
	ck_assert_int_eq(queue_scan(&s.q, collect, ids), 0);
	while (n < 8 && ids[n][0])
		n++;
	return n;
}

START_TEST(expired_message_bounces_to_sender)
{
	struct queue_message m;
	char id[QUEUE_ID_MAX], ids[8][QUEUE_ID_MAX];
	long long now = (long long)time(NULL) + 200;

	put("sender@example.test", "r1", "Subject: s\r\n\r\nb\r\n", id);
	ck_assert_int_eq(expire_and_list(id, now, ids), 1);
	ck_assert_str_ne(ids[0], id);		/* the original is gone */
	ck_assert_int_eq(queue_message_load(&s.q, ids[0], &m), 0);
	ck_assert_str_eq(m.sender, "");		/* null envelope sender */
	ck_assert_uint_eq(m.nrcpt, 1);
	ck_assert_str_eq(m.rcpt[0].address, "sender@example.test");
	ck_assert_str_eq(m.received_id, "dsn");
	queue_message_free(&m);
}
END_TEST

START_TEST(null_sender_goes_to_postmaster_once)
{
	struct queue_message m;
	char id[QUEUE_ID_MAX], ids[8][QUEUE_ID_MAX], notice[QUEUE_ID_MAX];
	long long now = (long long)time(NULL) + 200;

	put("", "dsn", "Subject: a bounce\r\n\r\nb\r\n", id);
	ck_assert_int_eq(expire_and_list(id, now, ids), 1);
	snprintf(notice, sizeof notice, "%s", ids[0]);
	ck_assert_int_eq(queue_message_load(&s.q, notice, &m), 0);
	ck_assert_str_eq(m.sender, "");
	ck_assert_str_eq(m.rcpt[0].address, "postmaster@example.test");
	ck_assert_str_eq(m.received_id, "pmnotice");
	queue_message_free(&m);
	/* the notice itself fails: logged and removed, nothing new is queued */
	ck_assert_int_eq(expire_and_list(notice, now + 200, ids), 0);
}
END_TEST

START_TEST(loop_fails_without_attempt)
{
	struct str body = STR_INIT(0);
	struct queue_message m;
	char id[QUEUE_ID_MAX], ids[8][QUEUE_ID_MAX];
	int i;

	for (i = 0; i < 101; i++)
		str_appendf(&body, "Received: from hop%d\r\n", i);
	str_appendz(&body, "\r\nbody\r\n");
	put("sender@example.test", "r1", str_cstr(&body), id);
	ck_assert_int_eq(expire_and_list(id, (long long)time(NULL), ids), 1);
	ck_assert_int_eq(queue_message_load(&s.q, ids[0], &m), 0);
	ck_assert_str_eq(m.rcpt[0].address, "sender@example.test");
	queue_message_free(&m);
	str_free(&body);
}
END_TEST

START_TEST(hundred_hops_is_not_a_loop)
{
	struct str body = STR_INIT(0);
	struct sched_entry *e;
	char id[QUEUE_ID_MAX];
	int i;

	for (i = 0; i < 100; i++)
		str_appendf(&body, "Received: from hop%d\r\n", i);
	str_appendz(&body, "\r\nbody\r\n");
	put("sender@example.test", "r1", str_cstr(&body), id);
	sched_index_add(&s, id);
	e = strmap_get(&s.index, id);
	sched_activate(&s, e, (long long)time(NULL));
	ck_assert_ptr_nonnull(sched_ready_first(&s));
	ck_assert_str_eq(sched_ready_first(&s)->domain, "remote.test");
	str_free(&body);
}
END_TEST

Suite *suite(void)
{
	Suite *su = suite_create("dsn");
	TCase *tc = tcase_create("compose");
	TCase *tq = tcase_create("rules");

	tcase_add_test(tc, exact_headers_only);
	tcase_add_test(tc, body_truncated_at_line);
	tcase_add_test(tc, peer_text_is_ascii_and_one_line);
	tcase_add_test(tc, reply_format_and_parse);
	tcase_add_test(tc, header_count);
	tcase_add_test(tc, boundary_random);
	tcase_add_test(tc, short_replies_read_nothing_past_the_end);
	tcase_add_test(tc, bare_code_bounce);
	tcase_add_test(tc, date_out_of_range);
	suite_add_tcase(su, tc);
	tcase_add_checked_fixture(tq, q_setup, q_teardown);
	tcase_add_test(tq, expired_message_bounces_to_sender);
	tcase_add_test(tq, null_sender_goes_to_postmaster_once);
	tcase_add_test(tq, loop_fails_without_attempt);
	tcase_add_test(tq, hundred_hops_is_not_a_loop);
	suite_add_tcase(su, tq);
	return su;
}
