#ifndef TERN_MSGHDR_H
#define TERN_MSGHDR_H
/*
 * NAME
 *	msghdr - what the scheduler needs to know of a queued message's bytes
 * SYNOPSIS
 *	int msghdr_read(int fd, unsigned long long len, size_t max, struct str *hdr,
 *	                unsigned long long *body_off);
 *	size_t msghdr_count(const char *h, size_t n, const char *name);
 *	int msghdr_has_8bit(int fd, unsigned long long len);
 * DESCRIPTION
 *	msghdr_read() reads the header section (RFC 5322 §2.1: up to the first
 *	empty line) of the len message bytes at offset 0 of fd with pread, at
 *	most max bytes of it, into hdr (without the empty line; a section cut
 *	at max ends at the last complete line). *body_off is where the body
 *	starts (len if there is none).
 *	msghdr_count() counts the header fields named name (case-insensitive;
 *	continuation lines are not fields). The scheduler counts "Received"
 *	this way: more than 100 is a loop (RFC 5321 §6.3).
 *	msghdr_has_8bit() says whether any of the len bytes is >= 0x80 (the
 *	job then asks for 8BITMIME).
 * DIAGNOSTICS
 *	msghdr_read() returns 0 or -1 (errno); msghdr_has_8bit() 1, 0 or -1.
 */
#include <stddef.h>

#include "str.h"

int msghdr_read(int fd, unsigned long long len, size_t max, struct str *hdr,
		unsigned long long *body_off);
size_t msghdr_count(const char *h, size_t n, const char *name);
int msghdr_has_8bit(int fd, unsigned long long len);

#endif
