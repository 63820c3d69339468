#ifndef TERN_SMTPD_PRIVDROP_H
#define TERN_SMTPD_PRIVDROP_H
/*
 * NAME
 *	privdrop - become an unprivileged user for good
 * SYNOPSIS
 *	int privdrop_to_user(const char *user, char *err, size_t errlen);
 * DESCRIPTION
 *	privdrop_to_user() looks user up, sets the supplementary groups
 *	(initgroups), the group and the user (real, effective and saved), then
 *	verifies the result: every uid and gid is the user's and setuid(0)
 *	fails. Called as root, before smtpd reads a byte from the network.
 * DIAGNOSTICS
 *	0, or -1 with err set to "what failed: on what: why".
 */
#include <stddef.h>

int privdrop_to_user(const char *user, char *err, size_t errlen);

#endif
