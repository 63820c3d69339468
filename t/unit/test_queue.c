/*
 * test_queue - queue(5): commit and load round trip, state round trip,
 * every malformed-file branch (EBADMSG), sweep, retry requests, unique ids.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "queue/queue.h"
#include "queue/queue_format.h"

static char qpath[64];
static struct queue q;

static void setup(void)
{
	strcpy(qpath, "/tmp/tern-test-queue.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(qpath));
	ck_assert_int_eq(queue_init(qpath), 0);
	ck_assert_int_eq(queue_open(&q, qpath), 0);
}

static void rm_dir(int dirfd, const char *sub)
{
	int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		unlinkat(fd, de->d_name, 0);
	closedir(d);
	unlinkat(dirfd, sub, AT_REMOVEDIR);
}

static void teardown(void)
{
	int fd = open(qpath, O_RDONLY | O_DIRECTORY);
	rm_dir(fd, "tmp");
	rm_dir(fd, "mess");
	rm_dir(fd, "state");
	rm_dir(fd, "retry");
	close(fd);
	rmdir(qpath);
	queue_close(&q);
}

static size_t count_dir(const char *sub)
{
	char p[128];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(p, sizeof p, "%s/%s", qpath, sub);
	d = opendir(p);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void commit(const char *body, const char *sender, char **rcpt, size_t n,
		   const char *rid, char id[QUEUE_ID_MAX])
{
	struct queue_file f;
	struct envelope e = { (char *)sender, rcpt, n, NULL };

	ck_assert_int_eq(queue_file_create(&q, &f), 0);
	ck_assert_int_eq(queue_file_write(&f, body, strlen(body)), 0);
	ck_assert_int_eq(queue_file_commit(&q, &f, &e, rid, id), 0);
}

static char *rcpts2[] = { "a@example.test", "b@example.test" };
static const char body1[] = "Subject: hi\r\n\r\nHello\r\n";

START_TEST(commit_load_round_trip)
{
	char id[QUEUE_ID_MAX], got[256];
	struct queue_message m;
	unsigned long long len;
	int fd;
	long long now = time(NULL);

	commit(body1, "s@example.org", rcpts2, 2, "rid-1.A", id);
	ck_assert(queue_id_valid(id));
	ck_assert_uint_eq(count_dir("tmp"), 0);
	ck_assert_uint_eq(count_dir("mess"), 1);
	ck_assert_int_eq(queue_message_load(&q, id, &m), 0);
	ck_assert_str_eq(m.id, id);
	ck_assert_str_eq(m.sender, "s@example.org");
	ck_assert_str_eq(m.received_id, "rid-1.A");
	ck_assert_uint_eq(m.size, strlen(body1));
	ck_assert(m.arrival >= now - 1 && m.arrival <= now + 1);
	ck_assert_uint_eq(m.nrcpt, 2);
	ck_assert_str_eq(m.rcpt[0].address, "a@example.test");
	ck_assert_str_eq(m.rcpt[1].address, "b@example.test");
	ck_assert_int_eq(m.rcpt[1].status, RCPT_PENDING);
	ck_assert_uint_eq(m.rcpt[1].attempts, 0);
	ck_assert_str_eq(m.rcpt[1].reply, "");
	queue_message_free(&m);

	ck_assert_int_eq(queue_message_body(&q, id, &fd, &len), 0);
	ck_assert_uint_eq(len, strlen(body1));
	ck_assert_int_eq(pread(fd, got, len, 0), (ssize_t)len);
	ck_assert_int_eq(memcmp(got, body1, len), 0);
	close(fd);
}
END_TEST

START_TEST(null_sender_and_bad_received_id)
{
	char id[QUEUE_ID_MAX];
	struct queue_message m;

	commit("x\r\n", "", rcpts2, 1, "bad/id", id);
	ck_assert_int_eq(queue_message_load(&q, id, &m), 0);
	ck_assert_str_eq(m.sender, "");
	ck_assert_str_eq(m.received_id, "");
	ck_assert_uint_eq(m.nrcpt, 1);
	queue_message_free(&m);
	commit("", "x@y.test", rcpts2, 1, "012345678901234567890123456789012", id);
	ck_assert_int_eq(queue_message_load(&q, id, &m), 0);
	ck_assert_str_eq(m.received_id, "");
	ck_assert_uint_eq(m.size, 0);
	queue_message_free(&m);
}
END_TEST

START_TEST(state_round_trip)
{
	char id[QUEUE_ID_MAX];
	struct queue_message m, m2;

	commit(body1, "s@example.org", rcpts2, 2, NULL, id);
	ck_assert_int_eq(queue_message_load(&q, id, &m), 0);
	m.rcpt[0].status = RCPT_DELIVERED;
	m.rcpt[0].attempts = 1;
	m.rcpt[0].last_try = 1700000000;
	free(m.rcpt[0].reply);
	m.rcpt[0].reply = strdup("250 ok");
	m.rcpt[1].status = RCPT_FAILED;
	m.rcpt[1].attempts = 7;
	m.rcpt[1].last_try = 1700000100;
	m.rcpt[1].next_try = 1700000900;
	free(m.rcpt[1].reply);
	m.rcpt[1].reply = strdup("550 no\r\nF\nT\tx");
	ck_assert_int_eq(queue_state_save(&q, &m), 0);
	ck_assert_uint_eq(count_dir("tmp"), 0);
	ck_assert_uint_eq(count_dir("state"), 1);
	ck_assert_int_eq(queue_message_load(&q, id, &m2), 0);
	ck_assert_int_eq(m2.rcpt[0].status, RCPT_DELIVERED);
	ck_assert_str_eq(m2.rcpt[0].reply, "250 ok");
	ck_assert_int_eq(m2.rcpt[1].status, RCPT_FAILED);
	ck_assert_uint_eq(m2.rcpt[1].attempts, 7);
	ck_assert_int_eq(m2.rcpt[1].last_try, 1700000100);
	ck_assert_int_eq(m2.rcpt[1].next_try, 1700000900);
	ck_assert_str_eq(m2.rcpt[1].reply, "550 no  F T x");
	queue_message_free(&m);
	queue_message_free(&m2);

	ck_assert_int_eq(queue_message_remove(&q, id), 0);
	ck_assert_uint_eq(count_dir("mess"), 0);
	ck_assert_uint_eq(count_dir("state"), 0);
	ck_assert_int_eq(queue_message_remove(&q, id), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* write_file: put raw bytes at QUEUE/sub/name. */
static void write_file(const char *sub, const char *name, const char *p, size_t n)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/%s/%s", qpath, sub, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* a message file: body "hi\r\n" then the given records, then a trailer for len */
static size_t build(char *out, const char *rec, size_t reclen, unsigned long long len)
{
	char trailer[QUEUE_TRAILER_LEN + 1];

	memcpy(out, "hi\r\n", 4);
	memcpy(out + 4, rec, reclen);
	queue_trailer_format(trailer, len);
	memcpy(out + 4 + reclen, trailer, QUEUE_TRAILER_LEN);
	return 4 + reclen + QUEUE_TRAILER_LEN;
}

#define REC(s) s, sizeof(s) - 1

static const struct {
	const char *rec;
	size_t len;
	unsigned long long msglen;
} bad_files[] = {
	{ REC("t1\0i\0Fa@b\0Tc@d\0"), 4 },		/* no final empty record */
	{ REC("t1\0i\0Fa@b\0Tc@d\0\0\0"), 4 },		/* trailing byte */
	{ REC("t1\0i\0Fa@b\0\0"), 4 },			/* no recipient */
	{ REC("tx\0i\0Fa@b\0Tc@d\0\0"), 4 },		/* arrival not a number */
	{ REC("t\0i\0Fa@b\0Tc@d\0\0"), 4 },		/* arrival empty */
	{ REC("i\0Fa@b\0Tc@d\0\0"), 4 },		/* no t record */
	{ REC("t1\0Fa@b\0Tc@d\0\0"), 4 },		/* no i record */
	{ REC("t1\0i\0Tc@d\0\0"), 4 },			/* no F record */
	{ REC("t1\0ia/b\0Fa@b\0Tc@d\0\0"), 4 },		/* bad received id */
	{ REC("t1\0i\0Fa@b\0Tc@d\0Xe@f\0\0"), 4 },	/* unknown record type */
	{ REC("t1\0i\0Fa@b\0Tc@d"), 4 },		/* record without NUL */
	{ REC("t1\0i\0Fa@b\0Tc@d\0\0"), 5 },		/* length into the records */
	{ REC("t1\0i\0Fa@b\0Tc@d\0\0"), 999 },		/* length beyond the file */
	{ REC("t99999999999999999999\0i\0Fa@b\0Tc@d\0\0"), 4 },	/* overflow */
	{ REC("t000000000000000000001\0i\0Fa@b\0Tc@d\0\0"), 4 },	/* 21 digits */
	{ REC("t+1\0i\0Fa@b\0Tc@d\0\0"), 4 },		/* a sign */
	{ REC("t253402300800\0i\0Fa@b\0Tc@d\0\0"), 4 },	/* after year 9999 */
	{ REC("t9223372036854775807\0i\0Fa@b\0Tc@d\0\0"), 4 },	/* LLONG_MAX */
	{ REC("t1\0i\0oother\0Fa@b\0Tc@d\0\0"), 4 },	/* unknown origin */
	{ REC("t1\0i\0o\0Fa@b\0Tc@d\0\0"), 4 },		/* empty origin */
	{ REC("t1\0i\0olocal\0olocal\0Fa@b\0Tc@d\0\0"), 4 },	/* two origins */
	{ REC("t1\0olocal\0i\0Fa@b\0Tc@d\0\0"), 4 },	/* origin before i */
	{ REC("t1\0i\0Fa@b\0olocal\0Tc@d\0\0"), 4 },	/* origin after F */
};

/* The "o" record: each origin round-trips; a file without one (written
 * before it existed) reads as unknown; queue_message_load_fd() reads the
 * same from a descriptor. */
START_TEST(origin_round_trip)
{
	static const enum message_origin all[] = { QUEUE_ORIGIN_UNKNOWN, QUEUE_ORIGIN_LOCAL,
		QUEUE_ORIGIN_SUBMISSION, QUEUE_ORIGIN_RELAY, QUEUE_ORIGIN_SMTP };
	char id[QUEUE_ID_MAX], buf[256];
	struct queue_message m;
	struct queue_file f;
	struct envelope e = { "s@example.org", rcpts2, 1, NULL };
	unsigned long long len;
	size_t i, n;
	int fd;

	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		ck_assert_int_eq(queue_file_create(&q, &f), 0);
		queue_file_set_origin(&f, all[i]);
		ck_assert_int_eq(queue_file_write(&f, body1, strlen(body1)), 0);
		ck_assert_int_eq(queue_file_commit(&q, &f, &e, "", id), 0);
		ck_assert_int_eq(queue_message_load(&q, id, &m), 0);
		ck_assert_int_eq(m.origin, all[i]);
		queue_message_free(&m);
		ck_assert_int_eq(queue_message_body(&q, id, &fd, &len), 0);
		ck_assert_int_eq(queue_message_load_fd(fd, &m), 0);
		ck_assert_int_eq(m.origin, all[i]);
		ck_assert_str_eq(m.sender, "s@example.org");
		ck_assert_uint_eq(m.size, strlen(body1));
		queue_message_free(&m);
		close(fd);
	}
	n = build(buf, REC("t1\0i\0Fa@b\0Tc@d\0\0"), 4);
	write_file("mess", "OLD1", buf, n);
	ck_assert_int_eq(queue_message_load(&q, "OLD1", &m), 0);
	ck_assert_int_eq(m.origin, QUEUE_ORIGIN_UNKNOWN);
	queue_message_free(&m);
	n = build(buf, REC("t1\0i\0osubmission\0Fa@b\0Tc@d\0\0"), 4);
	write_file("mess", "NEW1", buf, n);
	ck_assert_int_eq(queue_message_load(&q, "NEW1", &m), 0);
	ck_assert_int_eq(m.origin, QUEUE_ORIGIN_SUBMISSION);
	queue_message_free(&m);
	/* a descriptor that is no message file */
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(queue_message_load_fd(fd, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	close(fd);
}
END_TEST

START_TEST(malformed_message_is_ebadmsg)
{
	char buf[256];
	struct queue_message m;
	size_t n = build(buf, bad_files[_i].rec, bad_files[_i].len, bad_files[_i].msglen);

	write_file("mess", "BAD1", buf, n);
	ck_assert_int_eq(queue_message_load(&q, "BAD1", &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_ptr_null(m.rcpt);
	ck_assert(strstr(q.err, "mess/BAD1") != NULL);
}
END_TEST

START_TEST(malformed_trailer_is_ebadmsg)
{
	char buf[256];
	struct queue_message m;
	int fd;
	unsigned long long len;
	size_t n = build(buf, REC("t1\0i\0Fa@b\0Tc@d\0\0"), 4);

	write_file("mess", "GOOD", buf, n);
	ck_assert_int_eq(queue_message_load(&q, "GOOD", &m), 0);
	queue_message_free(&m);
	buf[n - 1] = 'x';			/* no final LF */
	write_file("mess", "BAD2", buf, n);
	ck_assert_int_eq(queue_message_load(&q, "BAD2", &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	buf[n - 1] = '\n';
	buf[n - QUEUE_TRAILER_LEN] = 'X';	/* bad magic */
	write_file("mess", "BAD3", buf, n);
	ck_assert_int_eq(queue_message_body(&q, "BAD3", &fd, &len), -1);
	ck_assert_int_eq(errno, EBADMSG);
	write_file("mess", "BAD4", buf, 10);	/* shorter than a trailer */
	ck_assert_int_eq(queue_message_load(&q, "BAD4", &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	memcpy(buf + n - 21, "0000000000000000000a", 20);	/* non-digit length */
	buf[n - QUEUE_TRAILER_LEN] = 'T';
	write_file("mess", "BAD5", buf, n);
	ck_assert_int_eq(queue_message_load(&q, "BAD5", &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(queue_message_load(&q, "../x", &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(queue_message_load(&q, "NOSUCH", &m), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static const struct {
	const char *rec;
	size_t len;
} bad_states[] = {
	{ REC("Rx@y\0sP\0a0\0l0\0n0\0r\0\0") },		/* wrong address */
	{ REC("Rc@d\0sQ\0a0\0l0\0n0\0r\0\0") },		/* unknown status */
	{ REC("Rc@d\0sPP\0a0\0l0\0n0\0r\0\0") },		/* status too long */
	{ REC("Rc@d\0sP\0a-1\0l0\0n0\0r\0\0") },		/* negative attempts */
	{ REC("Rc@d\0sP\0a4294967296\0l0\0n0\0r\0\0") },	/* attempts > UINT_MAX */
	{ REC("Rc@d\0sP\0a0\0l0\0n0\0r\0") },		/* no final record */
	{ REC("Rc@d\0sP\0a0\0l0\0n0\0r\0\0x") },		/* trailing bytes */
	{ REC("Rc@d\0sP\0a0\0l0\0n0\0ra\rb\0\0") },	/* CR in a reply */
	{ REC("Rc@d\0sP\0a0\0n0\0r\0\0") },		/* missing l */
	{ REC("Rc@d\0sP\0a0\0l253402300800\0n0\0r\0\0") },	/* last try after 9999 */
	{ REC("Rc@d\0sP\0a0\0l0\0n9223372036854775807\0r\0\0") },	/* next try LLONG_MAX */
	{ REC("") },					/* empty */
};

START_TEST(malformed_state_is_ebadmsg)
{
	char buf[256];
	struct queue_message m;
	size_t n = build(buf, REC("t1\0i\0Fa@b\0Tc@d\0\0"), 4);

	write_file("mess", "ST1", buf, n);
	write_file("state", "ST1", REC("Rc@d\0sD\0a3\0l5\0n6\0r250 x\0\0"));
	ck_assert_int_eq(queue_message_load(&q, "ST1", &m), 0);
	ck_assert_int_eq(m.rcpt[0].status, RCPT_DELIVERED);
	queue_message_free(&m);
	write_file("state", "ST1", bad_states[_i].rec, bad_states[_i].len);
	ck_assert_int_eq(queue_message_load(&q, "ST1", &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

/* deny_linkat: a seccomp filter answering EPERM to linkat(2), as a security
 * module or a service's SystemCallFilter= might; for this process only. */
static int deny_linkat(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_linkat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof code / sizeof code[0], code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Where the /proc link of an unnamed file is refused, the commit copies it into tmp/ and renames. */
START_TEST(commit_without_linkat)
{
	struct queue_message m;
	char id[QUEUE_ID_MAX];
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct queue_file f;
		struct envelope e = { "s@example.org", rcpts2, 2, NULL };

		if (deny_linkat() < 0)
			_exit(2);
		if (queue_file_create(&q, &f) < 0 || queue_file_write(&f, body1, strlen(body1)) < 0)
			_exit(3);
		_exit(queue_file_commit(&q, &f, &e, "rid-x", id) == 0 ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	ck_assert_uint_eq(count_dir("tmp"), 0);
	ck_assert_uint_eq(count_dir("mess"), 1);
	{
		DIR *d;
		struct dirent *de;
		char p[128];

		snprintf(p, sizeof p, "%s/mess", qpath);
		ck_assert_ptr_nonnull(d = opendir(p));
		while ((de = readdir(d)) && de->d_name[0] == '.')
			;
		ck_assert_ptr_nonnull(de);
		ck_assert_uint_lt(strlen(de->d_name), sizeof id);
		memcpy(id, de->d_name, strlen(de->d_name) + 1);
		closedir(d);
	}
	ck_assert_int_eq(queue_message_load(&q, id, &m), 0);
	ck_assert_uint_eq(m.size, strlen(body1));
	ck_assert_uint_eq(m.nrcpt, 2);
	ck_assert_str_eq(m.received_id, "rid-x");
	queue_message_free(&m);
}
END_TEST

START_TEST(abort_leaves_nothing)
{
	struct queue_file f;

	ck_assert_int_eq(queue_file_create(&q, &f), 0);
	ck_assert_int_eq(queue_file_write(&f, "abc", 3), 0);
	/* named in tmp/, or unnamed (O_TMPFILE): never in mess/ before commit */
	ck_assert_uint_eq(count_dir("tmp"), f.tmpname[0] ? 1 : 0);
	ck_assert_uint_eq(count_dir("mess"), 0);
	queue_file_abort(&q, &f);
	ck_assert_uint_eq(count_dir("tmp"), 0);
	ck_assert_uint_eq(count_dir("mess"), 0);
}
END_TEST

START_TEST(sweep_removes_old_tmp_and_orphan_state)
{
	char id[QUEUE_ID_MAX], path[256];
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	long long now = time(NULL);

	commit(body1, "s@example.org", rcpts2, 1, NULL, id);
	write_file("state", id, REC("Rc@d\0"));
	write_file("state", "ORPHAN1", REC("x"));
	write_file("state", "state.junk", REC("x"));
	write_file("tmp", "1.2.3.0", REC("old"));
	write_file("tmp", "4.5.6.0", REC("new"));
	snprintf(path, sizeof path, "%s/tmp/1.2.3.0", qpath);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
	ck_assert_int_eq(queue_sweep(&q, now, 3600), 0);
	ck_assert_uint_eq(count_dir("tmp"), 1);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_uint_eq(count_dir("state"), 1);
	snprintf(path, sizeof path, "%s/state/%s", qpath, id);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_uint_eq(count_dir("mess"), 1);
	/* the clock now, not the test's start: "new" may be a second younger */
	ck_assert_int_eq(queue_sweep(&q, (long long)time(NULL), 0), 0);
	ck_assert_uint_eq(count_dir("tmp"), 0);
	ck_assert_uint_eq(count_dir("mess"), 1);
}
END_TEST

static char taken[8][QUEUE_ID_MAX];
static size_t ntaken;

static int take(void *ctx, const char *id)
{
	(void)ctx;
	snprintf(taken[ntaken++], QUEUE_ID_MAX, "%s", id ? id : "(all)");
	return ntaken >= 2 ? 42 : 0;
}

START_TEST(retry_requests)
{
	ntaken = 0;
	ck_assert_int_eq(queue_retry_request(&q, "ABC123"), 0);
	ck_assert_int_eq(queue_retry_request(&q, "ABC123"), 0);	/* idempotent */
	ck_assert_int_eq(queue_retry_request(&q, NULL), 0);
	ck_assert_int_eq(queue_retry_request(&q, "../etc"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(count_dir("retry"), 2);
	ck_assert_int_eq(queue_retry_take(&q, take, NULL), 42);	/* stopped after 2 */
	ck_assert_uint_eq(ntaken, 2);
	ck_assert_uint_eq(count_dir("retry"), 0);
	ck_assert(strcmp(taken[0], "(all)") == 0 || strcmp(taken[1], "(all)") == 0);
	ck_assert(strcmp(taken[0], "ABC123") == 0 || strcmp(taken[1], "ABC123") == 0);
	ntaken = 0;
	ck_assert_int_eq(queue_retry_take(&q, take, NULL), 0);
	ck_assert_uint_eq(ntaken, 0);
}
END_TEST

static int count_cb(void *ctx, const char *id)
{
	ck_assert(queue_id_valid(id));
	(*(size_t *)ctx)++;
	return 0;
}

START_TEST(ids_unique)
{
	char id[QUEUE_ID_MAX], prev[QUEUE_ID_MAX] = "";
	size_t i, n = 0;

	for (i = 0; i < 500; i++) {
		commit("x\r\n", "s@example.org", rcpts2, 1, NULL, id);
		ck_assert_str_ne(id, prev);
		ck_assert_uint_lt(strlen(id), QUEUE_ID_MAX);
		strcpy(prev, id);
	}
	ck_assert_uint_eq(count_dir("mess"), 500);
	ck_assert_int_eq(queue_scan(&q, count_cb, &n), 0);
	ck_assert_uint_eq(n, 500);
}
END_TEST

/* The id smtpd chose names the message, or nothing is committed. */
START_TEST(commit_named)
{
	struct envelope e = { "s@example.org", rcpts2, 1, NULL };
	struct queue_message m;
	struct queue_file f;
	static const char *bad[] = { "", "a.b", "a-b", "../x", "0123456789ABCDEF0123456789ABCDEF0" };
	size_t i;

	ck_assert_int_eq(queue_file_create(&q, &f), 0);
	ck_assert_int_eq(queue_file_write(&f, body1, strlen(body1)), 0);
	ck_assert_int_eq(queue_file_commit_named(&q, &f, &e, "6B1AB0C0D0E0F"), 0);
	ck_assert_int_eq(queue_message_load(&q, "6B1AB0C0D0E0F", &m), 0);
	ck_assert_str_eq(m.received_id, "6B1AB0C0D0E0F");
	queue_message_free(&m);
	/* taken: EEXIST, nothing new in mess/ or tmp/ */
	ck_assert_int_eq(queue_file_create(&q, &f), 0);
	ck_assert_int_eq(queue_file_write(&f, body1, strlen(body1)), 0);
	ck_assert_int_eq(queue_file_commit_named(&q, &f, &e, "6B1AB0C0D0E0F"), -1);
	ck_assert_int_eq(errno, EEXIST);
	queue_file_abort(&q, &f);
	ck_assert_uint_eq(count_dir("mess"), 1);
	ck_assert_uint_eq(count_dir("tmp"), 0);
	/* not a queue id and a received id: EINVAL */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(queue_file_create(&q, &f), 0);
		ck_assert_int_eq(queue_file_commit_named(&q, &f, &e, bad[i]), -1);
		ck_assert_int_eq(errno, EINVAL);
		queue_file_abort(&q, &f);
	}
	ck_assert_uint_eq(count_dir("mess"), 1);
}
END_TEST

START_TEST(open_missing_queue_fails)
{
	struct queue q2;

	ck_assert_int_eq(queue_open(&q2, "/nonexistent/tern-queue"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(strstr(q2.err, "/nonexistent/tern-queue") != NULL);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("queue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, commit_load_round_trip);
	tcase_add_test(tc, null_sender_and_bad_received_id);
	tcase_add_test(tc, state_round_trip);
	tcase_add_loop_test(tc, malformed_message_is_ebadmsg, 0,
			    sizeof bad_files / sizeof bad_files[0]);
	tcase_add_test(tc, malformed_trailer_is_ebadmsg);
	tcase_add_test(tc, origin_round_trip);
	tcase_add_loop_test(tc, malformed_state_is_ebadmsg, 0,
			    sizeof bad_states / sizeof bad_states[0]);
	tcase_add_test(tc, abort_leaves_nothing);
	tcase_add_test(tc, commit_without_linkat);
	tcase_add_test(tc, sweep_removes_old_tmp_and_orphan_state);
	tcase_add_test(tc, retry_requests);
	tcase_add_test(tc, ids_unique);
	/* ids_unique fsyncs 500 messages: seconds on a loaded 2-CPU machine,
	 * past Check's default 4 s (speed is not what it tests) */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, commit_named);
	tcase_add_test(tc, open_missing_queue_fails);
	suite_add_tcase(s, tc);
	return s;
}
