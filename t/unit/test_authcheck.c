/*
 * test_authcheck - the checkpassword client (smtpd/authcheck.c) against
 * t/fake-checkpw: what the checker gets (argv, fd 3, fd 0/1), and each
 * verdict: exit 0, 1, 111, other codes, a signal, a hang, no program.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpd/authcheck.h"
#include "smtpd/sasl.h"

static char dir[64], prog[PATH_MAX];

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static char *get(const char *name)
{
	static char buf[4096];
	char path[128];
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "r")))
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN);	/* as session_run() does */
	strcpy(dir, "/tmp/tern-authcheck.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(realpath("t/fake-checkpw", prog));
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/checked", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/checkmode", dir);
	unlink(path);
	rmdir(dir);
}

static enum authcheck_result run(const char *user, const char *pw, int timeout_ms)
{
	return authcheck_run(prog, user, pw, dir, timeout_ms);
}

START_TEST(good_and_bad)
{
	ck_assert_int_eq(run("alice", "secret", 10000), AUTHCHECK_OK);
	ck_assert_str_eq(get("checked"), "/bin/true|alice|secret||/dev/null|/dev/null\n");
	ck_assert_int_eq(run("alice", "wrong", 10000), AUTHCHECK_BAD);
	ck_assert_int_eq(run("bob", "secret", 10000), AUTHCHECK_BAD);
}
END_TEST

START_TEST(temporary_failures)
{
	static const char *const modes[] = { "exit 111", "exit 2", "exit 100", "kill" };
	size_t i;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		put("checkmode", modes[i]);
		ck_assert_msg(run("alice", "secret", 10000) == AUTHCHECK_TEMPORARY, "%s", modes[i]);
	}
	put("checkmode", "exit 1");
	ck_assert_int_eq(run("alice", "secret", 10000), AUTHCHECK_BAD);
}
END_TEST

START_TEST(hanging_checker_killed)
{
	put("checkmode", "hang");
	ck_assert_int_eq(run("alice", "secret", 300), AUTHCHECK_TEMPORARY);
}
END_TEST

START_TEST(no_program)
{
	ck_assert_int_eq(authcheck_run("/nonexistent/checkpw", "alice", "secret", dir, 1000),
			 AUTHCHECK_TEMPORARY);
}
END_TEST

/* The longest user and password fit the one pipe write. */
START_TEST(longest_credentials)
{
	static char user[SASL_USER_MAX + 1], pw[SASL_PASSWORD_MAX + 1];
	char *got;

	memset(user, 'u', SASL_USER_MAX);
	memset(pw, 'p', SASL_PASSWORD_MAX);
	ck_assert_int_eq(run(user, pw, 10000), AUTHCHECK_BAD);
	got = get("checked");
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(strlen(got), strlen("/bin/true|") + SASL_USER_MAX + 1 +
			  SASL_PASSWORD_MAX + strlen("||/dev/null|/dev/null\n"));
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("authcheck");
	TCase *tc = tcase_create("authcheck");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_and_bad);
	tcase_add_test(tc, temporary_failures);
	tcase_add_test(tc, hanging_checker_killed);
	tcase_add_test(tc, no_program);
	tcase_add_test(tc, longest_credentials);
	suite_add_tcase(s, tc);
	return s;
}
