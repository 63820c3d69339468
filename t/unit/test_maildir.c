/* test_maildir - relay/maildir.c: path components from remote addresses
 * (no traversal), template expansion, unique names, Delivered-To loops,
 * and deliveries into a temporary tree: tmp → new, the added header lines,
 * LF line ends, created Maildirs, symbolic links refused. */
#include <check.h>
#include "t/unit/check_main.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relay/maildir.h"

static char root[64];

static void setup(void)
{
	strcpy(root, "/tmp/test_maildir.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *component(const char *in)
{
	static char out[800];

	if (maildir_component(in, strlen(in), out, sizeof out) < 0)
		return NULL;
	return out;
}

START_TEST(components)
{
	ck_assert_str_eq(component("Alice"), "alice");
	ck_assert_str_eq(component("first.last+tag-x_y"), "first.last+tag-x_y");
	ck_assert_str_eq(component("Example.TEST"), "example.test");
	ck_assert_str_eq(component("."), "%2E");
	ck_assert_str_eq(component(".."), "%2E.");
	ck_assert_str_eq(component(".hidden"), "%2Ehidden");
	ck_assert_str_eq(component("../../etc"), "%2E.%2F..%2Fetc");
	ck_assert_str_eq(component("a/b"), "a%2Fb");
	ck_assert_str_eq(component("100%"), "100%25");
	ck_assert_str_eq(component("\"a b\""), "%22a%20b%22");
	ck_assert_str_eq(component("\xc3\xa9t\xc3\xa9"), "%C3%A9t%C3%A9");
	ck_assert_str_eq(component("[192.0.2.1]"), "%5B192.0.2.1%5D");
	ck_assert_ptr_null(component(""));
	{
		char out[4];
		ck_assert_int_eq(maildir_component("abcd", 4, out, sizeof out), -1);
		ck_assert_int_eq(maildir_component("abc", 3, out, sizeof out), 0);
		ck_assert_int_eq(maildir_component("/", 1, out, sizeof out), 0);
		ck_assert_str_eq(out, "%2F");
	}
}
END_TEST

START_TEST(paths)
{
	char p[4096];
	size_t fixed;

	ck_assert_int_eq(maildir_path("/var/mail/%d/%u/", "Alice@Example.TEST", p, sizeof p, &fixed), 0);
	ck_assert_str_eq(p, "/var/mail/example.test/alice/");
	ck_assert_uint_eq(fixed, 10);
	ck_assert_int_eq(maildir_path("/m/%%/x%d-%u", "a@b.test", p, sizeof p, &fixed), 0);
	ck_assert_str_eq(p, "/m/%/xb.test-a");
	ck_assert_uint_eq(fixed, 5);
	ck_assert_int_eq(maildir_path("/%u", "a@b.test", p, sizeof p, &fixed), 0);
	ck_assert_str_eq(p, "/a");
	ck_assert_uint_eq(fixed, 1);
	ck_assert_int_eq(maildir_path("/var/mail/shared/", "a@b.test", p, sizeof p, &fixed), 0);
	ck_assert_uint_eq(fixed, strlen("/var/mail/shared/"));
	/* remote text never leaves its component */
	ck_assert_int_eq(maildir_path("/var/mail/%d/%u/", "../../etc/passwd@x.test", p, sizeof p, &fixed), 0);
	ck_assert_str_eq(p, "/var/mail/x.test/%2E.%2F..%2Fetc%2Fpasswd/");
	ck_assert_int_eq(maildir_path("/var/mail/%d/%u/", "\"a/b\"@x.test", p, sizeof p, &fixed), 0);
	ck_assert_str_eq(p, "/var/mail/x.test/%22a%2Fb%22/");
	ck_assert_int_eq(maildir_path("/var/mail/%d/%u/", "..@..", p, sizeof p, &fixed), 0);
	ck_assert_str_eq(p, "/var/mail/%2E./%2E./");
	ck_assert_int_eq(maildir_path("/var/mail/%d/%u/", "no-at", p, sizeof p, &fixed), -1);
	ck_assert_int_eq(maildir_path("/var/mail/%d/%u/", "@x.test", p, sizeof p, &fixed), -1);
	ck_assert_int_eq(maildir_path("/var/mail/%d/%u/", "a@", p, sizeof p, &fixed), -1);
	ck_assert_int_eq(maildir_path("/var/mail/%d/%u/", "a@b.test", p, 12, &fixed), -1);
}
END_TEST

START_TEST(names)
{
	char n[256];

	ck_assert_int_eq(maildir_name(n, sizeof n, 1700000000, 42, 1234, 7, "mx.example.test"), 0);
	ck_assert_str_eq(n, "1700000000.M000042P1234Q7.mx.example.test");
	ck_assert_int_eq(maildir_name(n, sizeof n, 1, 999999, 2, 0, "a/b:c"), 0);
	ck_assert_str_eq(n, "1.M999999P2Q0.a\\057b\\072c");
	ck_assert_int_eq(maildir_name(n, 10, 1, 2, 3, 4, "h"), -1);
}
END_TEST

static int message_fd(const char *text)
{
	char p[128];
	int fd;

	snprintf(p, sizeof p, "%s/message", root);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

START_TEST(loops)
{
	const char *m = "Received: x\r\nDelivered-To:  Alice@Example.test \r\nSubject: s\r\n\r\n"
			"Delivered-To: bob@example.test\r\n";
	int fd = message_fd(m);

	ck_assert_int_eq(maildir_loops(fd, strlen(m), "alice@example.test"), 1);
	ck_assert_int_eq(maildir_loops(fd, strlen(m), "bob@example.test"), 0);	/* body only */
	ck_assert_int_eq(maildir_loops(fd, strlen(m), "alice@example.tes"), 0);
	close(fd);
	fd = message_fd("Subject: no end of header\r\n");	/* shorter than it claims */
	ck_assert_int_eq(maildir_loops(fd, 100, "bob@example.test"), -1);
	close(fd);
}
END_TEST

/* The only file in dir (NULL if none or several). */
static char *only_file(const char *dir)
{
	static char name[512];
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return NULL;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(name, sizeof name, "%s", e->d_name);
			n++;
		}
	closedir(d);
	return n == 1 ? name : NULL;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof buf - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

START_TEST(deliveries)
{
	const char *text = "Subject: hi\r\n\r\nline 1\r\na lone \r stays\r\n";
	struct maildir_message m = { "s@client.test", -1, 0 };
	struct deliver_rcpt_result res;
	char tmpl[128], p[512], *f;
	struct stat st;

	m.fd = message_fd(text);
	m.len = strlen(text);
	snprintf(tmpl, sizeof tmpl, "%s/%%d/%%u/", root);
	maildir_deliver(&m, tmpl, "Alice@Example.TEST", &res);
	ck_assert_int_eq(res.code, 250);
	ck_assert_str_eq(res.enhanced, "2.0.0");
	snprintf(p, sizeof p, "%s/example.test/alice/new", root);
	f = only_file(p);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(res.text, f));
	snprintf(p, sizeof p, "%s/example.test/alice/new/%s", root, f);
	ck_assert_str_eq(slurp(p), "Return-Path: <s@client.test>\nDelivered-To: Alice@Example.TEST\n"
			 "Subject: hi\n\nline 1\na lone \r stays\n");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	snprintf(p, sizeof p, "%s/example.test/alice/tmp", root);
	ck_assert_ptr_null(only_file(p));	/* tmp/ left empty */
	snprintf(p, sizeof p, "%s/example.test/alice/cur", root);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0700);

	/* a second delivery: another name beside the first */
	maildir_deliver(&m, tmpl, "alice@example.test", &res);
	ck_assert_int_eq(res.code, 250);
	snprintf(p, sizeof p, "%s/example.test/alice/new", root);
	ck_assert_ptr_null(only_file(p));

	/* the null sender */
	m.sender = "";
	maildir_deliver(&m, tmpl, "bob@example.test", &res);
	ck_assert_int_eq(res.code, 250);
	snprintf(p, sizeof p, "%s/example.test/bob/new", root);
	f = only_file(p);
	snprintf(p, sizeof p, "%s/example.test/bob/new/%s", root, f);
	ck_assert_int_eq(strncmp(slurp(p), "Return-Path: <>\nDelivered-To: bob@example.test\n", 47), 0);
	close(m.fd);
}
END_TEST

START_TEST(refusals)
{
	const char *looped = "Delivered-To: alice@example.test\r\nSubject: again\r\n\r\nx\r\n";
	struct maildir_message m = { "s@client.test", -1, 0 };
	struct deliver_rcpt_result res;
	char tmpl[128], p[512], target[512];
	struct stat st;

	m.fd = message_fd(looped);
	m.len = strlen(looped);
	snprintf(tmpl, sizeof tmpl, "%s/%%d/%%u/", root);
	maildir_deliver(&m, tmpl, "alice@example.test", &res);
	ck_assert_int_eq(res.code, 554);
	ck_assert_str_eq(res.enhanced, "5.4.6");
	snprintf(p, sizeof p, "%s/example.test", root);
	ck_assert_int_eq(stat(p, &st), -1);	/* nothing created for a loop */

	/* the administrator's part of the path must exist */
	snprintf(tmpl, sizeof tmpl, "%s/missing/%%d/%%u/", root);
	maildir_deliver(&m, tmpl, "bob@example.test", &res);
	ck_assert_int_eq(res.code, 451);
	ck_assert_str_eq(res.enhanced, "4.3.0");

	/* a symbolic link planted where a Maildir goes is not followed */
	snprintf(tmpl, sizeof tmpl, "%s/%%d/%%u/", root);
	snprintf(p, sizeof p, "%s/example.test", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(target, sizeof target, "%s/elsewhere", root);
	ck_assert_int_eq(mkdir(target, 0700), 0);
	snprintf(p, sizeof p, "%s/example.test/carol", root);
	ck_assert_int_eq(symlink(target, p), 0);
	maildir_deliver(&m, tmpl, "carol@example.test", &res);
	ck_assert_int_eq(res.code, 451);
	ck_assert_ptr_null(only_file(target));

	/* a traversal attempt lands inside the tree, under an encoded name */
	maildir_deliver(&m, tmpl, "../../x@..", &res);
	ck_assert_int_eq(res.code, 250);
	snprintf(p, sizeof p, "%s/%%2E./%%2E.%%2F..%%2Fx/new", root);
	ck_assert_ptr_nonnull(only_file(p));
	close(m.fd);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("maildir");
	TCase *tc = tcase_create("maildir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, components);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, names);
	tcase_add_test(tc, loops);
	tcase_add_test(tc, deliveries);
	tcase_add_test(tc, refusals);
	suite_add_tcase(s, tc);
	return s;
}
