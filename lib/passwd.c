/* passwd - /etc/passwd and /etc/group read directly (see passwd.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "passwd.h"

int passwd_lines_each(const char *path, int (*fn)(void *ctx, const char *line, size_t n),
		      void *ctx)
{
	char mem[4096], line[1024];
	struct inbuf in;
	size_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	enum buf_result br;

	if (fd < 0)
		return -1;
	inbuf_init(&in, fd, mem, sizeof mem);
	buf_set_timeout(&in, -1);	/* a file: no peer to wait for */
	while (r == 0 && (br = inbuf_getline(&in, line, sizeof line, &n)) != BUF_EOF) {
		if (br == BUF_TOOLONG)
			continue;
		if (br != BUF_OK) {
			r = -1;
			break;
		}
		if (n && line[n - 1] == '\n')
			n--;
		r = fn(ctx, line, n);
	}
	close(fd);
	return r;
}

int passwd_field(const char *line, size_t n, int i, const char **start, size_t *len)
{
	const char *p = line, *end = line + n, *colon;

	for (; i > 0; i--) {
		if (!(colon = memchr(p, ':', (size_t)(end - p))))
			return -1;
		p = colon + 1;
	}
	colon = memchr(p, ':', (size_t)(end - p));
	*start = p;
	*len = colon ? (size_t)(colon - p) : (size_t)(end - p);
	return 0;
}

int passwd_field_is(const char *line, size_t n, int i, const char *want)
{
	const char *f;
	size_t len;

	return passwd_field(line, n, i, &f, &len) == 0 && len == strlen(want) &&
	       memcmp(f, want, len) == 0;
}

int passwd_field_id(const char *line, size_t n, int i, unsigned *id)
{
	char text[16];
	const char *f;
	size_t len, k;

	if (passwd_field(line, n, i, &f, &len) < 0 || len == 0 || len >= sizeof text)
		return -1;
	for (k = 0; k < len; k++)
		if (f[k] < '0' || f[k] > '9')
			return -1;
	memcpy(text, f, len);
	text[len] = '\0';
	*id = (unsigned)strtoul(text, NULL, 10);
	return 0;
}

struct passwd_find {
	const char *user;	/* by name, or */
	unsigned uid;		/* by uid when user is NULL */
	unsigned gid;
	char *name;
	size_t namelen;
};

static int passwd_find_line(void *ctx, const char *line, size_t n)
{
	struct passwd_find *f = ctx;
	unsigned uid;
	const char *name;
	size_t len;

	if (f->user) {
		if (!passwd_field_is(line, n, 0, f->user))
			return 0;
		return passwd_field_id(line, n, 2, &f->uid) < 0 ||
		       passwd_field_id(line, n, 3, &f->gid) < 0 ? -1 : 1;
	}
	if (passwd_field_id(line, n, 2, &uid) < 0 || uid != f->uid ||
	    passwd_field(line, n, 0, &name, &len) < 0)
		return 0;
	if (len >= f->namelen)
		len = f->namelen - 1;
	memcpy(f->name, name, len);
	f->name[len] = '\0';
	return 1;
}

int passwd_user(const char *user, unsigned *uid, unsigned *gid)
{
	struct passwd_find f = { user, 0, 0, NULL, 0 };

	if (passwd_lines_each("/etc/passwd", passwd_find_line, &f) != 1)
		return -1;
	*uid = f.uid;
	*gid = f.gid;
	return 0;
}

int passwd_name(unsigned uid, char *name, size_t len)
{
	struct passwd_find f = { NULL, uid, 0, name, len };

	if (!len)
		return -1;
	return passwd_lines_each("/etc/passwd", passwd_find_line, &f) == 1 ? 0 : -1;
}

struct passwd_many {
	const char *const *users;
	size_t n, left;
	long *uids;
};

static int passwd_many_line(void *ctx, const char *line, size_t len)
{
	struct passwd_many *m = ctx;
	unsigned uid;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->uids[i] < 0 && passwd_field_is(line, len, 0, m->users[i]) &&
		    passwd_field_id(line, len, 2, &uid) == 0) {
			m->uids[i] = (long)uid;
			m->left--;
		}
	return m->left == 0;
}

int passwd_users(const char *const *users, size_t n, long *uids)
{
	struct passwd_many m = { users, n, n, uids };
	size_t i;

	for (i = 0; i < n; i++)
		uids[i] = -1;
	if (n == 0)
		return 0;
	return passwd_lines_each("/etc/passwd", passwd_many_line, &m) < 0 ? -1 : 0;
}
