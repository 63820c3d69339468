/*
 * test_envelope - lib/envelope.c: encode/decode round trip and every reject
 * branch of envelope_decode().
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdio.h>
#include <string.h>

#include "envelope.h"

/* decode a literal (sizeof - 1 keeps embedded NULs) */
#define DECODE(lit, e) envelope_decode((lit), sizeof(lit) - 1, (e))

static enum envelope_result decode_str(const struct str *s, struct envelope *e)
{
	return envelope_decode(s->s, s->len, e);
}

START_TEST(round_trip)
{
	const char *rcpt[] = { "a@example.test", "\"q x\"@example.test", "b@[127.0.0.1]",
			       "j\xc3\xb6rg@b\xc3\xbc.example" };
	struct str s = STR_INIT(0);
	struct envelope e;

	ck_assert_int_eq(envelope_encode(&s, "sender@example.org", rcpt, 4), 0);
	ck_assert_int_eq(decode_str(&s, &e), ENVELOPE_OK);
	ck_assert_str_eq(e.sender, "sender@example.org");
	ck_assert_uint_eq(e.nrcpt, 4);
	ck_assert_str_eq(e.rcpt[0], rcpt[0]);
	ck_assert_str_eq(e.rcpt[1], rcpt[1]);
	ck_assert_str_eq(e.rcpt[2], rcpt[2]);
	ck_assert_str_eq(e.rcpt[3], rcpt[3]);
	envelope_free(&e);
	ck_assert_ptr_null(e.mem);
	str_free(&s);
}
END_TEST

START_TEST(encode_bytes)
{
	const char *rcpt[] = { "a@x.test", "b@x.test" };
	struct str s = STR_INIT(0);
	static const char want[] = "F\0Ta@x.test\0Tb@x.test\0";	/* + the final NUL */

	ck_assert_int_eq(envelope_encode(&s, "", rcpt, 2), 0);
	ck_assert_uint_eq(s.len, sizeof want);
	ck_assert_int_eq(memcmp(s.s, want, sizeof want), 0);
	str_free(&s);
}
END_TEST

START_TEST(encode_all_or_nothing)
{
	const char *rcpt[] = { "a@x.test", "b@x.test" };
	struct str s = STR_INIT(20);

	str_appendz(&s, "xy");
	ck_assert_int_eq(envelope_encode(&s, "s@x.test", rcpt, 2), -1);
	ck_assert_uint_eq(s.len, 2);
	ck_assert_str_eq(str_cstr(&s), "xy");
	str_free(&s);
}
END_TEST

START_TEST(null_sender_ok)
{
	struct envelope e;

	ck_assert_int_eq(DECODE("F\0Tpostmaster@x.test\0\0", &e), ENVELOPE_OK);
	ck_assert_str_eq(e.sender, "");
	ck_assert_uint_eq(e.nrcpt, 1);
	ck_assert_str_eq(e.rcpt[0], "postmaster@x.test");
	envelope_free(&e);
}
END_TEST

START_TEST(format_errors)
{
	struct envelope e;

	ck_assert_int_eq(envelope_decode("", 0, &e), ENVELOPE_FORMAT);		/* empty */
	ck_assert_int_eq(DECODE("Ta@x.test\0\0", &e), ENVELOPE_FORMAT);		/* missing F */
	ck_assert_int_eq(DECODE("Xs@x.test\0Ta@x.test\0\0", &e), ENVELOPE_FORMAT);
	ck_assert_int_eq(DECODE("Fs@x.test\0\0", &e), ENVELOPE_FORMAT);		/* missing T */
	ck_assert_int_eq(DECODE("Fs@x.test", &e), ENVELOPE_FORMAT);		/* sender not terminated */
	ck_assert_int_eq(DECODE("Fs@x.test\0", &e), ENVELOPE_FORMAT);		/* nothing after F */
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x.test", &e), ENVELOPE_FORMAT);	/* rcpt not terminated */
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x.test\0", &e), ENVELOPE_FORMAT);	/* no final NUL */
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x.test\0\0x", &e), ENVELOPE_FORMAT);	/* trailing garbage */
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x.test\0\0\0", &e), ENVELOPE_FORMAT);	/* trailing NUL */
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x.test\0Fb@x.test\0\0", &e), ENVELOPE_FORMAT);
	ck_assert_int_eq(DECODE("Fs@x.test\0a@x.test\0\0", &e), ENVELOPE_FORMAT);	/* untyped record */
	ck_assert_ptr_null(e.mem);
	ck_assert_ptr_null(e.rcpt);
}
END_TEST

START_TEST(bad_addresses)
{
	struct envelope e;

	/* CR/LF and other control bytes, in the sender and in a recipient */
	ck_assert_int_eq(DECODE("Fs@x.test\r\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\nX\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs\t@x.test\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x.test\r\n\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x\n.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x.test\x7f\0\0", &e), ENVELOPE_BAD_ADDRESS);
	/* recipients: empty, without a domain, not a mailbox */
	ck_assert_int_eq(DECODE("Fs@x.test\0T\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0Tlocal\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0Tlocal@\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0T<a@x.test>\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta b@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@x.test\0Tb@-x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x.test\0Ta@\xff.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_ptr_null(e.mem);
}
END_TEST

/* The relay writes the sender into MAIL FROM:<...>: only a mailbox or "". */
START_TEST(bad_senders)
{
	struct envelope e;

	ck_assert_int_eq(DECODE("Fs@x.test> NOTIFY=NEVER\0Ta@x.test\0\0", &e),
			 ENVELOPE_BAD_ADDRESS);	/* ESMTP parameter injection */
	ck_assert_int_eq(DECODE("Fs@x.test>\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("F<s@x.test>\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fa b@x.test\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fnodomain\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("F@x.test\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@x..test\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_int_eq(DECODE("Fs@\xc3(.test\0Ta@x.test\0\0", &e), ENVELOPE_BAD_ADDRESS);
	ck_assert_ptr_null(e.mem);
	/* what smtpd and sendmail send is still fine */
	ck_assert_int_eq(DECODE("F\"q x\"@[127.0.0.1]\0Ta@x.test\0\0", &e), ENVELOPE_OK);
	ck_assert_str_eq(e.sender, "\"q x\"@[127.0.0.1]");
	envelope_free(&e);
	ck_assert_int_eq(DECODE("Fj\xc3\xb6rg@x.test\0Ta@x.test\0\0", &e), ENVELOPE_OK);
	envelope_free(&e);
}
END_TEST

START_TEST(too_long)
{
	struct envelope e;
	struct str s = STR_INIT(0);
	char local[66], big[300];
	const char *r[1];
	size_t i;

	/* sender longer than 256 octets */
	memset(big, 'a', 257);
	big[257] = '\0';
	r[0] = "a@x.test";
	envelope_encode(&s, big, r, 1);
	ck_assert_int_eq(decode_str(&s, &e), ENVELOPE_ADDRESS_TOO_LONG);
	str_truncate(&s, 0);
	/* a mailbox of 254 octets (a path of 256 with "<>") is fine, 255 is not */
	memset(big, 'd', 254);
	memcpy(big, "s@", 2);
	for (i = 60; i < 254; i += 61)
		big[i] = '.';
	big[254] = '\0';
	envelope_encode(&s, big, r, 1);
	ck_assert_int_eq(decode_str(&s, &e), ENVELOPE_OK);
	envelope_free(&e);
	str_truncate(&s, 0);
	big[254] = 'd';
	big[255] = '\0';
	envelope_encode(&s, big, r, 1);
	ck_assert_int_eq(decode_str(&s, &e), ENVELOPE_ADDRESS_TOO_LONG);
	str_truncate(&s, 0);
	/* recipient local part of 65 octets */
	memset(local, 'l', 65);
	local[65] = '\0';
	snprintf(big, sizeof big, "%s@x.test", local);
	r[0] = big;
	envelope_encode(&s, "s@x.test", r, 1);
	ck_assert_int_eq(decode_str(&s, &e), ENVELOPE_ADDRESS_TOO_LONG);
	str_truncate(&s, 0);
	/* recipient longer than 256 octets */
	memset(big, 'd', 290);
	big[0] = 'u';
	big[1] = '@';
	big[290] = '\0';
	envelope_encode(&s, "s@x.test", r, 1);
	ck_assert_int_eq(decode_str(&s, &e), ENVELOPE_ADDRESS_TOO_LONG);
	str_free(&s);
}
END_TEST

START_TEST(many_recipients)
{
	struct str s = STR_INIT(0);
	const char *r[1000];
	struct envelope e;
	size_t i;

	for (i = 0; i < 1000; i++)
		r[i] = "rcpt@example.test";
	ck_assert_int_eq(envelope_encode(&s, "s@x.test", r, 1000), 0);
	ck_assert_int_eq(decode_str(&s, &e), ENVELOPE_OK);
	ck_assert_uint_eq(e.nrcpt, 1000);
	ck_assert_str_eq(e.rcpt[999], "rcpt@example.test");
	envelope_free(&e);
	str_free(&s);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("envelope");
	TCase *tc = tcase_create("envelope");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, encode_bytes);
	tcase_add_test(tc, encode_all_or_nothing);
	tcase_add_test(tc, null_sender_ok);
	tcase_add_test(tc, format_errors);
	tcase_add_test(tc, bad_addresses);
	tcase_add_test(tc, bad_senders);
	tcase_add_test(tc, too_long);
	tcase_add_test(tc, many_recipients);
	suite_add_tcase(s, tc);
	return s;
}
