/*
 * test_privdrop - lib/privdrop.c, the one privilege drop (smtpd, relay
 * scheduler, relay workers): unknown users and root are refused before
 * anything changes; a real drop (in a child) holds and cannot be undone;
 * not root, nothing changes. The unit tests run as root (CI); as another
 * user the cases that need root are skipped.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privdrop.h"

START_TEST(unknown_user_refused)
{
	char err[256] = "";

	if (geteuid() != 0)
		return;	/* not root: nothing to drop, nothing looked up */
	ck_assert_int_eq(privdrop_to_user("no-such-user-tern", err, sizeof err), -1);
	ck_assert_str_eq(err, "look up user: no-such-user-tern: not in /etc/passwd");
}
END_TEST

/*
 * smtpd-user root would leave the network-facing process as root, a
 * relay-user root the workers that parse remote replies (relay/privilege.c
 * accepted that before this module was shared)
 */
START_TEST(root_refused)
{
	char err[256] = "";
	uid_t before = geteuid();

	if (before != 0)
		return;	/* needs root */
	ck_assert_int_eq(privdrop_to_user("root", err, sizeof err), -1);
	ck_assert_str_eq(err, "drop privileges to root: uid 0 is no unprivileged user");
	ck_assert_uint_eq(geteuid(), before);
}
END_TEST

START_TEST(drop_to_nobody)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return;	/* needs root */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char err[256];
		gid_t groups[8];
		if (privdrop_to_user("nobody", err, sizeof err) < 0)
			_exit(2);
		if (getuid() == 0 || geteuid() == 0 || getegid() == 0)
			_exit(3);
		if (setuid(0) == 0 || setgid(0) == 0)
			_exit(4);
		if (getgroups(8, groups) < 0)
			_exit(5);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* Not root (a private instance), nothing changes, whatever the user. */
START_TEST(not_root_changes_nothing)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return;	/* needs root to become someone else first */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char err[256];
		uid_t uid;
		if (privdrop_to_user("nobody", err, sizeof err) < 0)
			_exit(2);
		uid = getuid();
		if (privdrop_to_user("root", err, sizeof err) != 0 ||
		    privdrop_to_user("no-such-user-tern", err, sizeof err) != 0)
			_exit(3);
		_exit(getuid() == uid && geteuid() == uid ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc = tcase_create("privdrop");

	tcase_add_test(tc, unknown_user_refused);
	tcase_add_test(tc, root_refused);
	tcase_add_test(tc, drop_to_nobody);
	tcase_add_test(tc, not_root_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
