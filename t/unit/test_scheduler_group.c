/* test_scheduler_group - relay/group.c (one job per domain) and relay/ipc
 * (framing, fd passing, the scheduler's check of what a worker claims). */
#include <check.h>
#include "t/unit/check_main.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay/group.h"
#include "relay/ipc.h"

static struct queue_rcpt R(const char *a, enum rcpt_status st, long long next)
{
	struct queue_rcpt r = { (char *)a, st, 0, 0, next, (char *)"" };

	return r;
}

START_TEST(groups_by_lowercase_domain)
{
	struct queue_rcpt r[] = {
		R("a@One.Test", RCPT_PENDING, 0), R("b@two.test", RCPT_PENDING, 0),
		R("c@ONE.TEST", RCPT_PENDING, 0), R("d@one.test", RCPT_DELIVERED, 0),
		R("e@one.test", RCPT_FAILED, 0), R("f@two.test", RCPT_PENDING, 500),
		R("\"x@y\"@three.test", RCPT_PENDING, 100),
	};
	struct queue_message m = { .rcpt = r, .nrcpt = 7 };
	struct group *g;
	size_t n;

	ck_assert_int_eq(group_pending(&m, 100, 0, &g, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(g[0].domain, "one.test");
	ck_assert_uint_eq(g[0].n, 2);
	ck_assert_uint_eq(g[0].idx[0], 0);
	ck_assert_uint_eq(g[0].idx[1], 2);
	ck_assert_str_eq(g[1].domain, "two.test");
	ck_assert_uint_eq(g[1].n, 1);		/* f is not due yet */
	ck_assert_uint_eq(g[1].idx[0], 1);
	ck_assert_str_eq(g[2].domain, "three.test");
	group_free(g, n);

	ck_assert_int_eq(group_pending(&m, 100, 1, &g, &n), 0);	/* force */
	ck_assert_uint_eq(g[1].n, 2);
	ck_assert_uint_eq(g[1].idx[1], 5);
	group_free(g, n);

	ck_assert_int_eq(group_pending(&m, 99, 0, &g, &n), 0);
	ck_assert_uint_eq(n, 2);
	group_free(g, n);
}
END_TEST

START_TEST(nothing_due)
{
	struct queue_rcpt r[] = { R("a@x.test", RCPT_DELIVERED, 0), R("b@x.test", RCPT_PENDING, 9) };
	struct queue_message m = { .rcpt = r, .nrcpt = 2 };
	struct group *g;
	size_t n;

	ck_assert_int_eq(group_pending(&m, 5, 0, &g, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(g);
}
END_TEST

START_TEST(split_at_rcpt_max)
{
	size_t total = 2 * DELIVER_RCPT_MAX + 5, i, n;
	struct queue_rcpt *r = calloc(total, sizeof *r);
	struct queue_message m = { .rcpt = r, .nrcpt = total };
	struct group *g;

	for (i = 0; i < total; i++)
		r[i] = R(i % 2 ? "a@big.test" : "b@Big.test", RCPT_PENDING, 0);
	ck_assert_int_eq(group_pending(&m, 0, 0, &g, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(g[0].n, DELIVER_RCPT_MAX);
	ck_assert_uint_eq(g[1].n, DELIVER_RCPT_MAX);
	ck_assert_uint_eq(g[2].n, 5);
	ck_assert_str_eq(g[2].domain, "big.test");
	ck_assert_uint_eq(g[2].idx[4], total - 1);
	group_free(g, n);
	free(r);
}
END_TEST

START_TEST(domain_of)
{
	char d[256];
	char big[300];

	group_domain("a@b@Ex.TEST", d);
	ck_assert_str_eq(d, "ex.test");
	group_domain("nodomain", d);
	ck_assert_str_eq(d, "");
	memset(big, 'a', sizeof big);
	big[0] = '@';
	big[sizeof big - 1] = '\0';
	group_domain(big, d);
	ck_assert_str_eq(d, "");
}
END_TEST

START_TEST(job_roundtrip_with_fd)
{
	const char *rcpt[] = { "a@x.test", "b@x.test" };
	struct deliver_job j = { "Q1", "x.test", "s@y.test", rcpt, 2, -1, 1234, 1, 0, NULL, 0 }, out;
	struct str frame = STR_INIT(IPC_MAX), enc = STR_INIT(IPC_MAX);
	const char **mem;
	uint64_t id;
	unsigned type;
	int sv[2], fd, passed;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(ipc_job_encode(&enc, 77, &j), 0);
	ck_assert_int_eq(ipc_send(sv[0], IPC_JOB, enc.s, enc.len, fd), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &type, &frame, &passed, 1000), 0);
	ck_assert_uint_eq(type, IPC_JOB);
	ck_assert_int_ge(passed, 0);
	ck_assert_int_ne(passed, fd);
	ck_assert_int_eq(ipc_job_decode(frame.s, frame.len, &id, &out, &mem), 0);
	ck_assert_uint_eq(id, 77);
	ck_assert_str_eq(out.domain, "x.test");
	ck_assert_str_eq(out.sender, "s@y.test");
	ck_assert_uint_eq(out.nrcpt, 2);
	ck_assert_str_eq(out.rcpt[1], "b@x.test");
	ck_assert_uint_eq(out.body_len, 1234);
	ck_assert_int_eq(out.utf8, 1);
	free(mem);
	/* a frame cut short is refused, and leaves nothing to free */
	ck_assert_int_ne(ipc_job_decode(frame.s, frame.len - 1, &id, &out, &mem), 0);
	ck_assert_ptr_null(mem);
	close(passed);
	close(fd);
	close(sv[0]);
	ck_assert_int_eq(ipc_recv(sv[1], &type, &frame, &passed, 1000), 1);	/* EOF */
	close(sv[1]);
	str_free(&frame);
	str_free(&enc);
}
END_TEST

/* Encodes a result as a (possibly lying) worker would. */
static void worker_says(struct str *s, uint64_t id, size_t n, int code, const char *enh,
			const char *text, const char *mta)
{
	struct deliver_rcpt_result rr[3];
	struct deliver_result r;
	size_t i;

	memset(&r, 0, sizeof r);
	memset(rr, 0, sizeof rr);
	r.rcpt = rr;
	snprintf(r.remote_mta, sizeof r.remote_mta, "%s", mta);
	for (i = 0; i < 3; i++) {
		rr[i].code = code;
		snprintf(rr[i].enhanced, sizeof rr[i].enhanced, "%s", enh);
		snprintf(rr[i].text, sizeof rr[i].text, "%s", text);
	}
	str_truncate(s, 0);
	ck_assert_int_eq(ipc_result_encode(s, id, n, &r), 0);
}

START_TEST(results_are_checked)
{
	struct deliver_rcpt_result rr[2];
	struct deliver_result r = { .rcpt = rr };
	struct str s = STR_INIT(0);

	worker_says(&s, 5, 2, 250, "2.0.0", "ok", "mx.x.test");
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 5, 2, &r), 0);
	ck_assert_int_eq(rr[1].code, 250);
	ck_assert_str_eq(r.remote_mta, "mx.x.test");
	/* another job's id, another recipient count, a code out of range */
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 6, 2, &r), -1);
	worker_says(&s, 5, 3, 250, "2.0.0", "ok", "mx.x.test");
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 5, 2, &r), -1);
	worker_says(&s, 5, 2, 199, "", "ok", "mx.x.test");
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 5, 2, &r), -1);
	worker_says(&s, 5, 2, 600, "", "ok", "mx.x.test");
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 5, 2, &r), -1);
	/* control bytes become spaces; odd host names and codes are dropped */
	worker_says(&s, 5, 2, 550, "2.0.0", "a\tb\x7f" "c", "evil host\r\n");
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 5, 2, &r), 0);
	ck_assert_str_eq(rr[0].text, "a b c");
	ck_assert_str_eq(rr[0].enhanced, "");
	ck_assert_str_eq(r.remote_mta, "");
	worker_says(&s, 5, 2, 550, "5.1.1", "x", "[192.0.2.1]");
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 5, 2, &r), 0);
	ck_assert_str_eq(rr[0].enhanced, "5.1.1");
	ck_assert_str_eq(r.remote_mta, "[192.0.2.1]");
	/* trailing garbage */
	str_appendc(&s, 'x');
	ck_assert_int_eq(ipc_result_decode(s.s, s.len, 5, 2, &r), -1);
	str_free(&s);
}
END_TEST

START_TEST(reader_reassembles)
{
	struct ipc_reader rd;
	struct str s = STR_INIT(0);
	const char *p;
	size_t len;
	unsigned type;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ipc_reader_init(&rd);
	ck_assert_int_eq(ipc_send(sv[0], IPC_RESULT, "hello", 5, -1), 0);
	ck_assert_int_eq(ipc_send(sv[0], IPC_RESULT, "", 0, -1), 0);
	ck_assert_int_eq(ipc_reader_fill(&rd, sv[1]), 0);
	ck_assert_int_eq(ipc_reader_next(&rd, &type, &p, &len), 1);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(p, "hello", 5), 0);
	ck_assert_int_eq(ipc_reader_next(&rd, &type, &p, &len), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(ipc_reader_next(&rd, &type, &p, &len), 0);
	ck_assert_int_eq(ipc_reader_fill(&rd, sv[1]), 0);	/* nothing ready */
	/* a header claiming more than IPC_MAX */
	{
		uint32_t hdr[2] = { IPC_RESULT, IPC_MAX + 1 };

		ck_assert_int_eq(write(sv[0], hdr, sizeof hdr), 8);
	}
	ck_assert_int_eq(ipc_reader_fill(&rd, sv[1]), 0);
	ck_assert_int_eq(ipc_reader_next(&rd, &type, &p, &len), -1);
	close(sv[0]);
	ck_assert_int_eq(ipc_reader_fill(&rd, sv[1]), 1);
	ipc_reader_free(&rd);
	close(sv[1]);
	str_free(&s);
}
END_TEST

Suite *suite(void)
{
	Suite *su = suite_create("scheduler_group");
	TCase *tc = tcase_create("group");
	TCase *ti = tcase_create("ipc");

	tcase_add_test(tc, groups_by_lowercase_domain);
	tcase_add_test(tc, nothing_due);
	tcase_add_test(tc, split_at_rcpt_max);
	tcase_add_test(tc, domain_of);
	suite_add_tcase(su, tc);
	tcase_add_test(ti, job_roundtrip_with_fd);
	tcase_add_test(ti, results_are_checked);
	tcase_add_test(ti, reader_reassembles);
	suite_add_tcase(su, ti);
	return su;
}
