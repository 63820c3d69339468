#ifndef TERN_PRIVDROP_H
#define TERN_PRIVDROP_H
/*
 * NAME
 *	privdrop - become an unprivileged user for good
 * SYNOPSIS
 *	int privdrop_to_user(const char *user, char *err, size_t errlen);
 * DESCRIPTION
 *	The one privilege drop: smtpd (to smtpd-user, before it reads a byte
 *	from the network), the relay scheduler (to queue-user) and its worker
 *	factory (to relay-user).
 *
 *	Run as root (effective uid 0), privdrop_to_user() looks user up in
 *	/etc/passwd and its groups in /etc/group (read directly: NSS modules
 *	cannot be loaded safely by a static binary, so the user must be a local
 *	one, as sysusers.d and useradd make), sets the supplementary groups
 *	(the user's memberships, at most 64: an LMTP socket may be
 *	group-restricted), the group and the user (real, effective and saved),
 *	then verifies the result: every uid and gid is the user's and
 *	setuid(0) fails. A user with uid 0 is refused before anything changes:
 *	no tern process drops "to root".
 *
 *	Not root, it changes nothing and returns 0: a private instance runs
 *	every program as its caller.
 * DIAGNOSTICS
 *	0, or -1 with err set to "what failed: on what: why".
 */
#include <stddef.h>

int privdrop_to_user(const char *user, char *err, size_t errlen);

#endif
