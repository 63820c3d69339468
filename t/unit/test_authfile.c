/*
 * test_authfile - relay/authfile.c: the relay-auth-file's lines, keys
 * normalised as mx_key() makes them, every reject branch, and the file's
 * mode check.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "relay/authfile.h"

static struct config cfg;

static void cfg_setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.smtp_port = 25;
}

static int parse(const char *text, struct auth_table *t, char *err)
{
	err[0] = '\0';
	return authfile_parse(text, strlen(text), &cfg, t, err, 512);
}

START_TEST(lines_and_keys)
{
	struct auth_table t;
	const struct auth_entry *e;
	char err[512];
	static const char text[] =
		"# comment\r\n\n   \nsmtp:[Smart.Example]:587 alice pass word \r\n"
		"\tsmtp:[192.0.2.1] bob x\nsmtp:relay.example carol y";

	ck_assert_int_eq(parse(text, &t, err), 0);
	ck_assert_uint_eq(t.n, 3);
	e = authfile_find(&t, "smtp:[smart.example]:587");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->user, "alice");
	ck_assert_str_eq(e->password, "pass word ");	/* the rest of the line, CR removed */
	e = authfile_find(&t, "smtp:[192.0.2.1]:25");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->user, "bob");
	e = authfile_find(&t, "smtp:relay.example:25");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->password, "y");
	ck_assert_ptr_null(authfile_find(&t, "smtp:[smart.example]:25"));
	ck_assert_ptr_null(authfile_find(NULL, "smtp:[smart.example]:587"));
	authfile_free(&t);
	ck_assert_ptr_null(t.v);
}
END_TEST

static void reject(const char *text, const char *want)
{
	struct auth_table t;
	char err[512];

	ck_assert_int_eq(parse(text, &t, err), -1);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(t.v);
	ck_assert_uint_eq(t.n, 0);
}

START_TEST(rejects)
{
	reject("smtp:[a.example]:587 user\n", "line 1: password missing or longer than 512 bytes");
	reject("smtp:[a.example]:587\n", "line 1: want 'NEXTHOP USER PASSWORD' (user empty or too long)");
	reject("\nsmtp:[a:587 u p\n", "line 2: bad next hop: 'smtp:[a:587': missing ']'");
	reject("lmtp:[a.example] u p\n", "line 1: 'lmtp:[a.example]': AUTH is for SMTP next hops");
	reject("smtp:[a.example]:587 u p\nsmtp:[A.example]:587 v q\n",
	       "line 2: second entry for smtp:[a.example]:587");
	reject("smtp:[a.example] u p\x01q\n", "line 1: control byte");
}
END_TEST

/* the file: root's alone; others' access refused, content read */
START_TEST(file_mode)
{
	char dir[] = "/tmp/test_authfile.XXXXXX", path[64], err[1024];
	struct auth_table t;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/auth", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "smtp:[s.example]:587 u hunter2\n", 31), 31);
	close(fd);
	ck_assert_int_eq(authfile_load(path, &cfg, &t, err, sizeof err), 0);
	ck_assert_uint_eq(t.n, 1);
	authfile_free(&t);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(authfile_load(path, &cfg, &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "readable or writable by group or others"));
	ck_assert_int_eq(chmod(path, 0600), 0);
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "smtp:[t.example] hunter2\n", 25), 25);
	close(fd);
	ck_assert_int_eq(authfile_load(path, &cfg, &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/auth:2: password missing"));
	ck_assert_ptr_null(strstr(err, "hunter2"));	/* no password in a diagnostic */
	unlink(path);
	ck_assert_int_eq(authfile_load(path, &cfg, &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	rmdir(dir);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("authfile");
	TCase *tc = tcase_create("authfile");

	tcase_add_checked_fixture(tc, cfg_setup, NULL);
	tcase_add_test(tc, lines_and_keys);
	tcase_add_test(tc, rejects);
	tcase_add_test(tc, file_mode);
	suite_add_tcase(s, tc);
	return s;
}
