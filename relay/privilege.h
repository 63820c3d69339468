#ifndef TERN_PRIVILEGE_H
#define TERN_PRIVILEGE_H
/*
 * NAME
 *	privilege - drop from root to a named user
 * SYNOPSIS
 *	int privilege_drop(const char *user, char *err, size_t errlen);
 * DESCRIPTION
 *	Run as root (effective uid 0), privilege_drop() looks user up and sets
 *	the supplementary groups to none, then gid, then uid (real, effective
 *	and saved), and checks that uid 0 cannot be regained. Not root, it does
 *	nothing: a private instance runs everything as its caller.
 * DIAGNOSTICS
 *	0, or -1 with err set ("unknown user tern-relay", "setuid: ...").
 */
#include <stddef.h>

int privilege_drop(const char *user, char *err, size_t errlen);

#endif
