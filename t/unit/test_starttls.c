/*
 * test_starttls - smtpd's STARTTLS (smtpd/starttls.c) with t/fake-tlsd in
 * place of tlsd: the replies around it, the command-injection case
 * (plaintext pipelined after STARTTLS is never executed), the session
 * starting over (RFC 3207 §4.2), 454 when tlsd cannot start, the end of
 * the session when the handshake fails; and the control lines
 * (smtpd/tls_control.c).
 */
#include <limits.h>
#include "t/unit/check_main.h"

#include "smtpd_harness.h"
#include "smtpd/tls_control.h"

#define EHLO_TLS "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 67108864\r\n" \
	"250-8BITMIME\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n"
#define READY "220 2.0.0 Ready to start TLS\r\n"

static void tls_harness(struct harness *h, const char *mode, const char *after)
{
	char conf[PATH_MAX + 100], fake[PATH_MAX];

	ck_assert_ptr_nonnull(realpath("t/fake-tlsd", fake));
	snprintf(conf, sizeof conf, "tls-certificate /nonexistent/c.pem /nonexistent/k.pem\n"
		 "tls-program %s\ntls-handshake-timeout 20s\n", fake);
	harness_init(h, conf, NULL);
	if (mode)
		harness_write(h->dir, "tlsd-mode", mode, strlen(mode));
	harness_write(h->dir, "tlsd-input", after, strlen(after));
}

static int tls_runs(const struct harness *h)
{
	char *runs = harness_file(h, "tlsd-runs", NULL);
	int n = 0;

	for (char *p = runs; p && (p = strchr(p, '\n')); p++)
		n++;
	free(runs);
	return n;
}

static void tls_free(struct harness *h)
{
	static const char *names[] = { "tlsd-mode", "tlsd-input", "tlsd-runs", "tlsd-network",
				       "tlsd-env" };
	char path[128];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", h->dir, names[i]);
		unlink(path);
	}
	harness_free(h);
}

START_TEST(not_configured)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	harness_run(&h, "EHLO c\r\nSTARTTLS\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "502 5.5.1 Error: command not implemented\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(refusals_before_tls)
{
	struct harness h;

	tls_harness(&h, NULL, "QUIT\r\n");
	harness_run(&h, "STARTTLS\r\nEHLO c\r\nSTARTTLS now\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING "503 5.5.1 Error: send HELO/EHLO first\r\n" EHLO_TLS
		      "501 5.5.4 Syntax: STARTTLS\r\n" BYE);
	ck_assert_int_eq(tls_runs(&h), 0);	/* no tlsd for any of them */
	tls_free(&h);
}
END_TEST

/* CVE-2011-0411: MAIL sent in the same packet as STARTTLS is thrown away. */
START_TEST(injection_discarded_and_restart)
{
	struct harness h;
	char *net;

	tls_harness(&h, NULL, "MAIL FROM:<x@b.test>\r\nEHLO c\r\nSTARTTLS\r\n"
		    "MAIL FROM:<y@b.test>\r\nQUIT\r\n");
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\n"
		    "STARTTLS\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\n");
	ck_assert_out(&h, GREETING EHLO_TLS "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" READY
		      "503 5.5.1 Error: send HELO or EHLO first\r\n"
		      EHLO_REPLY "503 5.5.1 Error: TLS already active\r\n"
		      "250 2.1.0 Ok\r\n" BYE);
	ck_assert_int_eq(h.rc, 0);
	ck_assert_int_eq(tls_runs(&h), 1);
	ck_assert_int_eq(harness_runs(&h), 0);	/* nothing queued */
	net = harness_file(&h, "tlsd-network", NULL);
	ck_assert_str_eq(net, "");	/* what smtpd had read stayed with smtpd */
	free(net);
	tls_free(&h);
}
END_TEST

/* After STARTTLS the message is received with ESMTPS and the cipher. */
START_TEST(received_after_starttls)
{
	struct harness h;
	char *msg;

	tls_harness(&h, NULL, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\n"
		    "DATA\r\nbody\r\n.\r\nQUIT\r\n");
	harness_run(&h, "HELO c\r\nSTARTTLS\r\n");
	ck_assert_int_eq(harness_runs(&h), 1);
	msg = harness_file(&h, "message", NULL);
	ck_assert_ptr_nonnull(strstr(msg, "\r\n\t(using TLSv1.3 with cipher TLS_FAKE (256/256 bits))\r\n"
				     "\tby mx.example.test (tern) with ESMTPS id "));
	free(msg);
	tls_free(&h);
}
END_TEST

/* tlsd gets PATH, TERN_CONFDIR and JOURNAL_STREAM, nothing else of smtpd's */
START_TEST(tlsd_environment)
{
	struct harness h;
	char *env, want[300];

	setenv("JOURNAL_STREAM", "8:1234", 1);
	setenv("TERN_SECRET_OF_SMTPD", "x", 1);
	tls_harness(&h, NULL, "QUIT\r\n");
	harness_run(&h, "EHLO c\r\nSTARTTLS\r\n");
	unsetenv("JOURNAL_STREAM");
	unsetenv("TERN_SECRET_OF_SMTPD");
	env = harness_file(&h, "tlsd-env", NULL);
	ck_assert_ptr_nonnull(env);
	snprintf(want, sizeof want, "JOURNAL_STREAM=8:1234\nPATH=/usr/local/bin:/usr/bin:/bin\n"
		 "TERN_CONFDIR=%s\n", h.dir);
	ck_assert_str_eq(env, want);
	free(env);
	tls_free(&h);
}
END_TEST

START_TEST(tlsd_cannot_start)
{
	static const char *const modes[] = { "error", "silent" };
	char conf[200];
	struct harness h;

	for (size_t i = 0; i < 2; i++) {
		tls_harness(&h, modes[i], "");
		harness_run(&h, "EHLO c\r\nSTARTTLS\r\nNOOP\r\nSTARTTLS\r\nEHLO c\r\nQUIT\r\n");
		ck_assert_out(&h, GREETING EHLO_TLS
			      "454 4.7.0 TLS not available due to temporary reason\r\n"
			      "250 2.0.0 Ok\r\n"
			      "454 4.7.0 TLS not available due to temporary reason\r\n"
			      EHLO_REPLY BYE);
		ck_assert_int_eq(tls_runs(&h), 1);	/* one tlsd per session at most */
		tls_free(&h);
	}
	snprintf(conf, sizeof conf, "tls-certificate /c /k\ntls-program /nonexistent/tlsd\n");
	harness_init(&h, conf, NULL);
	harness_run(&h, "EHLO c\r\nSTARTTLS\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_TLS "454 4.7.0 TLS not available due to temporary reason\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(handshake_fails)
{
	static const char *const modes[] = { "fail", "badok" };
	struct harness h;

	for (size_t i = 0; i < 2; i++) {
		tls_harness(&h, modes[i], "");
		harness_run(&h, "EHLO c\r\nSTARTTLS\r\n");
		ck_assert_out(&h, GREETING EHLO_TLS READY);
		ck_assert_int_eq(h.rc, 1);
		tls_free(&h);
	}
}
END_TEST

START_TEST(control_lines)
{
	struct tls_control_msg m;
	char out[300];

	ck_assert_int_eq(tls_control_parse("ready\n", 6, &m), TLS_CONTROL_READY);
	ck_assert_int_eq(tls_control_parse("start", 5, &m), TLS_CONTROL_START);
	ck_assert_int_eq(tls_control_parse("error /k.pem: cannot open\n", 26, &m), TLS_CONTROL_ERROR);
	ck_assert_str_eq(m.text, "/k.pem: cannot open");
	ck_assert_int_eq(tls_control_parse("fail handshake: timeout", 23, &m), TLS_CONTROL_FAIL);
	ck_assert_str_eq(m.text, "handshake: timeout");
	ck_assert_int_eq(tls_control_parse("ok TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 256/256\n", 47, &m),
			 TLS_CONTROL_OK);
	ck_assert_int_eq(m.tls.active, 1);
	ck_assert_str_eq(m.tls.protocol, "TLSv1.2");
	ck_assert_str_eq(m.tls.cipher, "ECDHE-RSA-AES256-GCM-SHA384");
	ck_assert_uint_eq(m.tls.bits, 256);
	ck_assert_int_eq(tls_control_format(out, sizeof out, TLS_CONTROL_READY, NULL), 6);
	ck_assert_str_eq(out, "ready\n");
	ck_assert_int_eq(tls_control_format(out, sizeof out, TLS_CONTROL_OK, "TLSv1.3 C 128/128"), 21);
	ck_assert_int_eq(tls_control_parse(out, 21, &m), TLS_CONTROL_OK);
	ck_assert_int_eq(tls_control_format(out, sizeof out, TLS_CONTROL_FAIL, "a\nb"), -1);
	ck_assert_int_eq(tls_control_format(out, 5, TLS_CONTROL_READY, NULL), -1);
}
END_TEST

START_TEST(control_refused)
{
	static const char *const bad[] = {
		"", "\n", "hello", "ready now", "start x", "ok", "ok ", "error", "error ",
		"fail", "READY", " ready", "ready ", "ok TLSv1.3 C", "ok TLSv1.3 C 1 2",
		"ok TLSv1.3  C 1", "ok TLS(1.3) C 1", "ok TLSv1.3 C 0", "ready\r", "ready\n\n",
	};
	struct tls_control_msg m;
	char longline[400];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(tls_control_parse(bad[i], strlen(bad[i]), &m) == TLS_CONTROL_BAD,
			      "case %zu", i);
	ck_assert_int_eq(tls_control_parse("ready\0x", 7, &m), TLS_CONTROL_BAD);
	memset(longline, 'x', sizeof longline);
	memcpy(longline, "error ", 6);
	ck_assert_int_eq(tls_control_parse(longline, 257, &m), TLS_CONTROL_BAD);
	ck_assert_int_eq(tls_control_parse(longline, 256, &m), TLS_CONTROL_ERROR);
	ck_assert_uint_eq(strlen(m.text), 250);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("starttls");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, not_configured);
	tcase_add_test(tc, refusals_before_tls);
	tcase_add_test(tc, injection_discarded_and_restart);
	tcase_add_test(tc, received_after_starttls);
	tcase_add_test(tc, tlsd_environment);
	tcase_add_test(tc, tlsd_cannot_start);
	tcase_add_test(tc, handshake_fails);
	tcase_add_test(tc, control_lines);
	tcase_add_test(tc, control_refused);
	suite_add_tcase(s, tc);
	return s;
}
