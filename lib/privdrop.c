/*
 * privdrop - initgroups, setgid, setuid and a check that they held
 * (see privdrop.h). The check matters: a setuid() that silently failed
 * would leave a network-facing process as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "privdrop.h"

#define PRIVDROP_GROUPS_MAX 64

/*
 * smtpd is linked statically (musl, or glibc whose static getpwnam() and
 * initgroups() dlopen() the NSS modules of the running system:
 * libnss_systemd crashes in a static binary). Service users are local
 * (sysusers.d, useradd), so /etc/passwd and /etc/group are read directly,
 * the same way for every program.
 */

/* Field i (0-based) of a ':'-separated line, as [*start, *start + *len). */
static int field(const char *line, size_t n, int i, const char **start, size_t *len)
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

static int field_is(const char *line, size_t n, int i, const char *want)
{
	const char *f;
	size_t len;

	return field(line, n, i, &f, &len) == 0 && len == strlen(want) &&
	       memcmp(f, want, len) == 0;
}

static int field_id(const char *line, size_t n, int i, unsigned *id)
{
	char text[16];
	const char *f;
	size_t len, k;

	if (field(line, n, i, &f, &len) < 0 || len == 0 || len >= sizeof text)
		return -1;
	for (k = 0; k < len; k++)
		if (f[k] < '0' || f[k] > '9')
			return -1;
	memcpy(text, f, len);
	text[len] = '\0';
	*id = (unsigned)strtoul(text, NULL, 10);
	return 0;
}

/* Does the comma-separated member list (field 3 of a group line) hold user? */
static int group_has_member(const char *line, size_t n, const char *user)
{
	const char *f, *p, *comma;
	size_t len, ulen = strlen(user);

	if (field(line, n, 3, &f, &len) < 0)
		return 0;
	for (p = f; p < f + len; p = comma + 1) {
		comma = memchr(p, ',', (size_t)(f + len - p));
		if (!comma)
			comma = f + len;
		if ((size_t)(comma - p) == ulen && memcmp(p, user, ulen) == 0)
			return 1;
	}
	return 0;
}

/*
 * Call fn for every line of path (without its LF); stop when it returns
 * nonzero. Returns fn's value, 0 at the end, -1 when path cannot be read.
 */
static int lines_each(const char *path, int (*fn)(void *ctx, const char *line, size_t n),
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

struct lookup {
	const char *user;
	unsigned uid, gid;
	gid_t groups[PRIVDROP_GROUPS_MAX];
	size_t ngroups;
};

static int passwd_line(void *ctx, const char *line, size_t n)
{
	struct lookup *l = ctx;

	if (!field_is(line, n, 0, l->user))
		return 0;
	if (field_id(line, n, 2, &l->uid) < 0 || field_id(line, n, 3, &l->gid) < 0)
		return -1;
	return 1;
}

static int group_line(void *ctx, const char *line, size_t n)
{
	struct lookup *l = ctx;
	unsigned gid;

	if (l->ngroups < PRIVDROP_GROUPS_MAX && group_has_member(line, n, l->user) &&
	    field_id(line, n, 2, &gid) == 0 && gid != l->gid)
		l->groups[l->ngroups++] = gid;
	return 0;
}

static int privdrop_verify(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return -1;
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return -1;
	if (uid != 0 && setuid(0) == 0)
		return -1;
	return 0;
}

int privdrop_to_user(const char *user, char *err, size_t errlen)
{
	struct lookup l;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return 0;
	memset(&l, 0, sizeof l);
	l.user = user;
	if (lines_each("/etc/passwd", passwd_line, &l) != 1) {
		snprintf(err, errlen, "look up user: %s: not in /etc/passwd", user);
		return -1;
	}
	uid = l.uid;
	gid = l.gid;
	if (uid == 0) {	/* the verification below cannot tell "dropped" from "root" */
		snprintf(err, errlen, "drop privileges to %s: uid 0 is no unprivileged user", user);
		return -1;
	}
	l.groups[l.ngroups++] = gid;
	if (lines_each("/etc/group", group_line, &l) < 0) {
		snprintf(err, errlen, "read /etc/group: %s", strerror(errno));
		return -1;
	}
	if (setgroups(l.ngroups, l.groups) < 0) {
		snprintf(err, errlen, "setgroups: %s: %s", user, strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) < 0) {
		snprintf(err, errlen, "setgid: %s: %s", user, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) < 0) {
		snprintf(err, errlen, "setuid: %s: %s", user, strerror(errno));
		return -1;
	}
	if (privdrop_verify(uid, gid) < 0) {
		snprintf(err, errlen, "verify dropped privileges: %s: still privileged", user);
		return -1;
	}
	return 0;
}
