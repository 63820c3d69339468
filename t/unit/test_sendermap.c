/*
 * test_sendermap - sender-login-map (smtpd/sendermap.c): exact address
 * before @domain, several logins, case, comments, an address nobody owns,
 * and every reject of the file (syntax, bad login, long line, size, type).
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpd/sendermap.h"

static char path[64];
static char err[512];

static void map(const char *text, size_t len)
{
	FILE *f;

	strcpy(path, "/tmp/tern-sendermap.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

static enum sendermap_result check(const char *sender, const char *login)
{
	err[0] = '\0';
	return sendermap_check(path, sender, login, err, sizeof err);
}

static const char good_map[] =
	"# who may send as whom\n"
	"alice@example.test   alice\n"
	"shared@example.test alice, bob,carol\n"
	"\n"
	"@example.test\tadmin   # the rest of the domain\n"
	"@Other.Test bob\n"
	"nobody@other.test admin\n"
	"@Other.Test carol\n";

START_TEST(owners)
{
	map(good_map, strlen(good_map));
	ck_assert_int_eq(check("alice@example.test", "alice"), SENDERMAP_OWNED);
	ck_assert_int_eq(check("ALICE@Example.TEST", "alice"), SENDERMAP_OWNED);
	ck_assert_int_eq(check("alice@example.test", "Alice"), SENDERMAP_NOT_OWNED);
	ck_assert_int_eq(check("alice@example.test", "bob"), SENDERMAP_NOT_OWNED);
	/* the address entry decides, not the domain's */
	ck_assert_int_eq(check("alice@example.test", "admin"), SENDERMAP_NOT_OWNED);
	ck_assert_int_eq(check("shared@example.test", "bob"), SENDERMAP_OWNED);
	ck_assert_int_eq(check("shared@example.test", "carol"), SENDERMAP_OWNED);
	ck_assert_int_eq(check("shared@example.test", "dave"), SENDERMAP_NOT_OWNED);
	ck_assert_int_eq(check("anyone@example.test", "admin"), SENDERMAP_OWNED);
	ck_assert_int_eq(check("anyone@example.test", "alice"), SENDERMAP_NOT_OWNED);
	ck_assert_int_eq(check("x@other.test", "bob"), SENDERMAP_OWNED);
	/* the first entry for a key counts */
	ck_assert_int_eq(check("x@other.test", "carol"), SENDERMAP_NOT_OWNED);
	ck_assert_int_eq(check("nobody@other.test", "bob"), SENDERMAP_NOT_OWNED);
	/* nobody owns what no entry names */
	ck_assert_int_eq(check("alice@elsewhere.test", "alice"), SENDERMAP_NOT_OWNED);
	ck_assert_int_eq(check("sub.example.test@x", "admin"), SENDERMAP_NOT_OWNED);
	ck_assert_int_eq(check("a@sub.example.test", "admin"), SENDERMAP_NOT_OWNED);
	unlink(path);
}
END_TEST

START_TEST(bad_files)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "alice@example.test\n", ":1: not 'ADDRESS" },
		{ "ok@x.test a\nexample.test alice\n", ":2: not 'ADDRESS" },
		{ "a@b@c alice\n", ":1: not 'ADDRESS" },
		{ "alice@ alice\n", ":1: not 'ADDRESS" },
		{ "@ alice\n", ":1: not 'ADDRESS" },
		{ "a@b.test al:ice\n", ":1: a login with characters" },
		{ "a@b.test alice,,(x)\n", ":1: a login with characters" },
		{ "a@b.test alice\x01\n", ":1: a login with characters" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		map(cases[i].text, strlen(cases[i].text));
		/* a mistake anywhere is reported, whichever sender is asked for */
		ck_assert_int_eq(check("zz@zz.test", "alice"), SENDERMAP_ERROR);
		ck_assert_msg(strstr(err, cases[i].want) && strncmp(err, path, strlen(path)) == 0,
			      "%s: %s", cases[i].text, err);
		unlink(path);
	}
}
END_TEST

START_TEST(bounds)
{
	static char text[SENDERMAP_LINE_MAX + 64];
	size_t n;

	memcpy(text, "a@b.test", 8);
	memset(text + 8, ' ', SENDERMAP_LINE_MAX - 9);
	text[SENDERMAP_LINE_MAX - 1] = 'x';
	text[SENDERMAP_LINE_MAX] = '\n';
	n = SENDERMAP_LINE_MAX + 1;	/* a line of exactly the maximum */
	map(text, n);
	ck_assert_int_eq(check("a@b.test", "x"), SENDERMAP_OWNED);
	unlink(path);
	text[SENDERMAP_LINE_MAX] = 'x';
	text[SENDERMAP_LINE_MAX + 1] = '\n';
	map(text, n + 1);
	ck_assert_int_eq(check("a@b.test", "x"), SENDERMAP_ERROR);
	ck_assert_ptr_nonnull(strstr(err, ":1: line longer than"));
	unlink(path);
	map("a@b.test al\0ice\n", 16);
	ck_assert_int_eq(check("a@b.test", "alice"), SENDERMAP_ERROR);
	unlink(path);
}
END_TEST

START_TEST(not_a_small_regular_file)
{
	FILE *f;

	strcpy(path, "/tmp");
	ck_assert_int_eq(check("a@b.test", "x"), SENDERMAP_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	strcpy(path, "/nonexistent/map");
	ck_assert_int_eq(check("a@b.test", "x"), SENDERMAP_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/map: cannot open"));
	map("", 0);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fseek(f, SENDERMAP_FILE_MAX, SEEK_SET), 0);
	fputc('\n', f);
	fclose(f);
	ck_assert_int_eq(check("a@b.test", "x"), SENDERMAP_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file of at most"));
	unlink(path);
	map("", 0);	/* empty: nobody owns anything */
	ck_assert_int_eq(check("a@b.test", "x"), SENDERMAP_NOT_OWNED);
	unlink(path);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("sendermap");
	TCase *tc = tcase_create("sendermap");

	tcase_add_test(tc, owners);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, not_a_small_regular_file);
	suite_add_tcase(s, tc);
	return s;
}
