#ifndef TERN_PASSWD_H
#define TERN_PASSWD_H
/*
 * NAME
 *	passwd - local users and groups, read from /etc/passwd and /etc/group
 * SYNOPSIS
 *	int passwd_lines_each(const char *path,
 *	                      int (*fn)(void *ctx, const char *line, size_t n),
 *	                      void *ctx);
 *	int passwd_field(const char *line, size_t n, int i,
 *	                 const char **start, size_t *len);
 *	int passwd_field_is(const char *line, size_t n, int i, const char *want);
 *	int passwd_field_id(const char *line, size_t n, int i, unsigned *id);
 *	int passwd_user(const char *user, unsigned *uid, unsigned *gid);
 *	int passwd_name(unsigned uid, char *name, size_t len);
int passwd_users(const char *const *users, size_t n, long *uids);
 *	int passwd_users(const char *const *users, size_t n, long *uids);
 * DESCRIPTION
 *	The files are read directly: smtpd and inject are static programs, and
 *	a static glibc's getpwnam() would load NSS modules (libnss_systemd
 *	crashes in a static binary), so tern's users must be local ones, as
 *	sysusers.d and useradd make them.
 *
 *	passwd_lines_each() calls fn for each line of path (without its LF;
 *	lines over 1 kB are skipped) until fn returns nonzero.
 *	passwd_field() gives field i (0-based) of a ':'-separated line;
 *	passwd_field_is() compares it with want; passwd_field_id() parses it as
 *	a decimal id. passwd_user() gives the uid and gid of user;
 *	passwd_name() the name of the first user with uid, NUL-terminated in
 *	name (truncated to len - 1 bytes). passwd_users() looks up n users in
 *	one reading of the file (a program's start-up checks several):
 *	uids[i] is users[i]'s uid, or -1 when there is no such user (the
 *	first line of a name counts, as in passwd_user()).
 * DIAGNOSTICS
 *	passwd_lines_each() returns fn's nonzero value, 0 at the end, -1 when
 *	path cannot be read. passwd_user() and passwd_name() return 0, or -1
 *	when there is no such user or /etc/passwd cannot be read;
 *	passwd_users() 0, or -1 when it cannot be read. The field
 *	functions return 0 (passwd_field_is(): 1 when equal), -1 when the
 *	field is missing or not a number.
 */
#include <stddef.h>

int passwd_lines_each(const char *path, int (*fn)(void *ctx, const char *line, size_t n),
		      void *ctx);
int passwd_field(const char *line, size_t n, int i, const char **start, size_t *len);
int passwd_field_is(const char *line, size_t n, int i, const char *want);
int passwd_field_id(const char *line, size_t n, int i, unsigned *id);
int passwd_user(const char *user, unsigned *uid, unsigned *gid);
int passwd_name(unsigned uid, char *name, size_t len);
int passwd_users(const char *const *users, size_t n, long *uids);

#endif
