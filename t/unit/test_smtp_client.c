/*
 * test_smtp_client - deliver() against a scripted fake SMTP server in a child
 * process on 127.0.0.2: connection reuse, RSET after a failed transaction, a
 * kept connection that died, 421 greeting, the bytes of the DATA phase,
 * 8-bit content with and without 8BITMIME.
 * Not 127.0.0.1: an interface's address is this host, and mail to the
 * literal [127.0.0.1] is a loop (relay/mx.h); the rest of 127.0.0.0/8 is
 * routed to lo without being an interface address.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relay/deliver.h"
#include "relay/smtp_client.h"

enum fake_mode { FAKE_NORMAL, FAKE_CLOSE_AFTER_TX, FAKE_GREET_421, FAKE_8BITMIME };

static char transcript[] = "/tmp/tern-test-smtp.XXXXXX";
static pid_t server;
static unsigned port;

static void fake_line(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(2);
}

/* One session: answers by command; logs "C<n> <line>" to log. */
static void fake_session(int fd, int n, enum fake_mode mode, FILE *log)
{
	FILE *in = fdopen(dup(fd), "r");
	char line[1200];
	int data = 0, rcpts = 0;

	if (mode == FAKE_GREET_421) {
		fake_line(fd, "421 4.3.2 busy\r\n");
		return;
	}
	fake_line(fd, "220 fake ESMTP\r\n");
	while (fgets(line, sizeof line, in)) {
		fprintf(log, "C%d %s", n, line);
		fflush(log);
		if (data) {
			if (!strcmp(line, ".\r\n")) {
				data = 0;
				fake_line(fd, "250 2.0.0 queued\r\n");
				if (mode == FAKE_CLOSE_AFTER_TX)
					break;
			}
			continue;
		}
		if (!strncmp(line, "EHLO", 4) && mode == FAKE_8BITMIME)
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
	fclose(in);
}

static void fake_start(enum fake_mode mode)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1, fd;

	strcpy(transcript, "/tmp/tern-test-smtp.XXXXXX");
	close(mkstemp(transcript));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(ls, 16), 0);
	getsockname(ls, (struct sockaddr *)&sin, &len);
	port = ntohs(sin.sin_port);
	server = fork();
	ck_assert_int_ge(server, 0);
	if (server == 0) {
		FILE *log = fopen(transcript, "w");
		for (int n = 1; (fd = accept(ls, NULL, NULL)) >= 0; n++) {
			fake_session(fd, n, mode, log);
			close(fd);
		}
		_exit(0);
	}
	close(ls);
}

static char *fake_stop(void)
{
	static char buf[8192];
	FILE *f;
	size_t n;

	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	f = fopen(transcript, "r");
	n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(transcript);
	return buf;
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

static void run_8bit(const char *const *rcpt, size_t n, const char *body,
		     struct deliver_rcpt_result *r, int eightbit)
{
	struct deliver_job job = { "Q1", "[127.0.0.2]", "s@x.test", rcpt, n, -1, 0, 0, eightbit };
	struct deliver_result res = { r, "", 0 };

	job.body_fd = body_fd(body);
	job.body_len = strlen(body);
	deliver(&ctx, &job, &res);
	close(job.body_fd);
}

static void run(const char *const *rcpt, size_t n, const char *body,
		struct deliver_rcpt_result *r)
{
	run_8bit(rcpt, n, body, r, 0);
}

static void setup(enum fake_mode mode)
{
	fake_start(mode);
	memset(&cfg, 0, sizeof cfg);
	strcpy(cfg.hostname, "me.test");
	cfg.smtp_port = port;
	cfg.command_timeout = 5;
	cfg.data_timeout = 5;
	deliver_init(&ctx, &cfg);
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
	deliver_close_all(&ctx);
	t = fake_stop();
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
	deliver_close_all(&ctx);
	t = fake_stop();
	ck_assert_msg(strstr(t, "C2 MAIL FROM:<s@x.test> SIZE=4\r\n"), "fresh connection:\n%s", t);
}
END_TEST

START_TEST(greeting_421)
{
	const char *ok[] = { "a@y.test", "b@y.test" };
	struct deliver_rcpt_result r[2];
	struct deliver_result res = { r, "", 0 };
	struct deliver_job job = { "Q1", "[127.0.0.2]", "", ok, 2, -1, 1, 0, 0 };

	setup(FAKE_GREET_421);
	job.body_fd = body_fd("x");
	deliver(&ctx, &job, &res);
	close(job.body_fd);
	fake_stop();
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
	struct deliver_result res = { r, "", 0 };
	struct deliver_job job = { "Q1", "[127.0.0.2]", "", ok, 1, -1, 1, 0, 0 };

	setup(FAKE_NORMAL);
	fake_stop();
	job.body_fd = body_fd("x");
	deliver(&ctx, &job, &res);
	close(job.body_fd);
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
	/* flagged by the scheduler, or only found in the body: both bounce */
	run_8bit(ok, 2, "Subject: 1\n\ncaf\xc3\xa9\n", r, 1);
	ck_assert_int_eq(r[0].code, 554);
	ck_assert_str_eq(r[0].enhanced, "5.6.3");
	ck_assert_str_eq(r[1].enhanced, "5.6.3");
	ck_assert_msg(strstr(r[0].text, "8BITMIME") != NULL, "%s", r[0].text);
	run_8bit(ok, 1, "Subject: 2\n\ncaf\xc3\xa9\n", r, 0);
	ck_assert_int_eq(r[0].code, 554);
	ck_assert_str_eq(r[0].enhanced, "5.6.3");
	run_8bit(ok, 1, "Subject: 3\n\n7-bit\n", r, 0);
	ck_assert_int_eq(r[0].code, 250);
	deliver_close_all(&ctx);
	t = fake_stop();
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
	deliver_close_all(&ctx);
	t = fake_stop();
	/* RFC 6152 §3: BODY=8BITMIME for the 8-bit message only */
	ck_assert_msg(strstr(t, "C1 MAIL FROM:<s@x.test> BODY=8BITMIME\r\n"), "%s", t);
	ck_assert_msg(strstr(t, "C1 MAIL FROM:<s@x.test>\r\n"), "%s", t);
	ck_assert_msg(strstr(t, "C1 caf\xc3\xa9\r\n"), "8-bit bytes as they are:\n%s", t);
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
	suite_add_tcase(s, t);
	return s;
}
