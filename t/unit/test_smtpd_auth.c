/*
 * test_smtpd_auth - submission (smtpd -s): AUTH PLAIN and LOGIN as scripted
 * dialogues through session_run() with t/fake-checkpw as auth-program
 * (alice/secret is right): EHLO's AUTH only under TLS, 538 before TLS, 530
 * before AUTH, every reply of the exchange, failures and the lockout,
 * relaying after AUTH, AUTH= on MAIL, sender-login-map, the Received: line,
 * and that no password reaches the log. TLS is what smtpd is told
 * (o.tls, as tlsd -i sets it; STARTTLS itself is test_starttls's).
 */
#include <fcntl.h>

#include "smtpd/tls_state.h"

#include "t/unit/check_main.h"
#include "smtpd_harness.h"

#define EHLO "EHLO client.test\r\n"
#define EHLO_AUTH "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 67108864\r\n" \
	"250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-AUTH PLAIN LOGIN\r\n250 SMTPUTF8\r\n"
#define PLAIN_ALICE "AGFsaWNlAHNlY3JldA=="		/* \0alice\0secret */
#define PLAIN_WRONG "AGFsaWNlAHdyb25n"		/* \0alice\0wrong */
#define OK_235 "235 2.7.0 Authentication successful\r\n"
#define BAD_535 "535 5.7.8 Authentication credentials invalid\r\n"

static void submission(struct harness *h, const char *conf, int tls)
{
	char text[2 * PATH_MAX], prog[PATH_MAX];

	ck_assert_ptr_nonnull(realpath("t/fake-checkpw", prog));
	snprintf(text, sizeof text, "auth-program %s\nauth-failure-delay 0\n%s", prog,
		 conf ? conf : "");
	harness_init(h, text, NULL);
	h->o.submission = 1;
	if (tls)	/* as tlsd -i tells smtpd (tls_state.h) */
		ck_assert_int_eq(tls_state_set(&h->o.tls, "TLSv1.3", "TLS_AES_256_GCM_SHA384",
					       "256"), 0);
}

static int checks(const struct harness *h)
{
	char *c = harness_file(h, "checked", NULL), *p;
	int n = 0;

	for (p = c; p && (p = strchr(p, '\n')); p++)
		n++;
	free(c);
	return n;
}

START_TEST(ehlo_offers_auth_only_under_tls)
{
	struct harness h;

	submission(&h, NULL, 1);
	harness_run(&h, EHLO "QUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH BYE);
	harness_free(&h);
	submission(&h, NULL, 0);
	harness_run(&h, EHLO "QUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY BYE);
	harness_free(&h);
	/* port 25 (no -s) never offers it, TLS or not */
	harness_init(&h, NULL, NULL);
	ck_assert_int_eq(tls_state_set(&h.o.tls, "TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"), 0);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_ALICE "\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "502 5.5.1 Error: command not implemented\r\n" BYE);
	ck_assert_int_eq(checks(&h), 0);
	harness_free(&h);
}
END_TEST

START_TEST(no_password_before_tls)
{
	struct harness h;

	submission(&h, NULL, 0);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_ALICE "\r\nAUTH LOGIN\r\nAUTH CRAM-MD5\r\n"
		    "MAIL FROM:<a@b.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY
		      "538 5.7.11 Encryption required for requested authentication mechanism\r\n"
		      "538 5.7.11 Encryption required for requested authentication mechanism\r\n"
		      "538 5.7.11 Encryption required for requested authentication mechanism\r\n"
		      "530 5.7.0 Authentication required\r\n" BYE);
	ck_assert_int_eq(checks(&h), 0);
	harness_free(&h);
}
END_TEST

START_TEST(mail_needs_auth)
{
	struct harness h;

	submission(&h, NULL, 1);
	harness_run(&h, "AUTH PLAIN " PLAIN_ALICE "\r\nHELO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\n"
		    EHLO "MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING "503 5.5.1 Error: send EHLO first\r\n" HELO_REPLY
		      "503 5.5.1 Error: send EHLO first\r\n" EHLO_AUTH
		      "530 5.7.0 Authentication required\r\n"
		      "503 5.5.1 Error: need MAIL command\r\n"
		      "503 5.5.1 Error: need MAIL and RCPT commands\r\n" BYE);
	ck_assert_int_eq(harness_runs(&h), 0);
	harness_free(&h);
}
END_TEST

/* PLAIN with an initial response; then the session may relay, and the
 * message says who sent it. */
START_TEST(plain_then_relay)
{
	struct harness h;
	char *msg, *checked;

	submission(&h, NULL, 1);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_ALICE "\r\nAUTH PLAIN " PLAIN_ALICE "\r\n"
		    "MAIL FROM:<alice@example.test>\r\nRCPT TO:<x@far.test>\r\n"
		    "DATA\r\nhi\r\n.\r\nQUIT\r\n");
	ck_assert_ptr_nonnull(strstr(h.out, EHLO_AUTH OK_235
				     "503 5.5.1 Error: already authenticated\r\n"
				     "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 "));
	ck_assert_ptr_nonnull(strstr(h.out, "250 2.0.0 Ok: queued as "));
	checked = harness_file(&h, "checked", NULL);
	ck_assert_str_eq(checked, "/bin/true|alice|secret||/dev/null|/dev/null\n");
	free(checked);
	msg = harness_file(&h, "message", NULL);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strncmp(msg, "Received: from client.test ([192.0.2.1])\r\n"
			      "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
			      "\t(Authenticated sender: alice)\r\n"
			      "\tby mx.example.test (tern) with ESMTPSA id ", 185) == 0, "%s", msg);
	ck_assert_str_eq(harness_body(msg), "hi\r\n");
	free(msg);
	harness_free(&h);
}
END_TEST

START_TEST(plain_continuation)
{
	struct harness h;

	submission(&h, NULL, 1);
	harness_run(&h, EHLO "auth plain\r\n" PLAIN_ALICE "\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH "334 \r\n" OK_235 BYE);
	harness_free(&h);
	/* "=" is the empty initial response: no credentials at all */
	submission(&h, NULL, 1);
	harness_run(&h, EHLO "AUTH PLAIN =\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH BAD_535 BYE);
	ck_assert_int_eq(checks(&h), 0);
	harness_free(&h);
}
END_TEST

START_TEST(login)
{
	struct harness h;

	submission(&h, NULL, 1);
	harness_run(&h, EHLO "AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n"
		      OK_235 BYE);
	harness_free(&h);
	/* the user name as initial response */
	submission(&h, NULL, 1);
	harness_run(&h, EHLO "AUTH LOGIN YWxpY2U=\r\nc2VjcmV0\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH "334 UGFzc3dvcmQ6\r\n" OK_235 BYE);
	harness_free(&h);
}
END_TEST

START_TEST(cancel_and_syntax)
{
	struct harness h;

	submission(&h, NULL, 1);
	harness_run(&h, EHLO "AUTH PLAIN\r\n*\r\nAUTH LOGIN\r\nYWxpY2U=\r\n*\r\n"
		    "AUTH PLAIN AGFsaWNlAHNlY3JldA=\r\nAUTH LOGIN\r\nYWx!\r\n"
		    "AUTH CRAM-MD5\r\nAUTH\r\nAUTH PLAIN a b\r\nAUTH PLAIN \r\n"
		    "AUTH PLAIN\r\n" PLAIN_ALICE "\n"
		    "QUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH
		      "334 \r\n501 5.0.0 Authentication cancelled\r\n"
		      "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n501 5.0.0 Authentication cancelled\r\n"
		      "501 5.5.2 Error: cannot decode the response (base64)\r\n"
		      "334 VXNlcm5hbWU6\r\n501 5.5.2 Error: cannot decode the response (base64)\r\n"
		      "504 5.5.4 Error: unrecognized authentication mechanism\r\n"
		      "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n"
		      "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n"
		      "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n"
		      "334 \r\n501 5.5.2 Error: response not ended by CRLF\r\n"
		      BYE);
	ck_assert_int_eq(checks(&h), 0);
	harness_free(&h);
}
END_TEST

/* RFC 4954 §4: a long AUTH line is fine up to 12288 octets; longer
 * responses get 500 5.5.6; other commands keep the 512 limit. */
START_TEST(line_bounds)
{
	static char in[40000];
	struct harness h;
	size_t n;

	submission(&h, NULL, 1);
	n = (size_t)sprintf(in, EHLO "AUTH PLAIN ");
	memset(in + n, 'Q', 4000);	/* decodes to no NUL: no credentials */
	n += 4000;
	n += (size_t)sprintf(in + n, "\r\nAUTH PLAIN\r\n");
	memset(in + n, 'Q', 13000);
	n += 13000;
	n += (size_t)sprintf(in + n, "\r\nNOOP ");
	memset(in + n, 'x', 600);
	n += 600;
	n += (size_t)sprintf(in + n, "\r\nQUIT\r\n");
	harness_run_n(&h, in, n);
	ck_assert_out(&h, GREETING EHLO_AUTH BAD_535
		      "334 \r\n500 5.5.6 Authentication Exchange line is too long\r\n"
		      "500 5.5.2 Error: line too long\r\n" BYE);
	ck_assert_int_eq(checks(&h), 0);
	harness_free(&h);
}
END_TEST

/* 535 after each failure; at auth-failure-limit, 421 and the end. */
START_TEST(failures_then_lockout)
{
	struct harness h;

	submission(&h, NULL, 1);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_WRONG "\r\nAUTH LOGIN\r\nYWxpY2U=\r\nd3Jvbmc=\r\n"
		    "AUTH PLAIN AGFsIGljZQBzZWNyZXQ=\r\nAUTH PLAIN " PLAIN_ALICE "\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH BAD_535
		      "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n" BAD_535 BAD_535
		      "421 4.7.0 mx.example.test Error: too many failed authentications\r\n");
	ck_assert_int_eq(h.rc, 0);
	/* "al ice" is refused before the checker is asked */
	ck_assert_int_eq(checks(&h), 2);
	harness_free(&h);

	submission(&h, "auth-failure-limit 1\n", 1);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_WRONG "\r\nNOOP\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH BAD_535
		      "421 4.7.0 mx.example.test Error: too many failed authentications\r\n");
	harness_free(&h);

	/* a failure, then success: the limit is on failures */
	submission(&h, NULL, 1);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_WRONG "\r\nAUTH PLAIN " PLAIN_WRONG "\r\n"
		    "AUTH PLAIN " PLAIN_ALICE "\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH BAD_535 BAD_535 OK_235 BYE);
	harness_free(&h);
}
END_TEST

START_TEST(checker_trouble_is_temporary)
{
	struct harness h;

	submission(&h, NULL, 1);
	harness_write(h.dir, "checkmode", "exit 111", 8);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_ALICE "\r\nAUTH PLAIN " PLAIN_ALICE "\r\n"
		    "AUTH PLAIN " PLAIN_ALICE "\r\nAUTH PLAIN " PLAIN_ALICE "\r\n"
		    "MAIL FROM:<a@b.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH
		      "454 4.7.0 Temporary authentication failure\r\n"
		      "454 4.7.0 Temporary authentication failure\r\n"
		      "454 4.7.0 Temporary authentication failure\r\n"
		      "454 4.7.0 Temporary authentication failure\r\n"
		      "530 5.7.0 Authentication required\r\n" BYE);
	harness_free(&h);
	submission(&h, NULL, 1);
	strcpy(h.cfg.auth_program, "/nonexistent/checkpw");
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_ALICE "\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH "454 4.7.0 Temporary authentication failure\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(mail_auth_parameter)
{
	struct harness h;

	submission(&h, NULL, 1);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_ALICE "\r\n"
		    "MAIL FROM:<a@b.test> AUTH=<>\r\nRSET\r\n"
		    "MAIL FROM:<a@b.test> AUTH=alice+2Bx@b.test SIZE=10\r\nRSET\r\n"
		    "MAIL FROM:<a@b.test> AUTH=a+2\r\nMAIL FROM:<a@b.test> AUTH=a+zz\r\n"
		    "MAIL FROM:<a@b.test> AUTH=\r\nMAIL FROM:<a@b.test> AUTH\r\n"
		    "MAIL FROM:<a@b.test> AUTH=<> AUTH=<>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH OK_235
		      "250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n"
		      "501 5.5.4 Error: bad MAIL parameter syntax\r\n"
		      "501 5.5.4 Error: bad MAIL parameter syntax\r\n"
		      "501 5.5.4 Error: bad MAIL parameter syntax\r\n"
		      "501 5.5.4 Error: bad MAIL parameter syntax\r\n"
		      "501 5.5.4 Error: bad MAIL parameter syntax\r\n" BYE);
	harness_free(&h);
	/* RFC 4954 §5: from a client that did not authenticate, accepted and ignored */
	harness_init(&h, NULL, NULL);
	harness_run(&h, EHLO "MAIL FROM:<a@b.test> AUTH=<>\r\nRCPT TO:<x@far.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n"
		      "550 5.7.1 Error: relay access denied\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(sender_login_map)
{
	struct harness h;
	char conf[256], name[64];
	static const char map[] = "alice@example.test alice\n@other.test alice,bob\n";

	snprintf(name, sizeof name, "tern-map-%d", (int)getpid());
	snprintf(conf, sizeof conf, "sender-login-map /tmp/%s\n", name);
	submission(&h, conf, 1);
	harness_write("/tmp", name, map, strlen(map));
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_ALICE "\r\n"
		    "MAIL FROM:<bob@example.test>\r\nMAIL FROM:<Alice@Example.test>\r\nRSET\r\n"
		    "MAIL FROM:<x@other.test>\r\nRSET\r\nMAIL FROM:<>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH OK_235
		      "553 5.7.1 Sender address rejected: not owned by user alice\r\n"
		      "250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n"
		      "250 2.1.0 Ok\r\n" BYE);
	/* a broken map is a temporary failure, never "owned" */
	harness_write("/tmp", name, "broken\n", 7);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_ALICE "\r\nMAIL FROM:<alice@example.test>\r\n"
		    "QUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_AUTH OK_235
		      "451 4.3.0 Error: server configuration problem\r\n" BYE);
	unlink(h.cfg.sender_login_map);
	harness_free(&h);
}
END_TEST

/* Whatever happens, the password is not in the log (stderr here). */
START_TEST(no_password_in_log)
{
	struct harness h;
	char path[128], *log;
	int fd, saved;

	submission(&h, NULL, 1);
	snprintf(path, sizeof path, "%s/log", h.dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	saved = dup(2);
	dup2(fd, 2);
	harness_run(&h, EHLO "AUTH PLAIN " PLAIN_WRONG "\r\nAUTH LOGIN\r\nYWxpY2U=\r\nd3Jvbmc=\r\n"
		    "AUTH PLAIN " PLAIN_ALICE "\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@far.test>\r\n"
		    "DATA\r\nx\r\n.\r\nQUIT\r\n");
	dup2(saved, 2);
	close(saved);
	close(fd);
	log = harness_file(&h, "log", NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_nonnull(strstr(log, "authentication failed"));
	ck_assert_ptr_nonnull(strstr(log, "authenticated"));
	ck_assert_ptr_nonnull(strstr(log, "auth_user=alice"));
	ck_assert_ptr_null(strstr(log, "secret"));
	ck_assert_ptr_null(strstr(log, "wrong"));
	ck_assert_ptr_null(strstr(log, "c2VjcmV0"));
	ck_assert_ptr_null(strstr(log, PLAIN_ALICE));
	free(log);
	harness_free(&h);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("smtpd_auth");
	TCase *tc = tcase_create("smtpd_auth");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ehlo_offers_auth_only_under_tls);
	tcase_add_test(tc, no_password_before_tls);
	tcase_add_test(tc, mail_needs_auth);
	tcase_add_test(tc, plain_then_relay);
	tcase_add_test(tc, plain_continuation);
	tcase_add_test(tc, login);
	tcase_add_test(tc, cancel_and_syntax);
	tcase_add_test(tc, line_bounds);
	tcase_add_test(tc, failures_then_lockout);
	tcase_add_test(tc, checker_trouble_is_temporary);
	tcase_add_test(tc, mail_auth_parameter);
	tcase_add_test(tc, sender_login_map);
	tcase_add_test(tc, no_password_in_log);
	suite_add_tcase(s, tc);
	return s;
}
