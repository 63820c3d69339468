/*
 * test_tls_state - smtpd/tls_state.c: the TLS facts from tlsd (environment
 * or control descriptor) are checked before they reach Received: or a log;
 * received_protocol()'s RFC 3848 names.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdlib.h>
#include <string.h>

#include "smtpd/received.h"
#include "smtpd/tls_state.h"

START_TEST(set_good)
{
	struct smtpd_tls t;
	char out[200];

	ck_assert_int_eq(tls_state_set(&t, "TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"), 0);
	ck_assert_int_eq(t.active, 1);
	ck_assert_str_eq(t.protocol, "TLSv1.3");
	ck_assert_str_eq(t.cipher, "TLS_AES_256_GCM_SHA384");
	ck_assert_uint_eq(t.bits, 256);
	ck_assert_uint_eq(t.alg_bits, 256);
	ck_assert_int_eq(tls_state_format(&t, out, sizeof out), 0);
	ck_assert_str_eq(out, "using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
	ck_assert_int_eq(tls_state_set(&t, "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "128/128"), 0);
	ck_assert_uint_eq(t.bits, 128);
	ck_assert_int_eq(tls_state_set(&t, "TLSv1.2", "DES-CBC3-SHA", "112/168"), 0);
	ck_assert_uint_eq(t.bits, 112);
	ck_assert_uint_eq(t.alg_bits, 168);
	ck_assert_int_eq(tls_state_format(&t, out, 20), -1);	/* does not fit */
}
END_TEST

START_TEST(set_bad)
{
	static const char *const bad[][3] = {
		{ NULL, "C", "1" }, { "P", NULL, "1" }, { "P", "C", NULL },
		{ "", "C", "1" }, { "P", "", "1" }, { "P", "C", "" },
		{ "TLS v1.3", "C", "1" }, { "TLSv1.3\r\n", "C", "1" }, { "P", "C(x)", "1" },
		{ "P", "C;", "1" }, { "P", "C", "0" }, { "P", "C", "65536" },
		{ "P", "C", "123456" }, { "P", "C", "-1" }, { "P", "C", "1/" },
		{ "P", "C", "/1" }, { "P", "C", "1/2/3" }, { "P", "C", "1 " }, { "P", "C", "1x" },
		{ "P", "C", "1/0" },
	};
	char longtok[TLS_STATE_TOKEN_MAX + 2];
	struct smtpd_tls t;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&t, 0xff, sizeof t);
		ck_assert_msg(tls_state_set(&t, bad[i][0], bad[i][1], bad[i][2]) == -1, "case %zu", i);
		ck_assert_int_eq(t.active, 0);
		ck_assert_str_eq(t.protocol, "");
	}
	memset(longtok, 'A', sizeof longtok - 1);
	longtok[sizeof longtok - 1] = '\0';
	ck_assert_int_eq(tls_state_set(&t, "P", longtok, "1"), -1);
	longtok[TLS_STATE_TOKEN_MAX] = '\0';	/* exactly the maximum */
	ck_assert_int_eq(tls_state_set(&t, "P", longtok, "65535"), 0);
	ck_assert_int_eq(tls_state_format(&(struct smtpd_tls){ 0 }, longtok, sizeof longtok), -1);
}
END_TEST

START_TEST(from_env)
{
	struct smtpd_tls t;

	unsetenv("TERN_TLS_PROTOCOL");
	unsetenv("TERN_TLS_CIPHER");
	unsetenv("TERN_TLS_BITS");
	ck_assert_int_eq(tls_state_from_env(&t), 0);
	ck_assert_int_eq(t.active, 0);
	setenv("TERN_TLS_PROTOCOL", "", 1);	/* empty counts as unset */
	ck_assert_int_eq(tls_state_from_env(&t), 0);
	setenv("TERN_TLS_PROTOCOL", "TLSv1.3", 1);	/* one without the others */
	ck_assert_int_eq(tls_state_from_env(&t), -1);
	ck_assert_int_eq(t.active, 0);
	setenv("TERN_TLS_CIPHER", "TLS_AES_128_GCM_SHA256", 1);
	setenv("TERN_TLS_BITS", "128", 1);
	ck_assert_int_eq(tls_state_from_env(&t), 1);
	ck_assert_int_eq(t.active, 1);
	ck_assert_str_eq(t.cipher, "TLS_AES_128_GCM_SHA256");
	setenv("TERN_TLS_BITS", "128 bits", 1);
	ck_assert_int_eq(tls_state_from_env(&t), -1);
	ck_assert_int_eq(t.active, 0);
	unsetenv("TERN_TLS_PROTOCOL");
	unsetenv("TERN_TLS_CIPHER");
	unsetenv("TERN_TLS_BITS");
}
END_TEST

/* RFC 3848 and RFC 6531 §3.7.3 */
START_TEST(protocol_names)
{
	ck_assert_str_eq(received_protocol(0, 0, 0, 0), "SMTP");
	ck_assert_str_eq(received_protocol(0, 1, 1, 1), "SMTP");
	ck_assert_str_eq(received_protocol(1, 0, 0, 0), "ESMTP");
	ck_assert_str_eq(received_protocol(1, 0, 1, 0), "ESMTPS");
	ck_assert_str_eq(received_protocol(1, 0, 0, 1), "ESMTPA");
	ck_assert_str_eq(received_protocol(1, 0, 1, 1), "ESMTPSA");
	ck_assert_str_eq(received_protocol(1, 1, 0, 0), "UTF8SMTP");
	ck_assert_str_eq(received_protocol(1, 1, 1, 0), "UTF8SMTPS");
	ck_assert_str_eq(received_protocol(1, 1, 0, 1), "UTF8SMTPA");
	ck_assert_str_eq(received_protocol(1, 1, 1, 1), "UTF8SMTPSA");
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("tls_state");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, set_good);
	tcase_add_test(tc, set_bad);
	tcase_add_test(tc, from_env);
	tcase_add_test(tc, protocol_names);
	suite_add_tcase(s, tc);
	return s;
}
