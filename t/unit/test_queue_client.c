/*
 * test_queue_client - lib/queue_client.c: the one exit-code table for every
 * code 0..255 (class, enhanced status, text), a crash, a hang (killed at the
 * timeout), a program that exits 0 without the envelope, and the fixed
 * environment the queue program gets.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "queue_client.h"

static char dir[] = "/tmp/tern-qc.XXXXXX";
static char prog[sizeof dir + 16];
static int made;	/* a script (and its directory) exists */

static void teardown(void)
{
	char p[sizeof dir + 16];

	if (!made)
		return;
	snprintf(p, sizeof p, "%s/env", dir);
	unlink(p);
	unlink(prog);
	rmdir(dir);
}

/* script: the queue program, a shell script of body */
static void script(const char *body)
{
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	made = 1;
	snprintf(prog, sizeof prog, "%s/qq", dir);
	f = fopen(prog, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(prog, 0755), 0);
}

static const struct queue_origin *origin;	/* what run() passes */

/* run: the program with a message and an envelope; its status */
static int run(int timeout_ms)
{
	struct queue_client c;
	static const char env[] = "Fa@example.test\0Tb@example.test\0";

	signal(SIGPIPE, SIG_IGN);	/* as its callers: a program that died is EPIPE */
	ck_assert_int_eq(queue_client_start(&c, prog, "rid-1.a", "/etc/tern-test", origin), 0);
	if (write(c.msg_fd, "x\r\n", 3) < 0)
		ck_assert_int_eq(errno, EPIPE);
	return queue_client_finish(&c, env, sizeof env, timeout_ms);
}

/* Every exit code: qmail-queue(8)'s classes, tern's 91, a status and a text. */
START_TEST(every_exit_code)
{
	struct queue_verdict v;
	int code = _i;

	queue_client_verdict(W_EXITCODE(code, 0), &v);
	ck_assert_int_eq(v.exit_code, code);
	if (code == 0)
		ck_assert_int_eq(v.outcome, QUEUE_CLIENT_OK);
	else if ((code >= 11 && code <= 40) || code == 91)
		ck_assert_int_eq(v.outcome, QUEUE_CLIENT_PERMANENT);
	else
		ck_assert_int_eq(v.outcome, QUEUE_CLIENT_TEMPORARY);
	ck_assert_int_eq(v.status[0], "245"[v.outcome == QUEUE_CLIENT_OK ? 0 :
					    v.outcome == QUEUE_CLIENT_TEMPORARY ? 1 : 2]);
	ck_assert_uint_ge(strlen(v.status), 5);
	ck_assert_int_eq(v.reply[0], v.status[0]);
	ck_assert_uint_eq(strlen(v.reply), 3);
	ck_assert_uint_gt(strlen(v.text), 0);
	ck_assert_ptr_null(strpbrk(v.text, "\r\n"));
}
END_TEST

START_TEST(named_exit_codes)
{
	static const struct { int code; const char *status, *text; } t[] = {
		{ 11, "5.1.3", "address too long" },
		{ 12, "5.3.0", "queue program refused the message (exit 12)" },
		{ 31, "5.3.0", "message permanently refused by the queue" },
		{ 32, "5.7.23", "SPF validation failed" },
		{ 33, "5.7.1", "rejected by the DMARC policy of the From domain" },
		{ 40, "5.3.0", "queue program refused the message (exit 40)" },
		{ 41, "4.3.0", "queue program failed (exit 41)" },
		{ 53, "4.3.0", "queue write error (disk full?)" },
		{ 72, "4.4.1", "connection to mail server timed out" },
		{ 74, "4.4.2", "communication with mail server failed" },
		{ 76, "4.7.24", "SPF validation error (DNS), try again later" },
		{ 77, "4.7.1", "DMARC policy not evaluated (DNS), try again later" },
		{ 81, "4.3.0", "internal error in the queue program" },
		{ 91, "5.6.0", "envelope format error" },
		{ 111, "4.3.0", "queue program failed (exit 111)" },
	};
	struct queue_verdict v;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		queue_client_verdict(W_EXITCODE(t[i].code, 0), &v);
		ck_assert_str_eq(v.status, t[i].status);
		ck_assert_str_eq(v.text, t[i].text);
		/* RFC 7372 §3.2, RFC 7489 §6.7: the policy refusals are 550 */
		ck_assert_str_eq(v.reply, t[i].code == 32 || t[i].code == 33 ? "550" :
				 t[i].status[0] == '5' ? "554" : "451");
	}
}
END_TEST

/* Real programs: an exit code and a crash, both temporary. */
static const struct { const char *body; int exit_code; const char *text; } runs[] = {
	{ "cat > /dev/null; cat <&1 > /dev/null; exit 53", 53, "queue write error (disk full?)" },
	{ "kill -SEGV $$", -1, "queue program crashed (signal 11)" },
};

START_TEST(real_program)
{
	struct queue_verdict v;

	script(runs[_i].body);
	queue_client_verdict(run(10000), &v);
	ck_assert_int_eq(v.outcome, QUEUE_CLIENT_TEMPORARY);
	ck_assert_int_eq(v.exit_code, runs[_i].exit_code);
	ck_assert_str_eq(v.text, runs[_i].text);
}
END_TEST

/* A program that never exits is killed at the timeout: temporary. */
START_TEST(hang_is_killed)
{
	struct queue_verdict v;
	int status;

	script("exec sleep 1000");
	status = run(200);
	ck_assert_int_eq(status, QUEUE_CLIENT_HUNG);
	queue_client_verdict(status, &v);
	ck_assert_int_eq(v.outcome, QUEUE_CLIENT_TEMPORARY);
	ck_assert_str_eq(v.text, "queue program timed out");
}
END_TEST

/* Without an envelope nothing can be queued, whatever the program says. */
START_TEST(abort_never_ok)
{
	struct queue_client c;
	struct queue_verdict v;

	script("cat > /dev/null; exit 0");
	ck_assert_int_eq(queue_client_start(&c, prog, NULL, NULL, NULL), 0);
	queue_client_verdict(queue_client_abort(&c, 10000), &v);
	ck_assert_int_eq(v.outcome, QUEUE_CLIENT_TEMPORARY);
	ck_assert_str_eq(v.text, "queue program did not take the envelope");
}
END_TEST

/* The environment is PATH, TERN_RECEIVED_ID and TERN_CONFDIR, nothing else. */
START_TEST(fixed_environment)
{
	char out[sizeof dir + 16], got[512] = "";
	struct queue_verdict v;
	FILE *f;
	size_t n;

	setenv("TERN_TEST_LEAK", "1", 1);
	script("cat > /dev/null; env | LC_ALL=C sort > \"$(dirname \"$0\")/env\"");
	queue_client_verdict(run(10000), &v);
	ck_assert_int_eq(v.outcome, QUEUE_CLIENT_OK);
	snprintf(out, sizeof out, "%s/env", dir);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(got, 1, sizeof got - 1, f);
	got[n] = '\0';
	fclose(f);
	/* sh itself may add PWD, SHLVL and _ */
	ck_assert_ptr_nonnull(strstr(got, "PATH=/usr/local/bin:/usr/bin:/bin\n"));
	ck_assert_ptr_nonnull(strstr(got, "TERN_CONFDIR=/etc/tern-test\n"));
	ck_assert_ptr_nonnull(strstr(got, "TERN_RECEIVED_ID=rid-1.a\n"));
	ck_assert_ptr_null(strstr(got, "TERN_TEST_LEAK"));
	ck_assert_ptr_null(strstr(got, "TERN_CLIENT_"));
}
END_TEST

/* What smtpd knows of the client: TERN_CLIENT_*, printable values only. */
START_TEST(client_environment)
{
	static const struct queue_origin o = { "192.0.2.1", "mx.example.org\001", "joe", 1 };
	char out[sizeof dir + 16], got[512] = "";
	struct queue_verdict v;
	FILE *f;
	size_t n;

	origin = &o;
	script("cat > /dev/null; env | LC_ALL=C sort > \"$(dirname \"$0\")/env\"");
	queue_client_verdict(run(10000), &v);
	origin = NULL;
	ck_assert_int_eq(v.outcome, QUEUE_CLIENT_OK);
	snprintf(out, sizeof out, "%s/env", dir);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(got, 1, sizeof got - 1, f);
	got[n] = '\0';
	fclose(f);
	ck_assert_ptr_nonnull(strstr(got, "TERN_CLIENT_IP=192.0.2.1\n"));
	ck_assert_ptr_nonnull(strstr(got, "TERN_CLIENT_AUTH=joe\n"));
	ck_assert_ptr_nonnull(strstr(got, "TERN_CLIENT_RELAY=1\n"));
	ck_assert_ptr_null(strstr(got, "TERN_CLIENT_HELO"));	/* a control byte */
}
END_TEST

/* valgrind runs posix_spawn as a fork: the exec error is then exit 127 */
START_TEST(missing_program)
{
	struct queue_client c;
	struct queue_verdict v;

	if (queue_client_start(&c, "/nonexistent/inject", NULL, NULL, NULL) == 0) {
		queue_client_verdict(queue_client_abort(&c, 10000), &v);
		ck_assert_int_eq(v.exit_code, 127);
		return;
	}
	ck_assert_int_eq(c.pid, -1);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("queue_client");
	TCase *tc = tcase_create("queue_client");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, every_exit_code, 0, 256);
	tcase_add_test(tc, named_exit_codes);
	tcase_add_loop_test(tc, real_program, 0, (int)(sizeof runs / sizeof runs[0]));
	tcase_add_test(tc, hang_is_killed);
	tcase_add_test(tc, abort_never_ok);
	tcase_add_test(tc, fixed_environment);
	tcase_add_test(tc, client_environment);
	tcase_add_test(tc, missing_program);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
