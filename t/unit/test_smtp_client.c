/*
 * test_smtp_client - deliver() against a scripted fake SMTP server in a child
 * process on 127.0.0.2: connection reuse, RSET after a failed transaction, a
 * kept connection that died, 421 greeting, the bytes of the DATA phase,
 * 8-bit content with and without 8BITMIME; every reply timeout of RFC 5321
 * §4.5.3.2 (a server that goes silent at each stage); TCP_NODELAY.
 * The server: fake_smtp.h.
 */
#include <arpa/inet.h>
#include <check.h>
#include "t/unit/check_main.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay/deliver.h"
#include "relay/smtp_client.h"
#include "fake_smtp.h"

enum fake_mode { FAKE_NORMAL, FAKE_CLOSE_AFTER_TX, FAKE_GREET_421, FAKE_8BITMIME,
		 /* STARTTLS offered; its 220 comes with a plaintext line behind it,
		  * or STARTTLS is refused with 454 */
		 FAKE_STARTTLS_INJECT, FAKE_STARTTLS_454,
		 /* no PIPELINING, so that each command waits for its own reply;
		  * silent from that point on, reading until the client closes */
		 FAKE_SILENT_GREETING, FAKE_SILENT_EHLO, FAKE_SILENT_MAIL,
		 FAKE_SILENT_RCPT, FAKE_SILENT_DATA, FAKE_SILENT_DOT };

static struct fake_smtp fake;

/* Whether a FAKE_SILENT_* server stops answering at line (and stays silent). */
static int fake_silent(enum fake_mode mode, const char *line, int data)
{
	static int silent;
	static const struct { enum fake_mode mode; const char *cmd; } at[] = {
		{ FAKE_SILENT_EHLO, "EHLO" }, { FAKE_SILENT_MAIL, "MAIL" },
		{ FAKE_SILENT_RCPT, "RCPT" }, { FAKE_SILENT_DATA, "DATA" },
	};
	size_t i;

	if (mode == FAKE_SILENT_GREETING)
		silent = 1;
	for (i = 0; i < sizeof at / sizeof at[0]; i++)
		if (mode == at[i].mode && !data && !strncmp(line, at[i].cmd, 4))
			silent = 1;
	if (mode == FAKE_SILENT_DOT && data && !strcmp(line, ".\r\n"))
		silent = 1;
	return silent;
}

/* One session: answers by command; logs "C<n> <line>" to log, "C<n> end" at its end. */
static void fake_session(int fd, int n, int mode, FILE *log)
{
	FILE *in = fdopen(dup(fd), "r");
	char line[1200];
	int data = 0, rcpts = 0;

	if (mode == FAKE_GREET_421) {
		fake_line(fd, "421 4.3.2 busy\r\n");
		return;
	}
	if (mode != FAKE_SILENT_GREETING)
		fake_line(fd, "220 fake ESMTP\r\n");
	while (fgets(line, sizeof line, in)) {
		fprintf(log, "C%d %s", n, line);
		fflush(log);
		if (fake_silent(mode, line, data))
			continue;
		if (data) {
			if (!strcmp(line, ".\r\n")) {
				data = 0;
				fake_line(fd, "250 2.0.0 queued\r\n");
				if (mode == FAKE_CLOSE_AFTER_TX)
					break;
			}
			continue;
		}
		if (!strncmp(line, "EHLO", 4) && mode >= FAKE_SILENT_GREETING)
			fake_line(fd, "250-fake\r\n250 SIZE 100000\r\n");
		else if (!strncmp(line, "EHLO", 4) &&
			 (mode == FAKE_STARTTLS_INJECT || mode == FAKE_STARTTLS_454))
			fake_line(fd, "250-fake\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n");
		else if (!strncmp(line, "STARTTLS", 8) && mode == FAKE_STARTTLS_INJECT)
			fake_line(fd, "220 go ahead\r\n250 injected before TLS\r\n");
		else if (!strncmp(line, "STARTTLS", 8))
			fake_line(fd, "454 4.7.0 TLS not available\r\n");
		else if (!strncmp(line, "EHLO", 4) && mode == FAKE_8BITMIME)
			fake_line(fd, "250-fake\r\n250-8BITMIME\r\n250 PIPELINING\r\n");
		else if (!strncmp(line, "EHLO", 4))
			fake_line(fd, "250-fake\r\n250-PIPELINING\r\n250 SIZE 100000\r\n");
		else if (!strncmp(line, "RCPT TO:<bad", 12))
			fake_line(fd, "550 5.1.1 bad\r\n");
		else if (!strncmp(line, "DATA", 4) && !rcpts)
			fake_line(fd, "554 5.5.1 no valid recipients\r\n");
		else if (!strncmp(line, "DATA", 4)) {
			fake_line(fd, "354 go\r\n");
			data = 1;
			rcpts = 0;
		} else if (!strncmp(line, "RCPT", 4)) {
			fake_line(fd, "250 ok\r\n");
			rcpts++;
		} else if (!strncmp(line, "RSET", 4) || !strncmp(line, "MAIL", 4)) {
			fake_line(fd, "250 ok\r\n");
			rcpts = 0;
		} else if (!strncmp(line, "QUIT", 4)) {
			fake_line(fd, "221 bye\r\n");
			break;
		} else
			fake_line(fd, "250 ok\r\n");
	}
	fprintf(log, "C%d end\n", n);
	fflush(log);
	fclose(in);
}

static struct config cfg;
static struct deliver_ctx ctx;

static int body_fd(const char *text)
{
	FILE *f = tmpfile();
	fputs(text, f);
	fflush(f);
	return dup(fileno(f));
}

/* deliver() of job with body as its message. */
static void deliver_body(struct deliver_job *job, const char *body, struct deliver_result *res)
{
	job->body_fd = body_fd(body);
	job->body_len = strlen(body);
	deliver(&ctx, job, res);
	close(job->body_fd);
}

static void run_8bit(const char *const *rcpt, size_t n, const char *body,
		     struct deliver_rcpt_result *r, int eightbit)
{
	struct deliver_job job = { "Q1", "[127.0.0.2]", "s@x.test", rcpt, n, -1, 0, 0, eightbit, NULL, 0 };
	struct deliver_result res = { r, "", 0, "" };

	deliver_body(&job, body, &res);
}

static void run(const char *const *rcpt, size_t n, const char *body,
		struct deliver_rcpt_result *r)
{
	run_8bit(rcpt, n, body, r, 0);
}

static void setup(enum fake_mode mode)
{
	fake_start(&fake, "smtp", fake_session, mode);
	fake_client(&cfg, &ctx, fake.port);
}

/* The kept connection closed (QUIT), the server stopped: its transcript. */
static char *fake_end(void)
{
	deliver_close_all(&ctx);
	return fake_stop(&fake);
}

START_TEST(reuse_and_rset)
{
	const char *ok[] = { "a@y.test", "b@y.test" };
	const char *bad[] = { "bad@y.test" };
	struct deliver_rcpt_result r[2];
	char *t;

	setup(FAKE_NORMAL);
	run(ok, 2, "Subject: 1\n\n.x\r.\r\n", r);
	ck_assert_int_eq(r[0].code, 250);
	ck_assert_int_eq(r[1].code, 250);
	run(bad, 1, "Subject: 2\n", r);
	ck_assert_int_eq(r[0].code, 550);
	ck_assert_str_eq(r[0].enhanced, "5.1.1");
	run(bad, 1, "Subject: 2\n", r);	/* twice: RSET before each following MAIL */
	ck_assert_int_eq(r[0].code, 550);
	run(ok, 1, "Subject: 3\n", r);
	ck_assert_int_eq(r[0].code, 250);
	t = fake_end();
	ck_assert_msg(!strstr(t, "C2 "), "one connection for three jobs:\n%s", t);
	ck_assert_msg(strstr(t, "C1 DATA\r\nC1 Subject: 1\r\nC1 \r\nC1 ..x\r\nC1 ..\r\nC1 .\r\n"),
		      "DATA bytes:\n%s", t);
	/* the second transaction ended with MAIL accepted and no recipient: RSET first */
	ck_assert_msg(strstr(t, "C1 RCPT TO:<bad@y.test>\r\nC1 DATA\r\nC1 RSET\r\nC1 MAIL"),
		      "RSET before the third MAIL:\n%s", t);
	ck_assert_msg(strstr(t, "C1 QUIT\r\n"), "QUIT at close_all:\n%s", t);
	ck_assert_msg(!strstr(t, "C1 DATA\r\nC1 MAIL"), "MAIL without RSET after a failed one:\n%s", t);
}
END_TEST

START_TEST(dead_kept_connection)
{
	const char *ok[] = { "a@y.test" };
	struct deliver_rcpt_result r[1];
	char *t;

	setup(FAKE_CLOSE_AFTER_TX);
	run(ok, 1, "one\n", r);
	ck_assert_int_eq(r[0].code, 250);
	usleep(100000);
	run(ok, 1, "two\n", r);
	ck_assert_int_eq(r[0].code, 250);
	t = fake_end();
	ck_assert_msg(strstr(t, "C2 MAIL FROM:<s@x.test> SIZE=4\r\n"), "fresh connection:\n%s", t);
}
END_TEST

START_TEST(greeting_421)
{
	const char *ok[] = { "a@y.test", "b@y.test" };
	struct deliver_rcpt_result r[2];
	struct deliver_result res = { r, "", 0, "" };
	struct deliver_job job = { "Q1", "[127.0.0.2]", "", ok, 2, -1, 1, 0, 0, NULL, 0 };

	setup(FAKE_GREET_421);
	deliver_body(&job, "x", &res);
	fake_stop(&fake);
	ck_assert_int_eq(r[0].code, 421);
	ck_assert_int_eq(r[1].code, 421);
	ck_assert_str_eq(r[0].enhanced, "4.3.2");
	ck_assert_int_eq(res.destination_failed, 1);
	ck_assert_str_eq(res.remote_mta, "");
}
END_TEST

START_TEST(connection_refused)
{
	const char *ok[] = { "a@y.test" };
	struct deliver_rcpt_result r[1];
	struct deliver_result res = { r, "", 0, "" };
	struct deliver_job job = { "Q1", "[127.0.0.2]", "", ok, 1, -1, 1, 0, 0, NULL, 0 };

	setup(FAKE_NORMAL);
	fake_stop(&fake);
	deliver_body(&job, "x", &res);
	ck_assert_int_eq(r[0].code, 451);
	ck_assert_str_eq(r[0].enhanced, "4.4.1");
	ck_assert_int_eq(res.destination_failed, 1);
}
END_TEST

START_TEST(eightbit_without_8bitmime)
{
	const char *ok[] = { "a@y.test", "b@y.test" };
	struct deliver_rcpt_result r[2];
	char *t;

	setup(FAKE_NORMAL);
	/* flagged by the scheduler, or found in the body when the scheduler
	 * could not scan it: both bounce */
	run_8bit(ok, 2, "Subject: 1\n\ncaf\xc3\xa9\n", r, 1);
	ck_assert_int_eq(r[0].code, 554);
	ck_assert_str_eq(r[0].enhanced, "5.6.3");
	ck_assert_str_eq(r[1].enhanced, "5.6.3");
	ck_assert_msg(strstr(r[0].text, "8BITMIME") != NULL, "%s", r[0].text);
	run_8bit(ok, 1, "Subject: 2\n\ncaf\xc3\xa9\n", r, -1);	/* not scanned yet */
	ck_assert_int_eq(r[0].code, 554);
	ck_assert_str_eq(r[0].enhanced, "5.6.3");
	run_8bit(ok, 1, "Subject: 3\n\n7-bit\n", r, 0);
	ck_assert_int_eq(r[0].code, 250);
	t = fake_end();
	ck_assert_msg(!strstr(t, "Subject: 1") && !strstr(t, "Subject: 2"),
		      "8-bit message sent:\n%s", t);
	ck_assert_msg(strstr(t, "C1 MAIL FROM:<s@x.test> SIZE=18\r\n"), "7-bit sent:\n%s", t);
	ck_assert_msg(!strstr(t, "C2 "), "one connection:\n%s", t);
}
END_TEST

START_TEST(eightbit_with_8bitmime)
{
	const char *ok[] = { "a@y.test" };
	struct deliver_rcpt_result r[1];
	char *t;

	setup(FAKE_8BITMIME);
	run_8bit(ok, 1, "Subject: 1\n\ncaf\xc3\xa9\n", r, 1);
	ck_assert_int_eq(r[0].code, 250);
	run_8bit(ok, 1, "Subject: 2\n\nplain\n", r, 0);
	ck_assert_int_eq(r[0].code, 250);
	t = fake_end();
	/* RFC 6152 §3: BODY=8BITMIME for the 8-bit message only */
	ck_assert_msg(strstr(t, "C1 MAIL FROM:<s@x.test> BODY=8BITMIME\r\n"), "%s", t);
	ck_assert_msg(strstr(t, "C1 MAIL FROM:<s@x.test>\r\n"), "%s", t);
	ck_assert_msg(strstr(t, "C1 caf\xc3\xa9\r\n"), "8-bit bytes as they are:\n%s", t);
}
END_TEST

/* The transcript once the server saw the session end (or 5 s passed). */
static char *fake_stop_after_end(void)
{
	char buf[64];
	int i;

	for (i = 0; i < 100; i++) {
		FILE *f = fopen(fake.transcript, "r");
		int end = 0;

		while (f && fgets(buf, sizeof buf, f))
			end |= !strcmp(buf, "C1 end\n");
		if (f)
			fclose(f);
		if (end)
			break;
		usleep(50000);
	}
	return fake_stop(&fake);
}

START_TEST(timeouts_from_the_configuration)
{
	struct smtp_timeouts to;

	/* RFC 5321 §4.5.3.2: the defaults are the RFC's minutes */
	memset(&cfg, 0, sizeof cfg);
	smtp_timeouts_init(&to, &cfg);
	ck_assert_int_eq(to.greeting, 300000);	/* §4.5.3.2.1: 5 min */
	ck_assert_int_eq(to.helo, 300000);
	ck_assert_int_eq(to.mail, 300000);	/* §4.5.3.2.2: 5 min */
	ck_assert_int_eq(to.rcpt, 300000);	/* §4.5.3.2.3: 5 min */
	ck_assert_int_eq(to.data, 120000);	/* §4.5.3.2.4: 2 min */
	ck_assert_int_eq(to.block, 180000);	/* §4.5.3.2.5: 3 min */
	ck_assert_int_eq(to.dot, 600000);	/* §4.5.3.2.6: 10 min */
	ck_assert_int_eq(to.connect, SMTP_CONNECT_MAX_MS);
	/* shrunk for tests, never below 1 s */
	cfg.command_timeout = 1;
	cfg.data_timeout = 1;
	smtp_timeouts_init(&to, &cfg);
	ck_assert_int_eq(to.greeting, 1000);
	ck_assert_int_eq(to.mail, 1000);
	ck_assert_int_eq(to.rcpt, 1000);
	ck_assert_int_eq(to.data, 1000);
	ck_assert_int_eq(to.dot, 2000);
	ck_assert_int_eq(to.block, 1000);
	ck_assert_int_eq(to.connect, 1000);
}
END_TEST

/*
 * A server that stops answering at one stage (loop index, see the table):
 * after that stage's timeout (command-timeout 1 s) the client gives up,
 * closes the connection and defers every recipient with 451 4.4.2, saying
 * where it waited. Before MAIL was accepted it is a failure of the
 * destination (the scheduler backs it off); after, the recipients' result.
 */
static const struct {
	enum fake_mode mode;
	const char *after;	/* in the reply text */
	const char *last;	/* the last line the server received */
	int min_ms;		/* the timeout that applies */
	int destination_failed;
} silent[] = {
	{ FAKE_SILENT_GREETING, "timed out waiting for a reply", NULL, 1000, 1 },
	{ FAKE_SILENT_EHLO, "timed out waiting for a reply", "C1 EHLO me.test\r\n", 1000, 1 },
	{ FAKE_SILENT_MAIL, "timed out waiting for a reply after MAIL",
	  "C1 MAIL FROM:<s@x.test> SIZE=5\r\n", 1000, 1 },
	{ FAKE_SILENT_RCPT, "timed out waiting for a reply after RCPT",
	  "C1 RCPT TO:<a@y.test>\r\n", 1000, 0 },
	{ FAKE_SILENT_DATA, "timed out waiting for a reply after DATA", "C1 DATA\r\n", 1000, 0 },
	{ FAKE_SILENT_DOT, "timed out waiting for a reply after end of data", "C1 .\r\n",
	  2000, 0 },
};

START_TEST(silent_server_times_out)
{
	const char *ok[] = { "a@y.test", "b@y.test" };
	struct deliver_rcpt_result r[2];
	struct deliver_result res = { r, "", 0, "" };
	struct deliver_job job = { "Q1", "[127.0.0.2]", "s@x.test", ok, 2, -1, 5, 0, 0, NULL, 0 };
	long long t0, ms;
	char *t, want[128];

	setup(silent[_i].mode);
	cfg.command_timeout = 1;
	cfg.data_timeout = 1;
	job.body_fd = body_fd("body\n");
	t0 = clock_ms();
	deliver(&ctx, &job, &res);
	ms = clock_ms() - t0;
	close(job.body_fd);
	t = fake_stop_after_end();
	ck_assert_int_eq(r[0].code, 451);
	ck_assert_int_eq(r[1].code, 451);
	ck_assert_str_eq(r[0].enhanced, "4.4.2");
	ck_assert_msg(strstr(r[0].text, silent[_i].after) != NULL, "reply: %s", r[0].text);
	ck_assert_int_eq(res.destination_failed, silent[_i].destination_failed);
	/* the wait was that timeout's, not the 5 or 10 minutes of the default */
	ck_assert_msg(ms >= silent[_i].min_ms - 50 && ms < 10000, "gave up after %lld ms", ms);
	/* the client closed the connection (the server saw its end) ... */
	ck_assert_msg(strstr(t, "C1 end\n") != NULL, "connection not closed:\n%s", t);
	/* ... and sent nothing after the unanswered command, not even QUIT */
	if (silent[_i].last) {
		snprintf(want, sizeof want, "%sC1 end\n", silent[_i].last);
		ck_assert_msg(strstr(t, want) != NULL, "after %s:\n%s", silent[_i].last, t);
	} else {
		ck_assert_str_eq(t, "C1 end\n");
	}
	ck_assert_msg(!strstr(t, "C2 "), "a second connection:\n%s", t);
	deliver_close_all(&ctx);
}
END_TEST

/* No Nagle stall at the end of the data: TCP_NODELAY is set. */
START_TEST(client_socket_has_nodelay)
{
	struct sockaddr_in *sin;
	struct smtp_timeouts to;
	struct mx_target tg;
	struct smtp_conn c;
	struct reply why;
	int v = 0;
	socklen_t len = sizeof v;

	setup(FAKE_NORMAL);
	memset(&tg, 0, sizeof tg);
	strcpy(tg.host, "127.0.0.2");
	sin = (struct sockaddr_in *)&tg.ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)fake.port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
	tg.sslen = sizeof *sin;
	smtp_timeouts_init(&to, &cfg);
	ck_assert_int_eq(smtp_open(&c, &tg, 0, &to, "me.test", &why), 0);
	ck_assert_int_eq(getsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	ck_assert_int_ne(v, 0);
	smtp_quit(&c);
	fake_stop(&fake);
}
END_TEST

/* A client to the fake server at 127.0.0.2:fake.port. */
static void fake_target(struct mx_target *tg)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&tg->ss;

	memset(tg, 0, sizeof *tg);
	strcpy(tg->host, "mx.fake.test");
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)fake.port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
	tg->sslen = sizeof *sin;
}

/* RFC 3207 §5: bytes the server sent after its 220 to STARTTLS never count as TLS data */
START_TEST(starttls_plaintext_behind_220)
{
	struct smtp_security sec = { .level = TLS_ENCRYPT };
	struct smtp_timeouts to;
	struct mx_target tg;
	struct smtp_conn c;
	struct reply why;
	const char *t;

	setup(FAKE_STARTTLS_INJECT);
	fake_target(&tg);
	smtp_timeouts_init(&to, &cfg);
	ck_assert_int_eq(smtp_open_secure(&c, &tg, 0, &to, "me.test", &sec, &why), -1);
	ck_assert_int_eq(why.code, 451);
	ck_assert_str_eq(why.enhanced, "4.7.5");
	ck_assert_ptr_nonnull(strstr(why.text, "plaintext after the STARTTLS reply"));
	ck_assert_int_eq(c.fd, -1);
	t = fake_stop(&fake);
	ck_assert_ptr_nonnull(strstr(t, "C1 STARTTLS\r\n"));
	ck_assert_ptr_null(strstr(t, "C2 "));	/* encrypt: no plaintext retry */
}
END_TEST

/* a refused STARTTLS: may goes on in plaintext (never AUTH), encrypt defers */
START_TEST(starttls_refused)
{
	struct smtp_security sec = { .level = TLS_MAY };
	struct smtp_timeouts to;
	struct mx_target tg;
	struct smtp_conn c;
	struct reply why;
	const char *t;

	setup(FAKE_STARTTLS_454);
	fake_target(&tg);
	smtp_timeouts_init(&to, &cfg);
	ck_assert_int_eq(smtp_open_secure(&c, &tg, 0, &to, "me.test", &sec, &why), 0);
	ck_assert_ptr_null(c.tls);
	ck_assert_str_eq(c.tls_info, "");
	smtp_quit(&c);
	sec.level = TLS_ENCRYPT;
	ck_assert_int_eq(smtp_open_secure(&c, &tg, 0, &to, "me.test", &sec, &why), -1);
	ck_assert_int_eq(why.code, 454);
	ck_assert_ptr_nonnull(strstr(why.text, "said after STARTTLS: 454 4.7.0"));
	/* credentials with may (never made so by deliver(), which raises the
	 * level): still no AUTH without TLS */
	sec.level = TLS_MAY;
	sec.user = "u";
	sec.password = "secret";
	ck_assert_int_eq(smtp_open_secure(&c, &tg, 0, &to, "me.test", &sec, &why), -1);
	ck_assert_str_eq(why.enhanced, "4.7.10");
	t = fake_stop(&fake);
	ck_assert_ptr_null(strstr(t, "AUTH"));
	ck_assert_ptr_null(strstr(t, "secret"));
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("smtp_client");
	TCase *t = tcase_create("deliver");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, reuse_and_rset);
	tcase_add_test(t, dead_kept_connection);
	tcase_add_test(t, greeting_421);
	tcase_add_test(t, connection_refused);
	tcase_add_test(t, eightbit_without_8bitmime);
	tcase_add_test(t, eightbit_with_8bitmime);
	tcase_add_test(t, timeouts_from_the_configuration);
	tcase_add_loop_test(t, silent_server_times_out, 0, sizeof silent / sizeof silent[0]);
	tcase_add_test(t, client_socket_has_nodelay);
	tcase_add_test(t, starttls_plaintext_behind_220);
	tcase_add_test(t, starttls_refused);
	suite_add_tcase(s, t);
	return s;
}
