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

#include "passwd.h"
#include "privdrop.h"

#define PRIVDROP_GROUPS_MAX 64

/* /etc/passwd and /etc/group are read directly: see passwd.h. */

/* Does the comma-separated member list (field 3 of a group line) hold user? */
static int group_has_member(const char *line, size_t n, const char *user)
{
	const char *f, *p, *comma;
	size_t len, ulen = strlen(user);

	if (passwd_field(line, n, 3, &f, &len) < 0)
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

struct lookup {
	const char *user;
	unsigned uid, gid;
	gid_t groups[PRIVDROP_GROUPS_MAX];
	size_t ngroups;
};

static int group_line(void *ctx, const char *line, size_t n)
{
	struct lookup *l = ctx;
	unsigned gid;

	if (l->ngroups < PRIVDROP_GROUPS_MAX && group_has_member(line, n, l->user) &&
	    passwd_field_id(line, n, 2, &gid) == 0 && gid != l->gid)
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
	if (passwd_user(user, &l.uid, &l.gid) < 0) {
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
	if (passwd_lines_each("/etc/group", group_line, &l) < 0) {
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
