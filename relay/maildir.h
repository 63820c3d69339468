#ifndef TERN_MAILDIR_H
#define TERN_MAILDIR_H
/*
 * NAME
 *	maildir - deliver a message into a recipient's Maildir (qmail's format);
 *	runs in the Maildir writer, as maildir-user, never in a delivery worker
 * SYNOPSIS
 *	int maildir_component(const char *in, size_t len, char *out, size_t outmax);
 *	int maildir_path(const char *template, const char *recipient,
 *	                 char *path, size_t pathmax, size_t *fixed);
 *	int maildir_name(char *out, size_t max, long long sec, long usec,
 *	                 long pid, unsigned counter, const char *host);
 *	int maildir_loops(int fd, unsigned long long len, const char *recipient);
 *	void maildir_deliver(const struct maildir_message *m, const char *template,
 *	                     const char *recipient, struct deliver_rcpt_result *res);
 * DESCRIPTION
 *	maildir_component() makes one path component of text from the network
 *	(a local part or a domain): ASCII letters are lower-cased; letters,
 *	digits, "-", "_", "+" and "." are kept, except a "." in first place;
 *	every other byte ("/", "%", NUL, quotes, UTF-8...) becomes %XX (upper-
 *	case hex). So a component never holds "/", is never "", "." or "..",
 *	never starts with "." (no hidden or special names) and two different
 *	inputs never give the same component.
 *
 *	maildir_path() expands template (a route's maildir:TEMPLATE, checked by
 *	nexthop_parse()): %d becomes the component of recipient's domain, %u
 *	of its local part (the text before the last "@"), %% a "%". *fixed is
 *	the length of the part before the first component holding an
 *	expansion: the administrator's directories, which must exist; the
 *	components from there on are created by maildir_deliver().
 *
 *	maildir_name() writes a unique file name, qmail's scheme
 *	SECONDS.MUSECONDSPPIDQCOUNTER.HOST, with "/" and ":" of HOST written
 *	as \057 and \072 (the Maildir specification's escapes).
 *
 *	maildir_loops() reads the header section of the message in fd (len
 *	bytes, CRLF lines) and says whether a Delivered-To: field names
 *	recipient (ASCII case ignored): then this host delivered it there
 *	before and it has come back.
 *
 *	maildir_deliver() delivers m to recipient under template and fills res
 *	(code, enhanced code, text):
 *	  - Delivered-To: for recipient already in the header: 554 5.4.6 (loop);
 *	  - the directories of the path past the fixed part, then tmp/, new/,
 *	    cur/ are created (mode 0700) when missing, each opened with
 *	    O_NOFOLLOW relative to its parent, and each parent that got a new
 *	    entry fsynced;
 *	  - the message is written to tmp/NAME (O_EXCL) as "Return-Path:
 *	    <sender>", "Delivered-To: recipient" and the message with CRLF
 *	    turned into LF (the Maildir convention), fsynced, closed, renamed
 *	    to new/NAME without replacing anything, and new/ is fsynced;
 *	  - EDQUOT: 452 4.2.2 (mailbox over quota), ENOSPC: 452 4.3.1 (disk
 *	    full), any other failure 451 4.3.0 naming the call and the path,
 *	    with tmp/NAME removed; all temporary, so the relay retries;
 *	  - success: 250 2.0.0 with the file's name.
 * DIAGNOSTICS
 *	maildir_component() and maildir_path() return 0, or -1 when the
 *	result does not fit (maildir_path() also when recipient has no "@"
 *	or an empty part). maildir_name() returns 0 or -1 (too long).
 *	maildir_loops() returns 1, 0, or -1 when the message cannot be read.
 */
#include <stddef.h>

#include "relay/deliver.h"

struct maildir_message {
	const char *sender;		/* "" for the null sender */
	int fd;				/* the message: CRLF lines, read with pread */
	unsigned long long len;
};

int maildir_component(const char *in, size_t len, char *out, size_t outmax);
int maildir_path(const char *template, const char *recipient, char *path, size_t pathmax,
		 size_t *fixed);
int maildir_name(char *out, size_t max, long long sec, long usec, long pid,
		 unsigned counter, const char *host);
int maildir_loops(int fd, unsigned long long len, const char *recipient);
void maildir_deliver(const struct maildir_message *m, const char *template,
		     const char *recipient, struct deliver_rcpt_result *res);

#endif
