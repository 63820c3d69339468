#ifndef TERN_SMTPD_SENDERMAP_H
#define TERN_SMTPD_SENDERMAP_H
/*
 * NAME
 *	sendermap - which login may use which envelope sender (sender-login-map)
 * SYNOPSIS
 *	enum sendermap_result sendermap_check(const char *path,
 *	                                      const char *sender,
 *	                                      const char *login,
 *	                                      char *err, size_t errlen);
 * DESCRIPTION
 *	sendermap_check() reads the map file path and says whether login owns
 *	the address sender (as MAIL FROM gave it, without angle brackets). The
 *	file has one entry per line,
 *
 *	    ADDRESS LOGIN[,LOGIN...]
 *	    @DOMAIN LOGIN[,LOGIN...]
 *
 *	key and logins separated by blanks, logins by commas (blanks after a
 *	comma are allowed); '#' starts a comment; blank lines are ignored. An
 *	entry for the whole address decides before an @DOMAIN entry for its
 *	domain; the first entry for a key counts. Keys compare without regard
 *	to ASCII case, logins exactly. An address that no entry names is owned
 *	by nobody (Postfix's reject_sender_login_mismatch does the same).
 *
 *	The map is read at each call (a small file; no state to go stale):
 *	at most SENDERMAP_FILE_MAX octets, lines of at most SENDERMAP_LINE_MAX.
 *	Every line is checked, so a mistake anywhere is reported, not just in
 *	the entries a sender happens to hit.
 * DIAGNOSTICS
 *	SENDERMAP_OWNED, SENDERMAP_NOT_OWNED, or SENDERMAP_ERROR with err set
 *	to "FILE:LINE: problem" or "FILE: problem" (unreadable, too big, a
 *	line too long, a key that is not an address or @domain, a login of
 *	characters other than those sasl_login_valid() allows).
 */
#include <stddef.h>

#define SENDERMAP_FILE_MAX (1024 * 1024)
#define SENDERMAP_LINE_MAX 1024

enum sendermap_result { SENDERMAP_OWNED, SENDERMAP_NOT_OWNED, SENDERMAP_ERROR };

enum sendermap_result sendermap_check(const char *path, const char *sender,
				      const char *login, char *err, size_t errlen);

#endif
