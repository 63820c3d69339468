/*
 * test_mailinput - sendmail's input: line ends to CRLF, the "." line, the
 * header block's end, fields, RFC 5322 address lists.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <string.h>

#include "queue/mailinput.h"

static const char *norm(const char *in, int dot_ends, int *rc)
{
	static struct str out;
	struct mailinput m;

	str_free(&out);
	out = (struct str)STR_INIT(0);
	mailinput_init(&m, dot_ends);
	*rc = mailinput_feed(&m, in, strlen(in), &out);
	if (*rc == 0)
		*rc = mailinput_finish(&m, &out);
	return str_cstr(&out);
}

static const struct {
	const char *in;
	int dot_ends;
	const char *out;
	int rc;
} norm_cases[] = {
	{ "a\nb\n", 1, "a\r\nb\r\n", 0 },
	{ "a\r\nb\r\n", 1, "a\r\nb\r\n", 0 },
	{ "a\rb\r", 1, "a\r\nb\r\n", 0 },
	{ "a\r\r\nb", 1, "a\r\n\r\nb\r\n", 0 },
	{ "no end", 1, "no end\r\n", 0 },
	{ "a\n.\nb\n", 1, "a\r\n", 1 },
	{ "a\r\n.\r\nb\r\n", 1, "a\r\n", 1 },
	{ "a\n.", 1, "a\r\n", 1 },
	{ "a\n.\nb\n", 0, "a\r\n.\r\nb\r\n", 0 },
	{ "a\n..\n.x\n", 1, "a\r\n..\r\n.x\r\n", 0 },
	{ "", 1, "", 0 },
};

START_TEST(normalise)
{
	int rc;
	const char *got = norm(norm_cases[_i].in, norm_cases[_i].dot_ends, &rc);

	ck_assert_str_eq(got, norm_cases[_i].out);
	ck_assert_int_eq(rc, norm_cases[_i].rc);
}
END_TEST

START_TEST(normalise_split_crlf)
{
	struct str out = STR_INIT(0);
	struct mailinput m;

	mailinput_init(&m, 1);
	ck_assert_int_eq(mailinput_feed(&m, "a\r", 2, &out), 0);
	ck_assert_int_eq(mailinput_feed(&m, "\n.", 2, &out), 0);
	ck_assert_int_eq(mailinput_feed(&m, "\r", 1, &out), 0);
	ck_assert_int_eq(mailinput_feed(&m, "\nrest", 5, &out), 1);
	ck_assert_str_eq(str_cstr(&out), "a\r\n");
	str_free(&out);
}
END_TEST

static const struct {
	const char *in;
	int found;
	size_t hdr_len, body_start;
} hdr_cases[] = {
	{ "A: 1\r\nB: 2\r\n\r\nbody\r\n", 1, 12, 14 },
	{ "A: 1\r\n  cont\r\n\r\n", 1, 14, 16 },
	{ "A: 1\r\nnot a header\r\n", 1, 6, 6 },
	{ "plain text\r\n", 1, 0, 0 },
	{ " leading space\r\n", 1, 0, 0 },
	{ ": no name\r\n", 1, 0, 0 },
	{ "A: 1\r\nB: incomplete", 0, 0, 0 },
};

START_TEST(header_end)
{
	size_t scan = 0, hl = 99, bs = 99;
	const char *in = hdr_cases[_i].in;
	int found = mailinput_header_end(in, strlen(in), &scan, &hl, &bs);

	ck_assert_int_eq(found, hdr_cases[_i].found);
	if (found) {
		ck_assert_uint_eq(hl, hdr_cases[_i].hdr_len);
		ck_assert_uint_eq(bs, hdr_cases[_i].body_start);
	}
}
END_TEST

START_TEST(fields)
{
	const char *h = "To: a@b,\r\n c@d\r\nSubject: x\r\n";
	struct mailinput_field f;
	size_t pos = 0;

	ck_assert(mailinput_field_next(h, strlen(h), &pos, &f));
	ck_assert(mailinput_field_is(&f, "to"));
	ck_assert_uint_eq(f.len, 16);
	ck_assert_int_eq(strncmp(f.value, " a@b,\r\n c@d", f.value_len), 0);
	ck_assert_uint_eq(f.value_len, 11);
	ck_assert(mailinput_field_next(h, strlen(h), &pos, &f));
	ck_assert(mailinput_field_is(&f, "Subject"));
	ck_assert(!mailinput_field_is(&f, "Subj"));
	ck_assert(!mailinput_field_next(h, strlen(h), &pos, &f));
}
END_TEST

static char got[512];

static int collect(void *ctx, const char *a, size_t n)
{
	(void)ctx;
	strncat(got, a, n);
	strcat(got, "|");
	return 0;
}

static const struct {
	const char *in, *out;
} list_cases[] = {
	{ "a@b", "a@b|" },
	{ "Joe <j@x>, k@y", "j@x|k@y|" },
	{ "\"Smith, J\" <s@x>", "s@x|" },
	{ "g: a@x, b@y;, c@z", "a@x|b@y|c@z|" },
	{ "a (comment, with comma) @x", "a@x|" },
	{ "<@r1,@r2:q@x>", "q@x|" },
	{ "\"quoted local\"@x", "\"quoted local\"@x|" },
	{ "undisclosed-recipients:;", "" },
	{ " , ,", "" },
	{ "x <a@b> y", "a@b|" },
};

START_TEST(address_lists)
{
	got[0] = 0;
	ck_assert_int_eq(mailinput_addrlist(list_cases[_i].in, strlen(list_cases[_i].in),
					    collect, NULL), 0);
	ck_assert_str_eq(got, list_cases[_i].out);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("mailinput");
	TCase *tc = tcase_create("mailinput");

	tcase_add_loop_test(tc, normalise, 0, sizeof norm_cases / sizeof norm_cases[0]);
	tcase_add_test(tc, normalise_split_crlf);
	tcase_add_loop_test(tc, header_end, 0, sizeof hdr_cases / sizeof hdr_cases[0]);
	tcase_add_test(tc, fields);
	tcase_add_loop_test(tc, address_lists, 0, sizeof list_cases / sizeof list_cases[0]);
	suite_add_tcase(s, tc);
	return s;
}
