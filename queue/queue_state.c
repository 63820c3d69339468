/*
 * queue_state.c - writing per-recipient state, removing messages, sweeping
 * leftovers and "retry now" requests (queue.h, queue(5)).
 *
 * State is written new-then-rename: tmp/state.ID is written and fsynced,
 * renamed over state/ID, and state/ is fsynced, so a crash leaves either the
 * old state or the new one, never a mixture (at-least-once delivery, queue(5)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue.h"
#include "queue_format.h"
#include "str.h"

#define REPLY_STORE_MAX 4096	/* bytes of a reply kept in state */

/* state_put_reply: the reply with CR, LF (and anything below 0x20) as spaces. */
static int state_put_reply(struct str *s, const char *reply)
{
	size_t i, n = strlen(reply);

	if (n > REPLY_STORE_MAX)
		n = REPLY_STORE_MAX;
	if (str_appendc(s, 'r') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)reply[i];
		if (str_appendc(s, c < 0x20 || c == 0x7f ? ' ' : (char)c) < 0)
			return -1;
	}
	return str_appendc(s, 0);
}

/* state_put: one record: type, text, NUL. */
static int state_put(struct str *s, char type, const char *text)
{
	if (str_appendc(s, type) < 0 || str_appendz(s, text) < 0)
		return -1;
	return str_appendc(s, 0);
}

/* state_put_number: one record holding a decimal number. */
static int state_put_number(struct str *s, char type, long long v)
{
	char num[32];

	snprintf(num, sizeof num, "%lld", v);
	return state_put(s, type, num);
}

/* state_encode: the state records of queue(5) for every recipient of m. */
static int state_encode(struct str *s, const struct queue_message *m)
{
	static const char *const status[] = { "P", "D", "F" };
	size_t i;

	for (i = 0; i < m->nrcpt; i++) {
		const struct queue_rcpt *r = &m->rcpt[i];
		if ((unsigned)r->status > RCPT_FAILED || r->last_try < 0 || r->next_try < 0) {
			errno = EINVAL;
			return -1;
		}
		if (state_put(s, 'R', r->address) < 0 ||
		    state_put(s, 's', status[r->status]) < 0 ||
		    state_put_number(s, 'a', r->attempts) < 0 ||
		    state_put_number(s, 'l', r->last_try) < 0 ||
		    state_put_number(s, 'n', r->next_try) < 0 ||
		    state_put_reply(s, r->reply ? r->reply : "") < 0)
			return -1;
	}
	return str_appendc(s, 0);
}

/* state_write_tmp: write s to a fresh tmp/name and fsync it. */
static int state_write_tmp(struct queue *q, const char *name, const struct str *s)
{
	int fd = openat(q->tmpfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			0600);

	if (fd < 0)
		return queue_fail(q, "create", "tmp", name);
	if (queue_write_full(fd, s->s, s->len) < 0)
		goto err;
	if (fsync(fd) < 0)
		goto err;
	if (close(fd) < 0) {
		fd = -1;
		goto err;
	}
	return 0;
err:
	{
		int e = errno ? errno : EIO;
		queue_fail(q, "write", "tmp", name);
		if (fd >= 0)
			close(fd);
		unlinkat(q->tmpfd, name, 0);
		errno = e;
	}
	return -1;
}

int queue_state_save(struct queue *q, const struct queue_message *m)
{
	struct str s = STR_INIT(0);
	char name[QUEUE_ID_MAX + 8];

	if (!queue_id_valid(m->id)) {
		errno = EINVAL;
		return queue_fail(q, "save", "state", "(bad id)");
	}
	if (state_encode(&s, m) < 0) {
		str_free(&s);
		return queue_fail(q, "save", "state", m->id);
	}
	snprintf(name, sizeof name, "state.%s", m->id);
	if (state_write_tmp(q, name, &s) < 0) {
		str_free(&s);
		return -1;
	}
	str_free(&s);
	if (renameat(q->tmpfd, name, q->statefd, m->id) < 0) {
		int e = errno;
		queue_fail(q, "rename", "state", m->id);
		unlinkat(q->tmpfd, name, 0);
		errno = e;
		return -1;
	}
	if (fsync(q->statefd) < 0)
		return queue_fail(q, "fsync", "state", NULL);
	return 0;
}

int queue_message_remove(struct queue *q, const char *id)
{
	int rc = 0, e = 0;

	if (!queue_id_valid(id)) {
		errno = EINVAL;
		return queue_fail(q, "remove", "mess", "(bad id)");
	}
	/* no fsync: an unlink lost in a crash brings the message back, and it is
	 * delivered again, which at-least-once allows (queue(5)) */
	if (unlinkat(q->messfd, id, 0) < 0) {
		e = errno;
		rc = queue_fail(q, "unlink", "mess", id);
	}
	if (unlinkat(q->statefd, id, 0) < 0 && errno != ENOENT && rc == 0) {
		e = errno;
		rc = queue_fail(q, "unlink", "state", id);
	}
	if (rc < 0)
		errno = e;
	return rc;
}

/* dir_each: call fn(q, dirfd, name, arg) for every entry of the directory fd. */
static int dir_each(struct queue *q, int dirfd, const char *sub,
		    int (*fn)(struct queue *q, const char *name, void *arg), void *arg)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return queue_fail(q, "opendir", sub, NULL);
	}
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = fn(q, de->d_name, arg);
	}
	if (rc == 0 && errno)
		rc = queue_fail(q, "readdir", sub, NULL);
	closedir(d);
	return rc;
}

struct sweep_arg {
	long long now, tmp_max_age;
};

static int sweep_tmp(struct queue *q, const char *name, void *arg)
{
	const struct sweep_arg *a = arg;
	struct stat st;

	if (fstatat(q->tmpfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;	/* gone meanwhile */
	if (a->now - (long long)st.st_mtime >= a->tmp_max_age)
		unlinkat(q->tmpfd, name, 0);
	return 0;
}

static int sweep_state(struct queue *q, const char *name, void *arg)
{
	struct stat st;

	(void)arg;
	if (queue_id_valid(name) && fstatat(q->messfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (queue_id_valid(name) && errno != ENOENT)
		return 0;	/* cannot tell: keep it */
	unlinkat(q->statefd, name, 0);
	return 0;
}

int queue_sweep(struct queue *q, long long now, long long tmp_max_age)
{
	struct sweep_arg a = { now, tmp_max_age };

	if (dir_each(q, q->tmpfd, "tmp", sweep_tmp, &a) < 0 ||
	    dir_each(q, q->statefd, "state", sweep_state, &a) < 0)
		return -1;
	return 0;
}

int queue_retry_request(struct queue *q, const char *id)
{
	const char *name = id ? id : "all";
	int fd;

	if (!queue_id_valid(name)) {
		errno = EINVAL;
		return queue_fail(q, "request", "retry", "(bad id)");
	}
	fd = openat(q->retryfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return queue_fail(q, "create", "retry", name);
	close(fd);
	return 0;
}

struct retry_arg {
	int (*fn)(void *ctx, const char *id);
	void *ctx;
};

static int retry_one(struct queue *q, const char *name, void *arg)
{
	const struct retry_arg *a = arg;

	if (unlinkat(q->retryfd, name, 0) < 0)
		return 0;	/* taken by someone else */
	if (strcmp(name, "all") == 0)
		return a->fn(a->ctx, NULL);
	if (!queue_id_valid(name))
		return 0;
	return a->fn(a->ctx, name);
}

int queue_retry_take(struct queue *q, int (*fn)(void *ctx, const char *id), void *ctx)
{
	struct retry_arg a = { fn, ctx };

	return dir_each(q, q->retryfd, "retry", retry_one, &a);
}
