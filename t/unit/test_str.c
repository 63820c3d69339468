/* test_str - lib/str.c: appends, limits, all-or-nothing, size_add. */
#include <check.h>
#include "t/unit/check_main.h"
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "str.h"

START_TEST(empty_cstr)
{
	struct str s = STR_INIT(0);

	ck_assert_str_eq(str_cstr(&s), "");
	ck_assert_uint_eq(s.len, 0);
	str_free(&s);
}
END_TEST

START_TEST(appends)
{
	struct str s = STR_INIT(0);

	ck_assert_int_eq(str_appendz(&s, "ab"), 0);
	ck_assert_int_eq(str_appendc(&s, 'c'), 0);
	ck_assert_int_eq(str_append(&s, "d\0e", 3), 0);
	ck_assert_int_eq(str_appendf(&s, "<%d:%s>", 42, "x"), 0);
	ck_assert_int_eq(str_appendu(&s, 0), 0);
	ck_assert_int_eq(str_appendu(&s, 18446744073709551615ULL), 0);
	ck_assert_uint_eq(s.len, 6 + 6 + 1 + 20);
	ck_assert_int_eq(memcmp(s.s, "abcd\0e<42:x>018446744073709551615", s.len), 0);
	ck_assert_int_eq(str_cstr(&s)[s.len], '\0');
	str_free(&s);
	ck_assert_ptr_null(s.s);
	ck_assert_uint_eq(s.len, 0);
}
END_TEST

START_TEST(growth)
{
	struct str s = STR_INIT(0);
	size_t i;

	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(str_appendc(&s, (char)('a' + i % 26)), 0);
	ck_assert_uint_eq(s.len, 100000);
	ck_assert_int_eq(s.s[99999], 'a' + 99999 % 26);
	ck_assert_uint_eq(strlen(str_cstr(&s)), 100000);
	str_free(&s);
}
END_TEST

START_TEST(limit_all_or_nothing)
{
	struct str s = STR_INIT(5);

	ck_assert_int_eq(str_appendz(&s, "abc"), 0);
	errno = 0;
	ck_assert_int_eq(str_appendz(&s, "def"), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_str_eq(str_cstr(&s), "abc");
	ck_assert_int_eq(str_appendf(&s, "%s", "xyz"), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_str_eq(str_cstr(&s), "abc");
	ck_assert_int_eq(str_appendu(&s, 123), -1);
	ck_assert_uint_eq(s.len, 3);
	ck_assert_int_eq(str_appendz(&s, "de"), 0);	/* exactly the limit */
	ck_assert_str_eq(str_cstr(&s), "abcde");
	ck_assert_int_eq(str_appendc(&s, 'f'), -1);
	ck_assert_str_eq(str_cstr(&s), "abcde");
	str_free(&s);
}
END_TEST

START_TEST(huge_append_refused)
{
	struct str s = STR_INIT(0);

	ck_assert_int_eq(str_appendz(&s, "x"), 0);
	ck_assert_int_eq(str_append(&s, "y", SIZE_MAX), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_str_eq(str_cstr(&s), "x");
	str_free(&s);
}
END_TEST

START_TEST(truncate)
{
	struct str s = STR_INIT(0);

	str_appendz(&s, "hello");
	str_truncate(&s, 10);
	ck_assert_str_eq(str_cstr(&s), "hello");
	str_truncate(&s, 2);
	ck_assert_str_eq(str_cstr(&s), "he");
	ck_assert_uint_eq(s.len, 2);
	str_truncate(&s, 0);
	ck_assert_str_eq(str_cstr(&s), "");
	str_appendz(&s, "z");
	ck_assert_str_eq(str_cstr(&s), "z");
	str_free(&s);
	str_truncate(&s, 0);	/* on a freed str: no-op */
}
END_TEST

START_TEST(size_add_overflow)
{
	size_t sum = 7;

	ck_assert_int_eq(size_add(1, 2, &sum), 0);
	ck_assert_uint_eq(sum, 3);
	ck_assert_int_eq(size_add(SIZE_MAX, 0, &sum), 0);
	ck_assert_uint_eq(sum, SIZE_MAX);
	sum = 7;
	ck_assert_int_eq(size_add(SIZE_MAX, 1, &sum), -1);
	ck_assert_int_eq(size_add(1, SIZE_MAX, &sum), -1);
	ck_assert_uint_eq(sum, 7);
}
END_TEST

START_TEST(parse_ull)
{
	unsigned long long v;

	ck_assert_int_eq(str_parse_ull("0", 1, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(str_parse_ull("18446744073709551615", 20, &v), 0);
	ck_assert(v == 18446744073709551615ULL);
	ck_assert_int_eq(str_parse_ull("18446744073709551616", 20, &v), -2);
	ck_assert_int_eq(str_parse_ull("99999999999999999999999", 23, &v), -2);
	ck_assert_int_eq(str_parse_ull("", 0, &v), -1);
	ck_assert_int_eq(str_parse_ull("+1", 2, &v), -1);
	ck_assert_int_eq(str_parse_ull("1 ", 2, &v), -1);
	ck_assert_int_eq(str_parse_ull("0x1", 3, &v), -1);
	ck_assert_int_eq(str_parse_ull("12", 1, &v), 0);	/* only n bytes */
	ck_assert_uint_eq(v, 1);
}
END_TEST

START_TEST(errorf)
{
	char err[8] = "x";

	ck_assert_int_eq(str_errorf(err, sizeof err, "%s: %d", "abc", 12345), -1);
	ck_assert_str_eq(err, "abc: 12");	/* cut to fit */
	ck_assert_int_eq(str_errorf(err, 0, "%s", "nothing"), -1);
	ck_assert_str_eq(err, "abc: 12");
}
END_TEST

#define U(lit) str_utf8_len((const unsigned char *)(lit), sizeof(lit) - 1)

START_TEST(utf8_len)
{
	ck_assert_uint_eq(U("\xc3\xb6"), 2);
	ck_assert_uint_eq(U("\xe2\x82\xac"), 3);
	ck_assert_uint_eq(U("\xf0\x9f\x98\x80"), 4);
	ck_assert_uint_eq(U("\xf4\x8f\xbf\xbf"), 4);	/* U+10FFFF */
	ck_assert_uint_eq(U("\xc3"), 0);			/* cut short */
	ck_assert_uint_eq(U("\xc0\x80"), 0);		/* overlong NUL */
	ck_assert_uint_eq(U("\xe0\x80\xaf"), 0);		/* overlong */
	ck_assert_uint_eq(U("\xed\xa0\x80"), 0);		/* surrogate */
	ck_assert_uint_eq(U("\xf4\x90\x80\x80"), 0);	/* above U+10FFFF */
	ck_assert_uint_eq(U("\xc3("), 0);
	ck_assert_uint_eq(U("\x80"), 0);
	ck_assert_uint_eq(U("\xff"), 0);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("str");
	TCase *tc = tcase_create("str");

	tcase_add_test(tc, empty_cstr);
	tcase_add_test(tc, appends);
	tcase_add_test(tc, growth);
	tcase_add_test(tc, limit_all_or_nothing);
	tcase_add_test(tc, huge_append_refused);
	tcase_add_test(tc, truncate);
	tcase_add_test(tc, size_add_overflow);
	tcase_add_test(tc, parse_ull);
	tcase_add_test(tc, errorf);
	tcase_add_test(tc, utf8_len);
	suite_add_tcase(s, tc);
	return s;
}
