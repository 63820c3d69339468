/*
 * queue.c - the on-disk queue of queue(5): commit, load, state, sweep, retry.
 *
 * The interface is queue.h; the byte format is queue(5). Everything here is
 * relative to directory fds opened once by queue_open(), with O_CLOEXEC.
 * The commit path is deliberately short: one write of records + trailer,
 * one fsync of the file, one rename, one fsync of mess/ (queue(5)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "queue_format.h"

#ifndef TERN_QUEUEDIR
#define TERN_QUEUEDIR "/var/spool/tern"
#endif

static const char *const queue_subdirs[] = { "tmp", "mess", "state", "retry" };

int queue_fail(struct queue *q, const char *what, const char *sub, const char *name)
{
	int e = errno;
	if (snprintf(q->err, sizeof q->err, "%s %s%s%s%s%s: %s", what, q->path,
		     sub ? "/" : "", sub ? sub : "", name ? "/" : "", name ? name : "",
		     strerror(e)) >= (int)sizeof q->err)
		memcpy(q->err + sizeof q->err - 4, "...", 4);	/* truncated */
	errno = e;
	return -1;
}

int queue_id_valid(const char *id)
{
	size_t i;

	if (!id || !id[0])
		return 0;
	for (i = 0; id[i]; i++) {
		char c = id[i];
		if (i + 1 >= QUEUE_ID_MAX)
			return 0;
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return 0;
	}
	return 1;
}

int queue_received_id_valid(const char *rid)
{
	size_t i;

	if (!rid || !rid[0])
		return 0;
	for (i = 0; rid[i]; i++) {
		char c = rid[i];
		if (i >= 32)
			return 0;
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		      (c >= 'a' && c <= 'z') || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

void queue_close(struct queue *q)
{
	int *fds[] = { &q->dirfd, &q->tmpfd, &q->messfd, &q->statefd, &q->retryfd };
	size_t i;

	for (i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* queue_open_dirs: the queue and its first n subdirectories (queue_subdirs order). */
static int queue_open_dirs(struct queue *q, const char *path, size_t n)
{
	int *fds[] = { &q->tmpfd, &q->messfd, &q->statefd, &q->retryfd };
	size_t i;

	q->dirfd = q->tmpfd = q->messfd = q->statefd = q->retryfd = -1;
	q->err[0] = 0;
	if (strlen(path) >= sizeof q->path) {
		errno = ENAMETOOLONG;
		snprintf(q->path, sizeof q->path, "(queue path)");
		return queue_fail(q, "open", NULL, NULL);
	}
	strcpy(q->path, path);
	q->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->dirfd < 0)
		return queue_fail(q, "open", NULL, NULL);
	for (i = 0; i < n; i++) {
		*fds[i] = openat(q->dirfd, queue_subdirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*fds[i] < 0) {
			int e = errno;
			queue_fail(q, "open", queue_subdirs[i], NULL);
			queue_close(q);
			errno = e;
			return -1;
		}
	}
	return 0;
}

int queue_open(struct queue *q, const char *path)
{
	return queue_open_dirs(q, path, 4);
}

int queue_open_commit(struct queue *q, const char *path)
{
	return queue_open_dirs(q, path, 2);	/* tmp/ and mess/ */
}

int queue_init(const char *path)
{
	int fd;
	size_t i;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (i = 0; i < 4; i++) {
		if (mkdirat(fd, queue_subdirs[i], 0700) < 0 && errno != EEXIST) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
	}
	if (fsync(fd) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

const char *queue_dir(const struct config *c)
{
	if (getuid() != geteuid() || getgid() != getegid())
		return TERN_QUEUEDIR;
	return c && c->queue_dir[0] ? c->queue_dir : TERN_QUEUEDIR;
}

int queue_write_full(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int queue_pread_exact(int fd, void *p, size_t n, off_t off)
{
	char *s = p;

	while (n > 0) {
		ssize_t r = pread(fd, s, n, off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			errno = EBADMSG;
			return -1;
		}
		s += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

/*
 * queue_file_create_anonymous: an unnamed file (O_TMPFILE) on mess/'s file
 * system, given a name only at the commit point. Nothing is left behind by a
 * killed writer and no cross-directory rename is needed. Naming it takes
 * /proc/self/fd (linkat(2)); where that is missing, or the file system has no
 * O_TMPFILE, the caller falls back to a named file in tmp/.
 */
static int queue_file_create_anonymous(struct queue *q, struct queue_file *f)
{
#ifdef O_TMPFILE
	static int proc_fd = -1;	/* /proc/self/fd usable: 1, not: 0, unknown: -1 */

	if (proc_fd < 0)	/* once per process: inject -S commits many messages */
		proc_fd = access("/proc/self/fd", X_OK) == 0;
	if (!proc_fd)
		return -1;
	/* O_RDWR: queue_file_copy_to_tmp() may have to read it back */
	f->fd = openat(q->messfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return f->fd >= 0 ? 0 : -1;
#else
	(void)q;
	(void)f;
	return -1;
#endif
}

/* queue_file_create_named: a new file in tmp/ (O_EXCL, mode 0600). */
static int queue_file_create_named(struct queue *q, struct queue_file *f)
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(f->tmpname, sizeof f->tmpname, "%ld.%lld.%ld.%d", (long)getpid(),
			 (long long)ts.tv_sec, (long)ts.tv_nsec, tries);
		f->fd = openat(q->tmpfd, f->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (f->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	queue_fail(q, "create", "tmp", f->tmpname);
	f->tmpname[0] = 0;
	return -1;
}

int queue_file_create(struct queue *q, struct queue_file *f)
{
	f->fd = -1;
	f->len = 0;
	f->origin = QUEUE_ORIGIN_UNKNOWN;
	f->tmpname[0] = 0;
	if (queue_file_create_anonymous(q, f) == 0)
		return 0;
	return queue_file_create_named(q, f);
}

int queue_file_write(struct queue_file *f, const void *p, size_t n)
{
	if (f->len + n < f->len) {
		errno = EFBIG;
		return -1;
	}
	if (queue_write_full(f->fd, p, n) < 0)
		return -1;
	f->len += n;
	return 0;
}

/* records_put: append type, value and NUL at *pos (space was reserved). */
static void records_put(char *buf, size_t *pos, char type, const char *value)
{
	size_t n = strlen(value);

	buf[(*pos)++] = type;
	memcpy(buf + *pos, value, n);
	*pos += n;
	buf[(*pos)++] = 0;
}

/* records_size: bytes of the records and trailer for e; -1 on overflow. */
static int records_size(const struct envelope *e, const char *rid, size_t *total)
{
	size_t n = QUEUE_TRAILER_LEN + 1 + 24 + 2 + strlen(rid) + 16 + 2 + strlen(e->sender);
	size_t i;

	for (i = 0; i < e->nrcpt; i++)
		if (size_add(n, strlen(e->rcpt[i]) + 2, &n) < 0)
			return -1;
	*total = n;
	return 0;
}

/*
 * queue_records_build: the envelope records and trailer of queue(5) for a
 * message of msglen bytes that arrived at arrival, in a new heap buffer.
 */
static char *queue_records_build(const struct envelope *e, const char *rid,
				 enum message_origin origin, long long arrival,
				 unsigned long long msglen, size_t *len)
{
	char num[32], trailer[QUEUE_TRAILER_LEN + 1], *buf;
	size_t total, pos = 0, i;

	if (records_size(e, rid, &total) < 0 || !(buf = malloc(total))) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(num, sizeof num, "%lld", arrival);
	records_put(buf, &pos, 't', num);
	records_put(buf, &pos, 'i', rid);
	if (origin != QUEUE_ORIGIN_UNKNOWN)
		records_put(buf, &pos, 'o', queue_origin_name(origin));
	records_put(buf, &pos, 'F', e->sender);
	for (i = 0; i < e->nrcpt; i++)
		records_put(buf, &pos, 'T', e->rcpt[i]);
	buf[pos++] = 0;
	queue_trailer_format(trailer, msglen);
	memcpy(buf + pos, trailer, QUEUE_TRAILER_LEN);
	pos += QUEUE_TRAILER_LEN;
	*len = pos;
	return buf;
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)	/* linux/fs.h; musl 1.2.3 has no renameat2() */
#endif

/* rename_noreplace: renameat2(..., RENAME_NOREPLACE) for both glibc and musl. */
static int rename_noreplace(int olddir, const char *oldname, int newdir, const char *newname)
{
	return (int)syscall(SYS_renameat2, olddir, oldname, newdir, newname, RENAME_NOREPLACE);
}

/*
 * queue_file_copy_to_tmp: the /proc link of an unnamed file was refused (a
 * security module or a seccomp filter can do that where /proc itself is
 * readable). Copy the file, records and trailer included, into a tmp/
 * file, fsync that, and go on with it, so such a host still takes mail.
 */
static int queue_file_copy_to_tmp(struct queue *q, struct queue_file *f)
{
	struct queue_file t = { -1, "", 0, QUEUE_ORIGIN_UNKNOWN };
	char buf[16384];
	off_t off = 0;
	ssize_t r;
	int saved;

	if (queue_file_create_named(q, &t) < 0)
		return -1;
	while ((r = pread(f->fd, buf, sizeof buf, off)) > 0) {
		if (queue_write_full(t.fd, buf, (size_t)r) < 0)
			break;
		off += r;
	}
	if (r != 0 || fsync(t.fd) < 0) {
		saved = errno;
		queue_fail(q, "copy to", "tmp", t.tmpname);
		queue_file_abort(q, &t);
		errno = saved;
		return -1;
	}
	close(f->fd);
	f->fd = t.fd;
	memcpy(f->tmpname, t.tmpname, sizeof f->tmpname);
	return 0;
}

/*
 * queue_file_link: give f's file the name mess/id without replacing anything:
 * link an anonymous file, rename a tmp/ file (link where the file system or a
 * seccomp filter knows no RENAME_NOREPLACE). -1 with errno EEXIST: id taken.
 */
static int queue_file_link(struct queue *q, struct queue_file *f, const char *id)
{
	char path[64];

	if (!f->tmpname[0]) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", f->fd);
		if (linkat(AT_FDCWD, path, q->messfd, id, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno == EEXIST || queue_file_copy_to_tmp(q, f) < 0)
			return -1;
		/* now a tmp/ file: renamed below */
	}
	if (rename_noreplace(q->tmpfd, f->tmpname, q->messfd, id) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(q->tmpfd, f->tmpname, q->messfd, id, 0) < 0)
		return -1;
	unlinkat(q->tmpfd, f->tmpname, 0);
	return 0;
}

/* queue_file_publish: name the file mess/id, making id unique if need be. */
static int queue_file_publish(struct queue *q, struct queue_file *f, char id[QUEUE_ID_MAX])
{
	size_t base = strlen(id);
	int k;

	for (k = 0; k < 26; k++) {
		if (queue_file_link(q, f, id) == 0)
			return 0;
		if (errno != EEXIST)
			return queue_fail(q, f->tmpname[0] ? "rename" : "link", "mess", id);
		/* an id in use (clock stepped back): make it unique with a letter */
		if (base + 2 > QUEUE_ID_MAX)
			break;
		id[base] = (char)('a' + k);
		id[base + 1] = 0;
	}
	errno = EEXIST;
	return queue_fail(q, "link", "mess", id);
}

/* queue_file_fail: queue_fail() naming f: tmp/NAME, or mess/ for an unnamed file. */
static int queue_file_fail(struct queue *q, const struct queue_file *f, const char *what)
{
	if (f->tmpname[0])
		return queue_fail(q, what, "tmp", f->tmpname);
	return queue_fail(q, what, "mess", "(unnamed new file)");
}

/*
 * queue_commit: the commit point (queue.h). named: the file is to be called
 * id as given (the received id the client was already told), never another
 * name; else id is made here.
 */
static int queue_commit(struct queue *q, struct queue_file *f, const struct envelope *e,
			const char *received_id, char id[QUEUE_ID_MAX], int named)
{
	struct timespec ts;
	struct stat st;
	size_t len;
	char *rec;
	const char *rid = queue_received_id_valid(received_id) ? received_id : "";

	if (e->nrcpt == 0) {
		errno = EINVAL;
		return queue_file_fail(q, f, "commit");
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	/* unique over time: no two files share an inode at the same nanosecond */
	if (!named) {
		if (fstat(f->fd, &st) < 0)
			return queue_file_fail(q, f, "fstat");
		snprintf(id, QUEUE_ID_MAX, "%09llX%08lX%llX", (unsigned long long)ts.tv_sec,
			 (unsigned long)ts.tv_nsec, (unsigned long long)st.st_ino);
	}
	rec = queue_records_build(e, rid, f->origin, (long long)ts.tv_sec, f->len, &len);
	if (!rec)
		return queue_file_fail(q, f, "commit");
	if (queue_write_full(f->fd, rec, len) < 0) {
		free(rec);
		return queue_file_fail(q, f, "write");
	}
	free(rec);
	if (fsync(f->fd) < 0)
		return queue_file_fail(q, f, "fsync");
	if (named && queue_file_link(q, f, id) < 0)	/* EEXIST: that id is taken */
		return queue_fail(q, f->tmpname[0] ? "rename" : "link", "mess", id);
	if (!named && queue_file_publish(q, f, id) < 0)
		return -1;
	if (fsync(q->messfd) < 0) {
		int e2 = errno;
		queue_fail(q, "fsync", "mess", NULL);
		/* not durable: take it back so the client's retry is no duplicate */
		unlinkat(q->messfd, id, 0);
		errno = e2;
		return -1;
	}
	close(f->fd);
	f->fd = -1;
	f->tmpname[0] = 0;
	return 0;
}

int queue_file_commit(struct queue *q, struct queue_file *f, const struct envelope *e,
		      const char *received_id, char id[QUEUE_ID_MAX])
{
	return queue_commit(q, f, e, received_id, id, 0);
}

int queue_file_commit_named(struct queue *q, struct queue_file *f, const struct envelope *e,
			    const char *id)
{
	char name[QUEUE_ID_MAX];

	if (!queue_id_valid(id) || !queue_received_id_valid(id)) {
		errno = EINVAL;
		return queue_file_fail(q, f, "commit");
	}
	snprintf(name, sizeof name, "%s", id);
	return queue_commit(q, f, e, id, name, 1);
}

void queue_file_abort(struct queue *q, struct queue_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmpname[0])
		unlinkat(q->tmpfd, f->tmpname, 0);
	f->tmpname[0] = 0;
}

int queue_scan(struct queue *q, int (*fn)(void *ctx, const char *id), void *ctx)
{
	int fd = openat(q->messfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return queue_fail(q, "opendir", "mess", NULL);
	}
	while (rc == 0 && (errno = 0, de = readdir(d)))
		if (queue_id_valid(de->d_name))
			rc = fn(ctx, de->d_name);
	if (rc == 0 && errno) {
		queue_fail(q, "readdir", "mess", NULL);
		rc = -1;
	}
	closedir(d);
	return rc;
}

void queue_file_set_origin(struct queue_file *f, enum message_origin o)
{
	f->origin = o;
}

const char *queue_origin_name(enum message_origin o)
{
	switch (o) {
	case QUEUE_ORIGIN_LOCAL: return "local";
	case QUEUE_ORIGIN_SUBMISSION: return "submission";
	case QUEUE_ORIGIN_RELAY: return "relay";
	case QUEUE_ORIGIN_SMTP: return "smtp";
	case QUEUE_ORIGIN_UNKNOWN: break;
	}
	return "";
}
