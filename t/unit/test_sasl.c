/*
 * test_sasl - decoding of AUTH responses (smtpd/sasl.c): base64, PLAIN
 * with and without an authzid, LOGIN fields, cancel, bad base64, bounds,
 * and the characters a login may have.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <string.h>

#include "smtpd/sasl.h"

#define DEC(s, out, outmax, n) sasl_base64_decode((s), strlen(s), (out), (outmax), (n))

START_TEST(base64_decoding)
{
	char out[16];
	size_t n;

	ck_assert_int_eq(DEC("YWxpY2U=", out, sizeof out, &n), SASL_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(out, "alice");
	ck_assert_int_eq(DEC("c2VjcmV0", out, sizeof out, &n), SASL_OK);
	ck_assert_str_eq(out, "secret");
	ck_assert_int_eq(DEC("YQBi", out, sizeof out, &n), SASL_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(out, "a\0b", 3), 0);
	ck_assert_int_eq(DEC("YQ==", out, sizeof out, &n), SASL_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(DEC("=", out, sizeof out, &n), SASL_OK);	/* empty initial response */
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(DEC("*", out, sizeof out, &n), SASL_CANCEL);
}
END_TEST

START_TEST(base64_refused)
{
	static const char *const bad[] = {
		"", "YWxpY2U", "YWxpY2U=a", "YW=pY2U=", "YWxp Y2U=", "YWxp\tY2U=", "YWxpY2U==",
		"Y===", "====", "YWx!", "YR==", "YWF=", "**", "*=", "YWxp\r\nY2U=",
	};
	char out[16];
	size_t i, n;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(DEC(bad[i], out, sizeof out, &n) == SASL_BAD_BASE64, "%s", bad[i]);
}
END_TEST

START_TEST(base64_bound)
{
	char out[6];
	size_t n;

	ck_assert_int_eq(DEC("YWxpY2U=", out, sizeof out, &n), SASL_OK);	/* 5 + NUL */
	ck_assert_int_eq(DEC("c2VjcmV0", out, sizeof out, &n), SASL_TOO_LONG);
	ck_assert_int_eq(DEC("YWxpY2U=", out, 0, &n), SASL_TOO_LONG);
}
END_TEST

START_TEST(mechanisms)
{
	ck_assert_int_eq(sasl_mech_parse("PLAIN", 5), SASL_PLAIN);
	ck_assert_int_eq(sasl_mech_parse("plain", 5), SASL_PLAIN);
	ck_assert_int_eq(sasl_mech_parse("Login", 5), SASL_LOGIN);
	ck_assert_int_eq(sasl_mech_parse("CRAM-MD5", 8), SASL_UNKNOWN);
	ck_assert_int_eq(sasl_mech_parse("PLAINX", 6), SASL_UNKNOWN);
	ck_assert_int_eq(sasl_mech_parse("PLAI", 4), SASL_UNKNOWN);
}
END_TEST

START_TEST(plain)
{
	struct sasl_credentials c;

	ck_assert_int_eq(sasl_plain_decode("AGFsaWNlAHNlY3JldA==", 20, &c), SASL_OK);
	ck_assert_str_eq(c.user, "alice");
	ck_assert_str_eq(c.password, "secret");
	/* an authzid equal to the authcid is no request to act as another */
	ck_assert_int_eq(sasl_plain_decode("YWxpY2UAYWxpY2UAc2VjcmV0", 24, &c), SASL_OK);
	ck_assert_str_eq(c.user, "alice");
	ck_assert_str_eq(c.password, "secret");
	sasl_credentials_clear(&c);
	ck_assert_str_eq(c.user, "");
	ck_assert_str_eq(c.password, "");
}
END_TEST

START_TEST(plain_refused)
{
	struct sasl_credentials c;
	static const struct { const char *in; enum sasl_result want; } cases[] = {
		{ "Ym9iAGFsaWNlAHNlY3JldA==", SASL_BAD_CREDENTIALS },	/* bob acting as alice */
		{ "AABzZWNyZXQ=", SASL_BAD_CREDENTIALS },		/* empty authcid */
		{ "AGFsaWNlAA==", SASL_BAD_CREDENTIALS },		/* empty password */
		{ "YWxpY2UAc2VjcmV0", SASL_BAD_CREDENTIALS },		/* one NUL */
		{ "YWxpY2U=", SASL_BAD_CREDENTIALS },			/* no NUL */
		{ "=", SASL_BAD_CREDENTIALS },				/* empty */
		{ "*", SASL_CANCEL },
		{ "AGFsaWNlAHNlY3JldA=", SASL_BAD_BASE64 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(sasl_plain_decode(cases[i].in, strlen(cases[i].in), &c) == cases[i].want,
			      "%s", cases[i].in);
		ck_assert_str_eq(c.user, "");
	}
}
END_TEST

/* A PLAIN response whose user or password is over the bounds. */
START_TEST(plain_too_long)
{
	static char raw[SASL_LINE_MAX], b64[SASL_LINE_MAX + 8];
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct sasl_credentials c;
	size_t n, i, o = 0;

	/* \0 + 256 x 'u' + \0 + "pw": the user is one octet too long */
	raw[0] = '\0';
	memset(raw + 1, 'u', SASL_USER_MAX + 1);
	n = SASL_USER_MAX + 2;
	memcpy(raw + n, "\0pw", 3);
	n += 3;
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)raw[i] << 16 |
			     (i + 1 < n ? (unsigned char)raw[i + 1] << 8 : 0) |
			     (i + 2 < n ? (unsigned char)raw[i + 2] : 0);
		b64[o++] = tab[v >> 18 & 63];
		b64[o++] = tab[v >> 12 & 63];
		b64[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		b64[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	ck_assert_int_eq(sasl_plain_decode(b64, o, &c), SASL_BAD_CREDENTIALS);
	/* beyond what any response line may decode to */
	memset(b64, 'Q', SASL_LINE_MAX + 4);
	ck_assert_int_eq(sasl_plain_decode(b64, SASL_LINE_MAX + 4, &c), SASL_TOO_LONG);
}
END_TEST

START_TEST(login_fields)
{
	char user[SASL_USER_MAX + 1], tiny[4];

	ck_assert_int_eq(sasl_login_field("YWxpY2U=", 8, user, sizeof user), SASL_OK);
	ck_assert_str_eq(user, "alice");
	ck_assert_int_eq(sasl_login_field("YQBi", 4, user, sizeof user), SASL_BAD_CREDENTIALS);
	ck_assert_int_eq(sasl_login_field("=", 1, user, sizeof user), SASL_BAD_CREDENTIALS);
	ck_assert_int_eq(sasl_login_field("*", 1, user, sizeof user), SASL_CANCEL);
	ck_assert_int_eq(sasl_login_field("YWx!", 4, user, sizeof user), SASL_BAD_BASE64);
	/* longer than the field: a wrong name or password, not a syntax error */
	ck_assert_int_eq(sasl_login_field("YWxpY2U=", 8, tiny, sizeof tiny), SASL_BAD_CREDENTIALS);
	ck_assert_str_eq(tiny, "");
}
END_TEST

START_TEST(login_names)
{
	char longest[SASL_USER_MAX + 2];

	ck_assert_int_eq(sasl_login_valid("alice"), 1);
	ck_assert_int_eq(sasl_login_valid("alice.b-c_d+e=f@example.test"), 1);
	ck_assert_int_eq(sasl_login_valid(""), 0);
	ck_assert_int_eq(sasl_login_valid("al ice"), 0);
	ck_assert_int_eq(sasl_login_valid("alice:x"), 0);
	ck_assert_int_eq(sasl_login_valid("a(b)"), 0);
	ck_assert_int_eq(sasl_login_valid("a\r\nb"), 0);
	ck_assert_int_eq(sasl_login_valid("\xc3\xa9"), 0);
	memset(longest, 'a', SASL_USER_MAX);
	longest[SASL_USER_MAX] = '\0';
	ck_assert_int_eq(sasl_login_valid(longest), 1);
	longest[SASL_USER_MAX] = 'a';
	longest[SASL_USER_MAX + 1] = '\0';
	ck_assert_int_eq(sasl_login_valid(longest), 0);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("sasl");
	TCase *tc = tcase_create("sasl");

	tcase_add_test(tc, base64_decoding);
	tcase_add_test(tc, base64_refused);
	tcase_add_test(tc, base64_bound);
	tcase_add_test(tc, mechanisms);
	tcase_add_test(tc, plain);
	tcase_add_test(tc, plain_refused);
	tcase_add_test(tc, plain_too_long);
	tcase_add_test(tc, login_fields);
	tcase_add_test(tc, login_names);
	suite_add_tcase(s, tc);
	return s;
}
