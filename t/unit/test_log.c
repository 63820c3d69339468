/*
 * test_log - lib/log.c: the stderr line format, sanitising (a value with
 * "\r\n" cannot start a new line), the "<N>" prefix under JOURNAL_STREAM,
 * log_syslog_enable() keeping success reports off stderr.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int pfd[2];

/* stderr to a pipe; each test runs in its own process (CK_FORK) */
static void capture(void)
{
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	ck_assert_int_eq(dup2(pfd[1], 2), 2);
	close(pfd[1]);
	unsetenv("JOURNAL_STREAM");
}

static const char *captured(void)
{
	static char got[16384];
	ssize_t n;

	close(2);
	n = read(pfd[0], got, sizeof got - 1);
	ck_assert_int_ge(n, 0);
	got[n] = '\0';
	return got;
}

START_TEST(plain_line)
{
	struct log_field f[] = {
		{ "QUEUE_ID", "1700000000.42" },
		{ "RECIPIENT", "bob@example.test" },
		{ NULL, NULL },
	};

	capture();
	log_init("/usr/sbin/smtpd");
	ck_assert_str_eq(log_program(), "smtpd");
	log_event(LOG_INFO, f, "delivered %d", 1);
	ck_assert_str_eq(captured(),
		"smtpd: delivered 1 queue_id=1700000000.42 recipient=bob@example.test\n");
}
END_TEST

START_TEST(value_crlf_cannot_start_line)
{
	struct log_field f[] = {
		{ "SENDER", "a@b\r\nsmtpd: forged line" },
		{ NULL, NULL },
	};

	capture();
	log_init("smtpd");
	log_event(LOG_INFO, f, "mail from");
	ck_assert_str_eq(captured(),
		"smtpd: mail from sender=\"a@b\\x0d\\x0asmtpd: forged line\"\n");
}
END_TEST

START_TEST(message_sanitised)
{
	capture();
	log_init("relay");
	log_msg(LOG_WARNING, "reply %s", "550 no\nrelay: fake\x7f\xff\xc3\xa9\xed\xa0\x80");
	/* \xc3\xa9 (é) is valid UTF-8 and kept; a surrogate is not */
	ck_assert_str_eq(captured(),
		"relay: reply 550 no\\x0arelay: fake\\x7f\\xff\xc3\xa9\\xed\\xa0\\x80\n");
}
END_TEST

START_TEST(quoting_and_empty)
{
	struct log_field f[] = {
		{ "REPLY", "250 2.0.0 \"ok\"" },
		{ "SENDER", "" },
		{ "CLIENT_ADDR", NULL },
		{ NULL, NULL },
	};

	capture();
	log_init("relay");
	log_event(LOG_INFO, f, "x");
	ck_assert_str_eq(captured(),
		"relay: x reply=\"250 2.0.0 \\x22ok\\x22\" sender=\"\" client_addr=\"\"\n");
}
END_TEST

START_TEST(journal_stream_prefix)
{
	struct stat st;
	char env[64];

	capture();
	ck_assert_int_eq(fstat(2, &st), 0);
	snprintf(env, sizeof env, "%llu:%llu",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	log_init("inject");
	log_msg(LOG_ERR, "boom");
	log_msg(LOG_INFO, "fine");
	ck_assert_str_eq(captured(), "<3>inject: boom\n<6>inject: fine\n");
}
END_TEST

START_TEST(journal_stream_other_fd)
{
	capture();
	setenv("JOURNAL_STREAM", "1:1", 1);	/* names something else */
	log_init("inject");
	log_msg(LOG_ERR, "boom");
	ck_assert_str_eq(captured(), "inject: boom\n");
}
END_TEST

START_TEST(long_message_bounded)
{
	char big[10000];
	const char *got;

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	capture();
	log_init("t");
	log_msg(LOG_INFO, "%s", big);
	got = captured();
	ck_assert_uint_lt(strlen(got), 4200);
	ck_assert_int_eq(got[strlen(got) - 1], '\n');
	ck_assert_ptr_eq(strchr(got, '\n'), got + strlen(got) - 1);	/* one line */
	ck_assert_int_eq(strncmp(got, "t: aaaa", 7), 0);
}
END_TEST

/* xinetd: fds 0, 1 and 2 are the client's socket; no log line may reach it */
START_TEST(stderr_is_peer_socket)
{
	int sv[2];
	char buf[256];
	struct stat st;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(dup2(sv[0], 0), 0);
	ck_assert_int_eq(dup2(sv[0], 2), 2);
	log_init("smtpd");
	log_msg(LOG_INFO, "connect client_addr=127.0.0.1");
	ck_assert_int_eq(fstat(2, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));		/* now /dev/null */
	close(0);
	close(2);
	close(sv[0]);
	ck_assert_int_eq(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), 0);	/* EOF, no bytes */
}
END_TEST

/* log_syslog_enable: info and notice never reach stderr; errors and warnings do */
START_TEST(syslog_keeps_success_off_stderr)
{
	capture();
	log_init("inject");
	log_syslog_enable();
	log_msg(LOG_INFO, "queued queue_id=X");
	log_msg(LOG_NOTICE, "noted");
	log_msg(LOG_WARNING, "careful");
	log_msg(LOG_ERR, "boom (exit 53)");
	ck_assert_str_eq(captured(), "inject: careful\ninject: boom (exit 53)\n");
}
END_TEST

START_TEST(die_exits)
{
	log_init("t");
	log_die(111, "cannot %s", "continue");
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, plain_line);
	tcase_add_test(tc, value_crlf_cannot_start_line);
	tcase_add_test(tc, message_sanitised);
	tcase_add_test(tc, quoting_and_empty);
	tcase_add_test(tc, journal_stream_prefix);
	tcase_add_test(tc, journal_stream_other_fd);
	tcase_add_test(tc, long_message_bounded);
	tcase_add_test(tc, stderr_is_peer_socket);
	tcase_add_test(tc, syslog_keeps_success_off_stderr);
	tcase_add_exit_test(tc, die_exits, 111);
	suite_add_tcase(s, tc);
	return s;
}
