/*
 * privdrop - initgroups, setgid, setuid and a check that they held
 * (see privdrop.h). The check matters: a setuid() that silently failed
 * would leave a network-facing process as root.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

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
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "unknown user: %s: %s", user,
			 errno ? strerror(errno) : "no such user");
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (initgroups(user, gid) < 0) {
		snprintf(err, errlen, "initgroups: %s: %s", user, strerror(errno));
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
