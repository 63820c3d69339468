#ifndef TERN_CHECKPW_PASSWD_H
#define TERN_CHECKPW_PASSWD_H
/*
 * NAME
 *	passwd - find a user's hash in auth-password-file and check a password
 * SYNOPSIS
 *	int passwd_lookup(const char *path, const char *user, char *hash,
 *	                  size_t hashlen, char *err, size_t errlen);
 *	int passwd_verify(const char *password, const char *hash);
 * DESCRIPTION
 *	passwd_lookup() reads path, lines "user:HASH" ('#' at the start of a
 *	line makes a comment; blank lines are ignored; anything after a
 *	second ':' is ignored, so an /etc/shadow-style line works), and copies
 *	the hash of the first line for user (compared exactly) into hash.
 *	The file is at most PASSWD_FILE_MAX octets of lines of at most
 *	PASSWD_LINE_MAX, and must be a regular file.
 *
 *	passwd_verify() hashes password with the setting (method and salt) of
 *	hash through crypt_rn(3) (libxcrypt: yescrypt "$y$", sha512-crypt
 *	"$6$", bcrypt "$2b$", ...) and compares the result with hash in time
 *	that does not depend on where they differ. A hash crypt cannot use
 *	("*", "!", "") matches nothing. With hash NULL it spends the time of a
 *	yescrypt check and returns 0, so that an unknown user costs what a
 *	known one does.
 * DIAGNOSTICS
 *	passwd_lookup(): 1 found, 0 no such user, -1 with err set (unreadable
 *	file, too big, a line too long or without ':'). passwd_verify(): 1
 *	when the password is right, else 0.
 */
#include <stddef.h>

#define PASSWD_FILE_MAX (16 * 1024 * 1024)
#define PASSWD_LINE_MAX 1024

int passwd_lookup(const char *path, const char *user, char *hash, size_t hashlen,
		  char *err, size_t errlen);
int passwd_verify(const char *password, const char *hash);

#endif
