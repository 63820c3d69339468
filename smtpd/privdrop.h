#ifndef TERN_SMTPD_PRIVDROP_H
#define TERN_SMTPD_PRIVDROP_H
/*
 * NAME
 *	privdrop - become an unprivileged user for good
 * SYNOPSIS
 *	int privdrop_to_user(const char *user, char *err, size_t errlen);
 * DESCRIPTION
 *	privdrop_to_user() looks user up in /etc/passwd and its groups in
 *	/etc/group (read directly: NSS modules cannot be loaded safely by a
 *	static binary, so the user must be a local one, as sysusers.d and
 *	useradd make), sets the supplementary groups (at most 64), the group
 *	and the user (real, effective and saved), then verifies the result:
 *	every uid and gid is the user's and setuid(0) fails. A user with uid 0
 *	is refused before anything changes. Called as root, before smtpd reads
 *	a byte from the network.
 * DIAGNOSTICS
 *	0, or -1 with err set to "what failed: on what: why".
 */
#include <stddef.h>

int privdrop_to_user(const char *user, char *err, size_t errlen);

#endif
