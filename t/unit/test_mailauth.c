/*
 * test_mailauth - verify/: the Authentication-Results: field (authres.c),
 * the header walk, authserv-id and From: domain readers (msghdr.c), and the
 * removal of fields with our authserv-id (forward.c, RFC 8601 §5).
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <string.h>

#include "str.h"
#include "verify/authres.h"
#include "verify/forward.h"
#include "verify/msghdr.h"

static void format_is(const struct authres *r, const char *want)
{
	struct str o = STR_INIT(0);

	ck_assert_int_eq(authres_format(r, &o), 0);
	ck_assert_str_eq(str_cstr(&o), want);
	str_free(&o);
}

START_TEST(format_all_methods)
{
	struct authres r = { 0 };

	r.authserv_id = "mx.example.test";
	r.spf_mailfrom = AR_PASS;
	r.mailfrom = "a@example.org";
	r.spf_helo = AR_NONE;
	r.helo = "mail.example.org";
	r.ndkim = 2;
	r.dkim[0] = (struct ar_dkim){ AR_PASS, "example.org", "sel", "abcd1234", NULL };
	r.dkim[1] = (struct ar_dkim){ AR_FAIL, "other.test", "s2", "wxyz5678",
				      "body hash did not verify" };
	r.dmarc = AR_PASS;
	r.from_domain = "example.org";
	format_is(&r, "Authentication-Results: mx.example.test;\r\n"
		  "\tspf=pass smtp.mailfrom=a@example.org;\r\n"
		  "\tspf=none smtp.helo=mail.example.org;\r\n"
		  "\tdkim=pass header.d=example.org header.s=sel header.b=abcd1234;\r\n"
		  "\tdkim=fail (body hash did not verify) header.d=other.test header.s=s2 "
		  "header.b=wxyz5678;\r\n"
		  "\tdmarc=pass header.from=example.org\r\n");
}
END_TEST

START_TEST(format_every_result_name)
{
	static const char *const want[] = {
		"none", "none", "pass", "fail", "softfail", "neutral", "temperror", "permerror",
	};
	int i;

	for (i = AR_UNCHECKED; i <= AR_PERMERROR; i++)
		ck_assert_str_eq(authres_name((enum ar_result)i), want[i]);
}
END_TEST

/* RFC 8601 §2.2: nothing checked is "id; none" */
START_TEST(format_none)
{
	struct authres r = { 0 };

	r.authserv_id = "mx.example.test";
	format_is(&r, "Authentication-Results: mx.example.test; none\r\n");
}
END_TEST

/* RFC 8601 §2.7.4: an authenticated client */
START_TEST(format_auth)
{
	struct authres r = { 0 };

	r.authserv_id = "mx.example.test";
	r.auth_user = "joe";
	format_is(&r, "Authentication-Results: mx.example.test;\r\n\tauth=pass smtp.auth=joe\r\n");
}
END_TEST

/* a value that is no dot-atom is a quoted-string; a control byte drops it */
START_TEST(format_quoting)
{
	struct authres r = { 0 };

	r.authserv_id = "mx.example.test";
	r.spf_mailfrom = AR_SOFTFAIL;
	r.mailfrom = "\"a b\\\"c\"@example.org";
	r.dkim_none = AR_NONE;
	r.dmarc = AR_FAIL;
	r.dmarc_reason = "p=reject (x)";
	r.from_domain = "bad\r\nInjected: yes";
	format_is(&r, "Authentication-Results: mx.example.test;\r\n"
		  "\tspf=softfail smtp.mailfrom=\"\\\"a b\\\\\\\"c\\\"@example.org\";\r\n"
		  "\tdkim=none;\r\n"
		  "\tdmarc=fail (p=reject x)\r\n");
}
END_TEST

START_TEST(header_walk)
{
	static const char m[] = "A: 1\r\nB: 2\r\n\tfolded\r\nnot a field\r\n\r\nC: body\r\n";
	struct msghdr_field f;
	size_t end = msghdr_end(m, sizeof m - 1), pos = 0;

	ck_assert_uint_eq(end, (size_t)(strstr(m, "\r\n\r\n") - m) + 2);
	ck_assert_int_eq(msghdr_next(m, end, &pos, &f), 1);
	ck_assert(msghdr_is(&f, "a"));
	ck_assert_uint_eq(f.valuelen, 2);
	ck_assert_int_eq(msghdr_next(m, end, &pos, &f), 1);
	ck_assert(msghdr_is(&f, "B"));
	ck_assert_uint_eq(f.stop - f.start, strlen("B: 2\r\n\tfolded\r\n"));
	ck_assert_int_eq(memcmp(f.value, " 2\r\n\tfolded", f.valuelen), 0);
	ck_assert_int_eq(msghdr_next(m, end, &pos, &f), 1);
	ck_assert_uint_eq(f.namelen, 0);	/* no colon: not a field */
	ck_assert_int_eq(msghdr_next(m, end, &pos, &f), 0);
	/* no empty line: all header; LF line ends; a blank before the colon */
	ck_assert_uint_eq(msghdr_end("A: 1\nB : 2", 10), 10);
	pos = 0;
	ck_assert_int_eq(msghdr_next("B : 2\n", 6, &pos, &f), 1);
	ck_assert_uint_eq(f.namelen, 0);
	ck_assert_uint_eq(msghdr_end("\r\nA: 1\r\n", 8), 0);
}
END_TEST

START_TEST(authserv_id)
{
	static const struct { const char *v, *id; } t[] = {
		{ " mx.example.test; spf=pass", "mx.example.test" },
		{ "mx.example.test;", "mx.example.test" },
		{ " (a (nested) comment) \r\n\tMX.example.test 1; none", "MX.example.test" },
		{ " \"quoted id\"; none", "quoted id" },
		{ " \"mx.example.test\\\\\x01\"; none", NULL },
		{ " ; none", NULL },
		{ " (unterminated", NULL },
		{ " \"unterminated", NULL },
		{ "", NULL },
	};
	char id[64];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		int r = msghdr_authserv_id(t[i].v, strlen(t[i].v), id, sizeof id);
		ck_assert_int_eq(r, t[i].id != NULL);
		if (t[i].id)
			ck_assert_str_eq(id, t[i].id);
	}
	/* an id longer than the buffer is none, not a cut one */
	ck_assert_int_eq(msghdr_authserv_id(" abcdefgh;", 10, id, 4), 0);
}
END_TEST

START_TEST(from_domain)
{
	static const struct { const char *v; int r; const char *dom; } t[] = {
		{ " a@Example.ORG", 1, "example.org" },
		{ " Alice <alice@example.org>", 1, "example.org" },
		{ " \"Doe, John\" <j@sub.example.org> (comment, with comma)", 1, "sub.example.org" },
		{ " \"x <y@evil.test>\" <a@good.test>", 1, "good.test" },
		{ " (c@comment.test) a@real.test", 1, "real.test" },
		{ " a@one.test, b@two.test", -1, NULL },
		{ " <a@one.test> <b@two.test>", -1, NULL },
		{ " undisclosed-recipients:;", 0, NULL },
		{ " a@bad_domain.test", 0, NULL },
		{ " a@", 0, NULL },
		{ " <a@unclosed.test", 0, NULL },
		{ " a@x..test", 0, NULL },
	};
	char dom[256];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		int r = msghdr_from_domain(t[i].v, strlen(t[i].v), dom, sizeof dom);
		ck_assert_msg(r == t[i].r, "%s: %d, want %d", t[i].v, r, t[i].r);
		if (t[i].dom)
			ck_assert_str_eq(dom, t[i].dom);
	}
}
END_TEST

/* RFC 8601 §5: ours go, whatever the case; others and the body stay */
START_TEST(strip_ours)
{
	static const char m[] =
		"Authentication-Results: mx.example.test; spf=pass\r\n"
		"Received: x\r\n"
		"authentication-results: (c) MX.EXAMPLE.TEST;\r\n\tdkim=pass\r\n"
		"Authentication-Results: other.test; spf=fail\r\n"
		"Authentication-Results: mx.example.test.evil; spf=pass\r\n"
		"\r\n"
		"Authentication-Results: mx.example.test; in the body\r\n";
	struct str head = STR_INIT(0);
	size_t body, removed;

	ck_assert_int_eq(forward_strip(m, sizeof m - 1, "mx.example.test", &head, &body,
				       &removed), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_str_eq(str_cstr(&head), "Received: x\r\n"
			 "Authentication-Results: other.test; spf=fail\r\n"
			 "Authentication-Results: mx.example.test.evil; spf=pass\r\n");
	ck_assert_str_eq(m + body, "\r\nAuthentication-Results: mx.example.test; in the body\r\n");
	str_free(&head);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("mailauth");
	TCase *tc = tcase_create("mailauth");

	tcase_add_test(tc, format_all_methods);
	tcase_add_test(tc, format_every_result_name);
	tcase_add_test(tc, format_none);
	tcase_add_test(tc, format_auth);
	tcase_add_test(tc, format_quoting);
	tcase_add_test(tc, header_walk);
	tcase_add_test(tc, authserv_id);
	tcase_add_test(tc, from_domain);
	tcase_add_test(tc, strip_ours);
	suite_add_tcase(s, tc);
	return s;
}
