/* test_maildir_agent - relay/maildir_agent.c and deliver_maildir.c: a
 * worker's job through the Maildir writer process and back, the writer
 * taking templates from its own configuration (per recipient domain),
 * and every failure of the way there a 4xx. */
#include <check.h>
#include "t/unit/check_main.h"
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "relay/deliver_maildir.h"
#include "relay/maildir_agent.h"

static char dir[64];
static struct config cfg;

static void setup(void)
{
	char p[128], err[512];
	FILE *f;

	strcpy(dir, "/tmp/test_maildir_agent.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof p, "%s/mail", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/tern.conf", dir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "hostname mx.example.test\naccept example.test\n"
		"route example.test maildir:%s/mail/%%d/%%u/\n"
		"route other.test smtp:[127.0.0.1]:25\n", dir);
	if (geteuid() == 0) {	/* the writer drops root: to nobody here */
		struct passwd *pw = getpwnam("nobody");
		ck_assert_ptr_nonnull(pw);
		fprintf(f, "maildir-user nobody\n");
		snprintf(p, sizeof p, "%s/mail", dir);
		ck_assert_int_eq(chown(p, pw->pw_uid, pw->pw_gid), 0);
		ck_assert_int_eq(chmod(dir, 0711), 0);
	}
	fclose(f);
	ck_assert_msg(config_load(dir, &cfg, err, sizeof err) == 0, "%s", err);
	signal(SIGCHLD, SIG_DFL);
}

static void teardown(void)
{
	char cmd[128];

	deliver_maildir_set_writer(-1);
	config_free(&cfg);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int body_fd(const char *text)
{
	char p[128];
	int fd;

	snprintf(p, sizeof p, "%s/body", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

static void run(const char *const *rcpt, size_t n, struct deliver_rcpt_result *out)
{
	const char *text = "Subject: agent\r\n\r\nhello\r\n";
	struct deliver_job job;
	struct deliver_result res;

	memset(&job, 0, sizeof job);
	memset(&res, 0, sizeof res);
	job.queue_id = "Q1";
	job.domain = "example.test";
	job.sender = "s@client.test";
	job.rcpt = rcpt;
	job.nrcpt = n;
	job.body_fd = body_fd(text);
	job.body_len = strlen(text);
	job.eightbit = 0;
	res.rcpt = out;
	deliver_maildir(&job, &res);
	close(job.body_fd);
	ck_assert_str_eq(res.remote_mta, "");
	ck_assert_int_eq(res.destination_failed, 0);
}

START_TEST(through_the_writer)
{
	const char *rcpt[] = { "alice@example.test", "x@other.test", "bob@example.test" };
	struct deliver_rcpt_result out[3];
	char p[256];
	struct stat st;
	int fd;

	ck_assert_int_eq(maildir_agent_needed(&cfg), 1);
	ck_assert_int_eq(maildir_agent_start(dir, &cfg, &fd, p, sizeof p), 0);
	deliver_maildir_set_writer(fd);
	memset(out, 0, sizeof out);
	run(rcpt, 3, out);
	ck_assert_msg(out[0].code == 250, "%d %s %s", out[0].code, out[0].enhanced, out[0].text);
	ck_assert_str_eq(out[0].enhanced, "2.0.0");
	ck_assert_int_eq(out[1].code, 451);	/* its domain's route is not a maildir: route */
	ck_assert_str_eq(out[1].enhanced, "4.3.5");
	ck_assert_int_eq(out[2].code, 250);
	snprintf(p, sizeof p, "%s/mail/example.test/alice/new", dir);
	ck_assert_int_eq(stat(p, &st), 0);
	snprintf(p, sizeof p, "%s/mail/example.test/bob/new", dir);
	ck_assert_int_eq(stat(p, &st), 0);
	if (geteuid() == 0)	/* written by maildir-user, never root */
		ck_assert_uint_ne(st.st_uid, 0);
	snprintf(p, sizeof p, "%s/mail/other.test", dir);
	ck_assert_int_eq(stat(p, &st), -1);

	/* the writer reads its configuration per job: a changed route counts */
	snprintf(p, sizeof p, "%s/tern.conf", dir);
	FILE *f = fopen(p, "w");
	fprintf(f, "accept example.test\n");
	fclose(f);
	run(rcpt, 1, out);
	ck_assert_int_eq(out[0].code, 451);
	ck_assert_str_eq(out[0].enhanced, "4.3.5");

	/* the writer exits when the last holder of its socket closes it */
	deliver_maildir_set_writer(-1);
	ck_assert_int_gt(wait(NULL), 0);
}
END_TEST

/* A writer that cannot become maildir-user fails the start (root only:
 * not root, nothing is dropped). */
START_TEST(unknown_user_fails_start)
{
	struct config c = cfg;
	char err[256];
	int fd = -1;

	if (geteuid() != 0)
		return;
	strcpy(c.maildir_user, "tern-no-such-user");
	ck_assert_int_eq(maildir_agent_start(dir, &c, &fd, err, sizeof err), -1);
	ck_assert_str_eq(err, "it did not start as tern-no-such-user (its log line says why)");
	ck_assert_int_eq(fd, -1);
	ck_assert_int_gt(wait(NULL), 0);
}
END_TEST

START_TEST(no_writer)
{
	const char *rcpt[] = { "alice@example.test" };
	struct deliver_rcpt_result out[1];
	int sv[2];

	run(rcpt, 1, out);	/* never started */
	ck_assert_int_eq(out[0].code, 451);
	ck_assert_str_eq(out[0].enhanced, "4.3.5");

	/* a writer that takes the job and dies without a result */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);	/* gone */
	deliver_maildir_set_writer(sv[0]);
	run(rcpt, 1, out);
	ck_assert_int_eq(out[0].code, 451);
	ck_assert_str_eq(out[0].enhanced, "4.3.0");
	ck_assert_str_eq(out[0].text, "Maildir writer: not running");
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("maildir_agent");
	TCase *tc = tcase_create("maildir_agent");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, through_the_writer);
	tcase_add_test(tc, no_writer);
	tcase_add_test(tc, unknown_user_fails_start);
	suite_add_tcase(s, tc);
	return s;
}
