/*
 * test_smtpd - smtpd's session: every command, reply and limit outside DATA,
 * as scripted dialogues through session_run() (smtpd/libsmtpd.a).
 */
#include "smtpd_harness.h"
#include "t/unit/check_main.h"

#define MAILTX "MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\n"

START_TEST(ehlo_keywords)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	harness_run(&h, "EHLO client.test\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY BYE);
	ck_assert_int_eq(h.rc, 0);
	harness_free(&h);
}
END_TEST

START_TEST(helo_and_syntax)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	harness_run(&h, "HELO client.test\r\nHELO\r\nEHLO a b\r\nhelo x\r\n"
		    "EHLO bad\x01name\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING HELO_REPLY "501 5.5.4 Syntax: HELO hostname\r\n"
		      "501 5.5.4 Syntax: EHLO hostname\r\n" HELO_REPLY
		      "501 5.5.4 Syntax: EHLO hostname\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(small_commands)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	harness_run(&h, "NOOP\r\nNOOP anything\r\nVRFY root\r\nVRFY\r\nEXPN staff\r\nHELP\r\n"
		    "RSET\r\nRSET x\r\nBDAT 10 LAST\r\nSTARTTLS\r\nAUTH PLAIN\r\nFOO\r\n"
		    "quit\r\nNOOP\r\n");
	ck_assert_out(&h, GREETING "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
		      "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"
		      "501 5.5.4 Syntax: VRFY address\r\n"
		      "502 5.5.1 Error: EXPN not available\r\n"
		      "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP\r\n"
		      "250 2.0.0 Ok\r\n501 5.5.4 Syntax: RSET\r\n"
		      "502 5.5.1 Error: command not implemented\r\n"
		      "502 5.5.1 Error: command not implemented\r\n"
		      "502 5.5.1 Error: command not implemented\r\n"
		      "500 5.5.2 Error: command not recognized\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(bad_sequence)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	harness_run(&h, "MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\n"
		    "EHLO c\r\nRCPT TO:<x@example.test>\r\nDATA\r\n"
		    "MAIL FROM:<a@b.test>\r\nMAIL FROM:<a@b.test>\r\nDATA\r\n"
		    "RSET\r\nRCPT TO:<x@example.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING "503 5.5.1 Error: send HELO or EHLO first\r\n"
		      "503 5.5.1 Error: need MAIL command\r\n"
		      "503 5.5.1 Error: need MAIL and RCPT commands\r\n" EHLO_REPLY
		      "503 5.5.1 Error: need MAIL command\r\n"
		      "503 5.5.1 Error: need MAIL and RCPT commands\r\n"
		      "250 2.1.0 Ok\r\n503 5.5.1 Error: nested MAIL command\r\n"
		      "554 5.5.1 Error: no valid recipients\r\n"
		      "250 2.0.0 Ok\r\n503 5.5.1 Error: need MAIL command\r\n" BYE);
	ck_assert_int_eq(harness_runs(&h), 0);
	harness_free(&h);
}
END_TEST

START_TEST(helo_resets_transaction)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	harness_run(&h, "EHLO c\r\n" MAILTX "EHLO c\r\nRCPT TO:<x@example.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" EHLO_REPLY
		      "503 5.5.1 Error: need MAIL command\r\n" BYE);
	harness_free(&h);
}
END_TEST

struct mail_case {
	const char *cmd;
	const char *reply;
};

static const struct mail_case mail_cases[] = {
	{ "MAIL FROM:<a@b.test>", "250 2.1.0 Ok" },
	{ "mail from:<>", "250 2.1.0 Ok" },
	{ "MAIL FROM: <a@b.test>", "250 2.1.0 Ok" },
	{ "MAIL FROM:<a@b.test> SIZE=1000 BODY=8BITMIME", "250 2.1.0 Ok" },
	{ "MAIL FROM:<a@b.test> body=7bit smtputf8", "250 2.1.0 Ok" },
	{ "MAIL FROM:<j\xc3\xb6rg@b.test> SMTPUTF8", "250 2.1.0 Ok" },
	{ "MAIL FROM:<@r.test:a@b.test>", "250 2.1.0 Ok" },
	{ "MAIL TO:<a@b.test>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
	{ "MAIL", "501 5.5.4 Syntax: MAIL FROM:<address>" },
	{ "MAIL FROM:a@b.test", "501 5.1.7 Error: bad sender address syntax (address syntax error)" },
	{ "MAIL FROM:<a@b.test", "501 5.1.7 Error: bad sender address syntax (address syntax error)" },
	{ "MAIL FROM:<a@[1.2.3.999]>", "501 5.1.7 Error: bad sender address syntax (bad address literal)" },
	{ "MAIL FROM:<a@b.test>x", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<a@b.test> FOO=1", "555 5.5.4 Error: MAIL parameter not recognized" },
	{ "MAIL FROM:<a@b.test> RET=HDRS", "555 5.5.4 Error: MAIL parameter not recognized" },
	{ "MAIL FROM:<a@b.test> SIZE=abc", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<a@b.test> SIZE=", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<a@b.test> SIZE", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<a@b.test> SIZE=1 SIZE=2", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<a@b.test> =1", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<a@b.test> SMTPUTF8=yes", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<a@b.test> BODY=BINARYMIME", "504 5.5.4 Error: BODY=BINARYMIME not supported" },
	{ "MAIL FROM:<a@b.test> BODY=9BIT", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<a@b.test> SIZE=67108864", "250 2.1.0 Ok" },
	{ "MAIL FROM:<a@b.test> SIZE=67108865",
	  "552 5.3.4 Error: message size exceeds fixed maximum message size" },
	{ "MAIL FROM:<a@b.test> SIZE=99999999999999999999",
	  "552 5.3.4 Error: message size exceeds fixed maximum message size" },
	{ "MAIL FROM:<a@b.test> SIZE=999999999999999999999", "501 5.5.4 Error: bad MAIL parameter syntax" },
	{ "MAIL FROM:<j\xc3\xb6rg@b.test>", "553 5.6.7 Error: non-ASCII address without SMTPUTF8" },
	{ "MAIL FROM:<\xc0\xaf@b.test> SMTPUTF8", "501 5.1.7 Error: bad sender address syntax (address syntax error)" },
};

START_TEST(mail_table)
{
	const struct mail_case *t = &mail_cases[_i];
	char in[600], want[1200];
	struct harness h;

	harness_init(&h, NULL, NULL);
	snprintf(in, sizeof in, "EHLO c\r\n%s\r\nQUIT\r\n", t->cmd);
	snprintf(want, sizeof want, GREETING EHLO_REPLY "%s\r\n" BYE, t->reply);
	harness_run(&h, in);
	ck_assert_out(&h, want);
	harness_free(&h);
}
END_TEST

START_TEST(mail_params_need_ehlo)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	harness_run(&h, "HELO c\r\nMAIL FROM:<a@b.test> SIZE=10\r\nMAIL FROM:<a@b.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING HELO_REPLY "555 5.5.4 Error: MAIL parameters need EHLO\r\n"
		      "250 2.1.0 Ok\r\n" BYE);
	harness_free(&h);
}
END_TEST

static const struct mail_case rcpt_cases[] = {
	{ "RCPT TO:<x@example.test>", "250 2.1.5 Ok" },
	{ "RCPT TO:<x@EXAMPLE.Test>", "250 2.1.5 Ok" },
	{ "rcpt to: <x@example.test>", "250 2.1.5 Ok" },
	{ "RCPT TO:<Postmaster>", "250 2.1.5 Ok" },
	{ "RCPT TO:<x@other.test>", "550 5.7.1 Error: relay access denied" },
	{ "RCPT TO:<x@sub.example.test>", "550 5.7.1 Error: relay access denied" },
	{ "RCPT TO:<x@[192.0.2.1]>", "550 5.7.1 Error: relay access denied" },
	{ "RCPT TO:<@example.test:x@other.test>", "550 5.7.1 Error: relay access denied" },
	{ "RCPT TO:<x>", "501 5.1.3 Error: bad recipient address syntax (address syntax error)" },
	{ "RCPT TO:<>", "501 5.1.3 Error: bad recipient address syntax (address syntax error)" },
	{ "RCPT FROM:<x@example.test>", "501 5.5.4 Syntax: RCPT TO:<address>" },
	{ "RCPT TO:<x@example.test> NOTIFY=NEVER", "555 5.5.4 Error: RCPT parameters not supported" },
	{ "RCPT TO:<x@example.test>junk", "501 5.5.4 Error: junk after the address" },
	{ "RCPT TO:<x@example.test> ", "250 2.1.5 Ok" },
	{ "RCPT TO:<\xc3\xa9@example.test>", "553 5.6.7 Error: non-ASCII address without SMTPUTF8" },
	{ "RCPT TO:<xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@example.test>",
	  "501 5.1.3 Error: local part longer than 64 octets" },
};

START_TEST(rcpt_table)
{
	const struct mail_case *t = &rcpt_cases[_i];
	char in[600], want[1200];
	struct harness h;

	harness_init(&h, NULL, NULL);
	snprintf(in, sizeof in, "EHLO c\r\nMAIL FROM:<a@b.test>\r\n%s\r\nQUIT\r\n", t->cmd);
	snprintf(want, sizeof want, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n%s\r\n" BYE, t->reply);
	harness_run(&h, in);
	ck_assert_out(&h, want);
	harness_free(&h);
}
END_TEST

/* a 255-octet domain makes the path longer than 256: 501 (§4.5.3.1.10) */
START_TEST(rcpt_path_too_long)
{
	char in[700], dom[300];
	struct harness h;
	size_t i;

	for (i = 0; i < 250; i++)
		dom[i] = (i % 50 == 49) ? '.' : 'd';
	memcpy(dom + 250, "x.com", 6);
	harness_init(&h, NULL, NULL);
	snprintf(in, sizeof in, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<ab@%s>\r\nQUIT\r\n", dom);
	harness_run(&h, in);
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n"
		      "501 5.1.3 Error: path longer than 256 octets\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(relay_client_env)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	h.o.relay_client = 1;
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@other.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(relay_net)
{
	struct harness h;

	harness_init(&h, "relay-net 192.0.2.0/24\nrelay-net 2001:db8::/32\n", NULL);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@other.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" BYE);
	ck_assert_int_eq(client_set(&h.o.client, "198.51.100.1", NULL, NULL), 0);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@other.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n"
		      "550 5.7.1 Error: relay access denied\r\n" BYE);
	ck_assert_int_eq(client_set(&h.o.client, "2001:db8::5", NULL, NULL), 0);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@other.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" BYE);
	/* an unknown client (a pipe) is never in a relay network */
	client_set(&h.o.client, NULL, NULL, NULL);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@other.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n"
		      "550 5.7.1 Error: relay access denied\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(no_accept_fails_closed)
{
	struct harness h;
	char err[512];

	harness_init(&h, NULL, NULL);
	config_free(&h.cfg);
	harness_write(h.dir, "tern.conf", "hostname mx.example.test\n", 25);
	ck_assert_int_eq(config_load(h.dir, &h.cfg, err, sizeof err), 0);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n"
		      "550 5.7.1 Error: relay access denied\r\n" BYE);
	harness_free(&h);
}
END_TEST

/* 100 recipients (§4.5.3.1.8), the 101st gets 452 4.5.3, all 100 reach the envelope */
START_TEST(recipient_limit)
{
	static char in[20000], want[20000], env[8000];
	struct harness h;
	size_t envlen;
	char *got;
	int i;

	harness_init(&h, NULL, NULL);
	strcpy(in, "EHLO c\r\nMAIL FROM:<a@b.test>\r\n");
	strcpy(want, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n");
	strcpy(env, "Fa@b.test");
	envlen = strlen(env) + 1;
	for (i = 0; i < 101; i++) {
		sprintf(in + strlen(in), "RCPT TO:<r%d@example.test>\r\n", i);
		strcat(want, i < 100 ? "250 2.1.5 Ok\r\n" : "452 4.5.3 Error: too many recipients\r\n");
		if (i < 100)
			envlen += (size_t)sprintf(env + envlen, "Tr%d@example.test", i) + 1;
	}
	env[envlen++] = '\0';
	strcat(in, "DATA\r\nhi\r\n.\r\nQUIT\r\n");
	harness_run(&h, in);
	ck_assert(strncmp(h.out, want, strlen(want)) == 0);
	ck_assert(strstr(h.out, "\r\n354 ") != NULL);
	ck_assert(strstr(h.out, "\r\n250 2.0.0 Ok: queued as ") != NULL);
	size_t n;
	got = harness_file(&h, "envelope", &n);
	ck_assert_uint_eq(n, envlen);
	ck_assert(memcmp(got, env, envlen) == 0);
	free(got);
	harness_free(&h);
}
END_TEST

START_TEST(recipient_limit_configured)
{
	struct harness h;

	harness_init(&h, "max-recipients 2\n", NULL);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\n"
		    "RCPT TO:<x@other.test>\r\nRCPT TO:<y@example.test>\r\n"
		    "RCPT TO:<z@example.test>\r\nQUIT\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
		      "550 5.7.1 Error: relay access denied\r\n250 2.1.5 Ok\r\n"
		      "452 4.5.3 Error: too many recipients\r\n" BYE);
	harness_free(&h);
}
END_TEST

/* §4.5.3.1.4: 512 octets with the CRLF are fine, 513 are not */
START_TEST(command_line_512)
{
	char in[2048];
	struct harness h;

	harness_init(&h, NULL, NULL);
	strcpy(in, "NOOP ");
	memset(in + 5, 'x', 505);
	strcpy(in + 510, "\r\n");		/* 512 */
	strcat(in, "NOOP ");
	memset(in + 517, 'y', 506);
	strcpy(in + 1023, "\r\nQUIT\r\n");	/* 513 */
	harness_run(&h, in);
	ck_assert_out(&h, GREETING "250 2.0.0 Ok\r\n500 5.5.2 Error: line too long\r\n" BYE);
	harness_free(&h);
}
END_TEST

/* a bare LF (or CR) never ends a command (smtpd(8), SMTP smuggling) */
START_TEST(command_bare_lf_cr_nul)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	static const char in[] = "NOOP\nQUIT\rNOOP\r\nNO\0OP\r\nQUIT\r\n";

	harness_run_n(&h, in, sizeof in - 1);
	ck_assert_out(&h, GREETING "500 5.5.2 Error: command line not ended by CRLF\r\n"
		      "500 5.5.2 Error: NUL or CR in command line\r\n"
		      "500 5.5.2 Error: NUL or CR in command line\r\n" BYE);
	harness_free(&h);
}
END_TEST

START_TEST(eof_without_quit)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	harness_run(&h, "EHLO c\r\nNOOP");
	ck_assert_out(&h, GREETING EHLO_REPLY "500 5.5.2 Error: command line not ended by CRLF\r\n");
	ck_assert_int_eq(h.rc, 0);
	harness_free(&h);
}
END_TEST

START_TEST(command_timeout)
{
	struct harness h;

	harness_init(&h, "command-timeout 1s\n", NULL);
	harness_run_pipe(&h, "EHLO c\r\nNOOP\r\nNO");
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.0.0 Ok\r\n"
		      "421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
	ck_assert_int_eq(h.rc, 1);
	harness_free(&h);
}
END_TEST

/*
 * The whole command line is due within command-timeout: a client sending a
 * byte every 250 ms (the old per-read timeout of 1 s never ran out) is cut
 * at the line's deadline, long before its 40 bytes and CRLF are through.
 */
START_TEST(command_line_deadline)
{
	struct harness h;

	harness_init(&h, "command-timeout 1s\n", NULL);
	harness_run_slow(&h, "EHLO c\r\n", "NOOP xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\nQUIT\r\n",
			 250);
	ck_assert_out(&h, GREETING EHLO_REPLY
		      "421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
	ck_assert_int_eq(h.rc, 1);
	harness_free(&h);
}
END_TEST

/* ...and each line has a deadline of its own: slow lines, each well within
 * command-timeout, go on past it in all. */
START_TEST(command_line_deadline_per_line)
{
	struct harness h;

	harness_init(&h, "command-timeout 3s\n", NULL);
	harness_run_slow(&h, "EHLO c\r\n", "NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n"
			 "NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nQUIT\r\n", 50);
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
		      "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
		      "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
		      "250 2.0.0 Ok\r\n" BYE);
	ck_assert_int_eq(h.rc, 0);
	harness_free(&h);
}
END_TEST

START_TEST(session_timeout)
{
	struct harness h;

	harness_init(&h, "command-timeout 1h\nsession-timeout 1s\n", NULL);
	harness_run_pipe(&h, "EHLO c\r\n");
	ck_assert_out(&h, GREETING EHLO_REPLY
		      "421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
	ck_assert_int_eq(h.rc, 1);
	harness_free(&h);
}
END_TEST

/* RFC 2920: a whole batch in one write, replies in order */
START_TEST(pipelining_batch)
{
	struct harness h;
	char *id, want[1024];

	harness_init(&h, NULL, NULL);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\n"
		    "RCPT TO:<y@nope.test>\r\nRCPT TO:<y@example.test>\r\nDATA\r\n"
		    "body\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<z@example.test>\r\nRSET\r\nQUIT\r\n");
	id = harness_file(&h, "id", NULL);
	ck_assert_ptr_nonnull(id);
	snprintf(want, sizeof want, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
		 "550 5.7.1 Error: relay access denied\r\n250 2.1.5 Ok\r\n"
		 "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as %s\r\n"
		 "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok\r\n" BYE, id);
	ck_assert_out(&h, want);
	ck_assert_int_eq(harness_runs(&h), 1);
	free(id);
	harness_free(&h);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("smtpd");
	TCase *tc = tcase_create("commands");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ehlo_keywords);
	tcase_add_test(tc, helo_and_syntax);
	tcase_add_test(tc, small_commands);
	tcase_add_test(tc, bad_sequence);
	tcase_add_test(tc, helo_resets_transaction);
	tcase_add_loop_test(tc, mail_table, 0, (int)(sizeof mail_cases / sizeof mail_cases[0]));
	tcase_add_test(tc, mail_params_need_ehlo);
	tcase_add_loop_test(tc, rcpt_table, 0, (int)(sizeof rcpt_cases / sizeof rcpt_cases[0]));
	tcase_add_test(tc, rcpt_path_too_long);
	tcase_add_test(tc, relay_client_env);
	tcase_add_test(tc, relay_net);
	tcase_add_test(tc, no_accept_fails_closed);
	tcase_add_test(tc, recipient_limit);
	tcase_add_test(tc, recipient_limit_configured);
	tcase_add_test(tc, command_line_512);
	tcase_add_test(tc, command_bare_lf_cr_nul);
	tcase_add_test(tc, eof_without_quit);
	tcase_add_test(tc, command_timeout);
	tcase_add_test(tc, session_timeout);
	tcase_add_test(tc, command_line_deadline);
	tcase_add_test(tc, command_line_deadline_per_line);
	tcase_add_test(tc, pipelining_batch);
	suite_add_tcase(s, tc);
	return s;
}
