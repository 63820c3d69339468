/*
 * test_addr - lib/addr.c: a table of valid and invalid paths and mailboxes
 * (RFC 5321 §4.1.2, §4.1.3, §4.5.3.1; RFC 6531), one row per reject branch,
 * plus the length limits at and over 64/255/256 octets.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <string.h>

#include "addr.h"
#include "guarded.h"

#define N ADDR_ALLOW_NULL
#define U ADDR_UTF8

struct row {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	int flags;
	enum addr_result want;
	const char *text;	/* on ADDR_OK: a->text */
	size_t consumed;	/* on ADDR_OK */
	int literal;
};

static const struct row paths[] = {
	{ "<user@example.test>", 0, 0, ADDR_OK, "user@example.test", 19, 0 },
	{ "<User.Name+tag@Sub.Example.TEST>", 0, 0, ADDR_OK, "User.Name+tag@Sub.Example.TEST", 32, 0 },
	{ "<a!#$%&'*+-/=?^_`{|}~@x.y>", 0, 0, ADDR_OK, "a!#$%&'*+-/=?^_`{|}~@x.y", 26, 0 },
	{ "<a@b> SIZE=10", 0, 0, ADDR_OK, "a@b", 5, 0 },
	{ "<a@b>x", 0, 0, ADDR_OK, "a@b", 5, 0 },	/* junk after ">" is the caller's */
	{ "<a@xn--bcher-kva.example>", 0, 0, ADDR_OK, "a@xn--bcher-kva.example", 25, 0 },
	{ "<a@1-2.3>", 0, 0, ADDR_OK, "a@1-2.3", 9, 0 },
	/* quoted local parts and escapes */
	{ "<\"john doe\"@example.test>", 0, 0, ADDR_OK, "\"john doe\"@example.test", 25, 0 },
	{ "<\"a\\\"b\\\\c\"@x>", 0, 0, ADDR_OK, "\"a\\\"b\\\\c\"@x", 13, 0 },
	{ "<\"a@b>c\"@x>", 0, 0, ADDR_OK, "\"a@b>c\"@x", 11, 0 },
	{ "<\"\"@x>", 0, 0, ADDR_OK, "\"\"@x", 6, 0 },
	{ "<\"a\\ b\"@x>", 0, 0, ADDR_OK, "\"a\\ b\"@x", 10, 0 },
	{ "<\"unterminated@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"a\\\x01\"@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"a\x7f\"@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"a\tb\"@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"a\"b@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"a\\", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	/* dots */
	{ "<.a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a.@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a..b@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@.x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x.>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x..y>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	/* domains */
	{ "<a@-x.y>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x-.y>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x_y.z>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@b@c>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a b@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x y>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<(c)a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	/* address literals */
	{ "<a@[192.0.2.1]>", 0, 0, ADDR_OK, "a@[192.0.2.1]", 15, 1 },
	{ "<a@[IPv6:2001:db8::1]>", 0, 0, ADDR_OK, "a@[IPv6:2001:db8::1]", 22, 1 },
	{ "<a@[ipv6:::1]>", 0, 0, ADDR_OK, "a@[ipv6:::1]", 14, 1 },
	{ "<a@[IPv6:::ffff:192.0.2.1]>", 0, 0, ADDR_OK, "a@[IPv6:::ffff:192.0.2.1]", 27, 1 },
	{ "<a@[192.0.2.256]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[192.0.2]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[192.0.2.01]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[2001:db8::1]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[IPv6:2001:db8::g]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[IPv6:1.2.3.4]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[x-tag:content]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[IPv6:0000:0000:0000:0000:0000:0000:0000:0000:0000]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	{ "<a@[1.2.3.4>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@[1.2.3.4]x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@[1.2.3.4\0]>", 14, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	/* source routes: accepted, discarded */
	{ "<@relay.example:a@x>", 0, 0, ADDR_OK, "a@x", 20, 0 },
	{ "<@r1.example,@r2.example:a@x>", 0, 0, ADDR_OK, "a@x", 29, 0 },
	{ "<@r1.example,r2.example:a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<@r1.example a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<@:a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<@[1.2.3.4]:a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	/* null path */
	{ "<>", 0, N, ADDR_OK, "", 2, 0 },
	{ "<> SIZE=1", 0, N, ADDR_OK, "", 2, 0 },
	{ "<>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "< >", 0, N, ADDR_SYNTAX, NULL, 0, 0 },
	/* brackets */
	{ "", 0, N, ADDR_SYNTAX, NULL, 0, 0 },
	{ "a@x", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ " <a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<<a@x>>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	/* CR, LF, NUL anywhere */
	{ "<a\r@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x\n>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a\0b@x>", 7, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x\0>", 6, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"a\r\nb\"@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"a\\\r\"@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"a\0\"@x>", 8, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@[1.2.3.4\r]>", 0, 0, ADDR_BAD_LITERAL, NULL, 0, 0 },
	/* UTF-8 (RFC 6531 §3.3) with and without the flag */
	{ "<j\xc3\xb6rg@example.test>", 0, U, ADDR_OK, "j\xc3\xb6rg@example.test", 20, 0 },
	{ "<j\xc3\xb6rg@example.test>", 0, 0, ADDR_UTF8_NOT_ALLOWED, NULL, 0, 0 },
	{ "<a@b\xc3\xbc" "cher.example>", 0, U, ADDR_OK, "a@b\xc3\xbc" "cher.example", 19, 0 },
	{ "<a@b\xc3\xbc" "cher.example>", 0, 0, ADDR_UTF8_NOT_ALLOWED, NULL, 0, 0 },
	{ "<\"\xe2\x82\xac\"@x>", 0, U, ADDR_OK, "\"\xe2\x82\xac\"@x", 9, 0 },
	{ "<\"\xe2\x82\xac\"@x>", 0, 0, ADDR_UTF8_NOT_ALLOWED, NULL, 0, 0 },
	{ "<\xf0\x9f\x98\x80@x>", 0, U, ADDR_OK, "\xf0\x9f\x98\x80@x", 8, 0 },
	{ "<\xc0\xaf@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },		/* overlong '/' */
	{ "<\xe0\x80\xaf@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },	/* overlong 3 */
	{ "<\xf0\x80\x80\xaf@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },	/* overlong 4 */
	{ "<\xed\xa0\x80@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },	/* surrogate */
	{ "<\xf4\x90\x80\x80@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },	/* > U+10FFFF */
	{ "<\xf5\x80\x80\x80@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\x80@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },		/* lone continuation */
	{ "<\xc3@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },		/* truncated */
	{ "<\xc3", 0, U, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\xc0\xaf@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },		/* invalid beats the flag */
	{ "<a@\xed\xa0\x80.x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<\"\xff\"@x>", 0, U, ADDR_SYNTAX, NULL, 0, 0 },
};

/* Every prefix of every row, ending at an unreadable page: the parser
 * reads nothing past the length it is given. */
START_TEST(path_prefixes_read_nothing_past_the_end)
{
	const struct row *t = &paths[_i];
	size_t len = t->len ? t->len : strlen(t->in), k, consumed;
	struct addr a;

	for (k = 0; k <= len; k++) {
		addr_parse_path(guarded_mem(t->in, k), k, t->flags, &a, &consumed);
		addr_parse_mailbox(guarded_mem(t->in, k), k, t->flags, &a);
		guarded_free();
	}
}
END_TEST

START_TEST(path_table)
{
	const struct row *t = &paths[_i];
	size_t len = t->len ? t->len : strlen(t->in), consumed = 99;
	struct addr a;
	enum addr_result r = addr_parse_path(t->in, len, t->flags, &a, &consumed);

	ck_assert_msg(r == t->want, "row %d: got %d (%s), want %d", _i, r,
		      addr_result_text(r), t->want);
	if (r != ADDR_OK) {
		ck_assert_uint_eq(consumed, 0);
		ck_assert_str_eq(a.text, "");
		return;
	}
	ck_assert_str_eq(a.text, t->text);
	ck_assert_uint_eq(a.len, strlen(t->text));
	ck_assert_uint_eq(consumed, t->consumed);
	ck_assert_int_eq(a.is_literal, t->literal);
	if (a.len) {
		ck_assert_int_eq(a.text[a.local_len], '@');
		ck_assert_ptr_eq(a.domain, a.text + a.local_len + 1);
	}
}
END_TEST

static const struct row mailboxes[] = {
	{ "user@example.test", 0, 0, ADDR_OK, "user@example.test", 0, 0 },
	{ "a@[127.0.0.1]", 0, 0, ADDR_OK, "a@[127.0.0.1]", 0, 1 },
	{ "\"q q\"@x", 0, 0, ADDR_OK, "\"q q\"@x", 0, 0 },
	{ "a@x ", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "<a@x>", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "postmaster", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "a@x\n", 0, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "a@x\0y", 5, 0, ADDR_SYNTAX, NULL, 0, 0 },
	{ "\xc3\xa9@x", 0, 0, ADDR_UTF8_NOT_ALLOWED, NULL, 0, 0 },
	{ "\xc3\xa9@x", 0, U, ADDR_OK, "\xc3\xa9@x", 0, 0 },
};

START_TEST(mailbox_table)
{
	const struct row *t = &mailboxes[_i];
	size_t len = t->len ? t->len : strlen(t->in);
	struct addr a;
	enum addr_result r = addr_parse_mailbox(t->in, len, t->flags, &a);

	ck_assert_msg(r == t->want, "row %d: got %d, want %d", _i, r, t->want);
	if (r == ADDR_OK) {
		ck_assert_str_eq(a.text, t->text);
		ck_assert_int_eq(a.is_literal, t->literal);
	}
}
END_TEST

START_TEST(utf8_flag_reported)
{
	struct addr a;
	size_t n;

	ck_assert_int_eq(addr_parse_path("<a@b>", 5, U, &a, &n), ADDR_OK);
	ck_assert_int_eq(a.utf8, 0);
	ck_assert_int_eq(addr_parse_path("<\xc3\xa9@b>", 7, U, &a, &n), ADDR_OK);
	ck_assert_int_eq(a.utf8, 1);
}
END_TEST

/* "<" + local "@" + domain + ">" built from repeated characters */
static size_t build(char *out, size_t local, size_t domain)
{
	size_t n = 0, i;

	out[n++] = '<';
	for (i = 0; i < local; i++)
		out[n++] = 'l';
	out[n++] = '@';
	for (i = 0; i < domain; i++)	/* labels of 63 'd' separated by dots */
		out[n++] = (i % 64 == 63) ? '.' : 'd';
	if (out[n - 1] == '.') {	/* never end on a dot */
		out[n - 1] = 'd';
		out[n - 2] = '.';
	}
	out[n++] = '>';
	out[n] = '\0';
	return n;
}

START_TEST(local_part_64)
{
	char p[600];
	struct addr a;
	size_t n, len;

	len = build(p, 64, 10);
	ck_assert_int_eq(addr_parse_path(p, len, 0, &a, &n), ADDR_OK);
	ck_assert_uint_eq(a.local_len, 64);
	len = build(p, 65, 10);
	ck_assert_int_eq(addr_parse_path(p, len, 0, &a, &n), ADDR_LOCAL_TOO_LONG);
	/* quoted: the quotes count */
	memset(p, 'q', sizeof p);
	p[0] = '<'; p[1] = '"'; p[64] = '"'; memcpy(p + 65, "@x>", 4);
	ck_assert_int_eq(addr_parse_path(p, strlen(p), 0, &a, &n), ADDR_OK);
	p[64] = 'q'; p[65] = '"'; memcpy(p + 66, "@x>", 4);
	ck_assert_int_eq(addr_parse_path(p, strlen(p), 0, &a, &n), ADDR_LOCAL_TOO_LONG);
}
END_TEST

START_TEST(domain_255_256)
{
	char p[600];
	struct addr a;
	size_t len;

	/* a 255-octet domain is legal but can never fit in a 256-octet path */
	len = build(p, 1, 255);
	ck_assert_int_eq(p[len - 2], 'd');
	ck_assert_int_eq(addr_parse_mailbox(p + 1, len - 2, 0, &a), ADDR_PATH_TOO_LONG);
	len = build(p, 1, 256);
	ck_assert_int_eq(p[len - 2], 'd');
	ck_assert_int_eq(addr_parse_mailbox(p + 1, len - 2, 0, &a), ADDR_DOMAIN_TOO_LONG);
	/* a 64-octet label */
	memset(p, 'd', 64);
	memcpy(p, "a@", 2);
	memset(p + 2, 'd', 64);
	ck_assert_int_eq(addr_parse_mailbox(p, 66, 0, &a), ADDR_SYNTAX);
	ck_assert_int_eq(addr_parse_mailbox(p, 65, 0, &a), ADDR_OK);
}
END_TEST

START_TEST(path_256_257)
{
	char p[600];
	struct addr a;
	size_t len, n;

	len = build(p, 64, 190);	/* 1 + 64 + 1 + 190 + 1 = 257 */
	ck_assert_uint_eq(len, 257);
	ck_assert_int_eq(addr_parse_path(p, len, 0, &a, &n), ADDR_PATH_TOO_LONG);
	len = build(p, 64, 189);
	ck_assert_uint_eq(len, 256);
	ck_assert_int_eq(addr_parse_path(p, len, 0, &a, &n), ADDR_OK);
	ck_assert_uint_eq(n, 256);
	ck_assert_uint_eq(a.len, 254);
	ck_assert_int_eq(addr_parse_mailbox(p + 1, len - 2, 0, &a), ADDR_OK);
	len = build(p, 64, 190);
	ck_assert_int_eq(addr_parse_mailbox(p + 1, len - 2, 0, &a), ADDR_PATH_TOO_LONG);
	/* a source route counts towards the 256 */
	memcpy(p, "<@r.example:", 12);
	len = 12 + build(p + 12, 60, 10) - 1;
	memmove(p + 12, p + 13, len - 11);
	ck_assert_int_eq(addr_parse_path(p, len, 0, &a, &n), ADDR_OK);
	ck_assert_uint_eq(a.local_len, 60);
}
END_TEST

START_TEST(domain_equal)
{
	ck_assert_int_eq(addr_domain_equal("Example.TEST", "example.test"), 1);
	ck_assert_int_eq(addr_domain_equal("example.test", "example.tes"), 0);
	ck_assert_int_eq(addr_domain_equal("", ""), 1);
	ck_assert_int_eq(addr_domain_equal("\xc3\x89", "\xc3\xa9"), 0);
}
END_TEST

#define DV(z) addr_domain_valid((z), strlen(z))
#define LV(z) addr_literal_valid((z), strlen(z))

START_TEST(domain_and_literal_valid)
{
	char big[300];

	ck_assert(DV("example.test"));
	ck_assert(DV("a-b.9x.EXAMPLE"));
	ck_assert(DV("x"));
	ck_assert(!DV(""));
	ck_assert(!DV("-a.test"));
	ck_assert(!DV("a-.test"));
	ck_assert(!DV("a..test"));
	ck_assert(!DV("a.test."));
	ck_assert(!DV(".a.test"));
	ck_assert(!DV("a_b.test"));
	ck_assert(!DV("b\xc3\xbc.test"));	/* ASCII only */
	ck_assert(!DV("[127.0.0.1]"));
	ck_assert(!addr_domain_valid("a.test\0x", 8));	/* all len bytes */
	memset(big, 'a', 63);
	big[63] = '\0';
	ck_assert(DV(big));
	big[63] = 'a';
	big[64] = '\0';
	ck_assert(!DV(big));			/* a label of 64 */
	ck_assert(LV("[127.0.0.1]"));
	ck_assert(LV("[IPv6:::1]"));
	ck_assert(LV("[ipv6:2001:db8::1]"));
	ck_assert(!LV("127.0.0.1"));
	ck_assert(!LV("[127.0.0.1"));
	ck_assert(!LV("[127.0.0.1]x"));
	ck_assert(!LV("[::1]"));
	ck_assert(!LV("[IPv6:1.2.3.4]"));
	ck_assert(!LV("[]"));
	ck_assert(!LV(""));
}
END_TEST

START_TEST(result_texts)
{
	ck_assert_str_eq(addr_result_text(ADDR_LOCAL_TOO_LONG), "local part longer than 64 octets");
	ck_assert_ptr_nonnull(addr_result_text(ADDR_BAD_LITERAL));
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_loop_test(tc, path_table, 0, (int)(sizeof paths / sizeof paths[0]));
	tcase_add_loop_test(tc, path_prefixes_read_nothing_past_the_end, 0,
			    (int)(sizeof paths / sizeof paths[0]));
	tcase_add_loop_test(tc, mailbox_table, 0, (int)(sizeof mailboxes / sizeof mailboxes[0]));
	tcase_add_test(tc, utf8_flag_reported);
	tcase_add_test(tc, local_part_64);
	tcase_add_test(tc, domain_255_256);
	tcase_add_test(tc, path_256_257);
	tcase_add_test(tc, domain_equal);
	tcase_add_test(tc, result_texts);
	tcase_add_test(tc, domain_and_literal_valid);
	suite_add_tcase(s, tc);
	return s;
}
