#ifndef TERN_HDRSCAN_H
#define TERN_HDRSCAN_H
/*
 * NAME
 *	hdrscan - what the scheduler needs to know of a queued message's bytes
 * SYNOPSIS
 *	int hdrscan_read(int fd, unsigned long long len, size_t max, struct str *hdr,
 *	                unsigned long long *body_off);
 *	size_t hdrscan_count(const char *h, size_t n, const char *name);
 *	int hdrscan_has_8bit(int fd, unsigned long long len);
 * DESCRIPTION
 *	hdrscan_read() reads the header section (RFC 5322 §2.1: up to the first
 *	empty line) of the len message bytes at offset 0 of fd with pread, at
 *	most max bytes of it, into hdr (without the empty line; a section cut
 *	at max ends at the last complete line). *body_off is where the body
 *	starts (len if there is none).
 *	hdrscan_count() counts the header fields named name (case-insensitive;
 *	continuation lines are not fields). The scheduler counts "Received"
 *	this way: more than 100 is a loop (RFC 5321 §6.3).
 *	hdrscan_has_8bit() says whether any of the len bytes is >= 0x80 (the
 *	job then asks for 8BITMIME).
 * DIAGNOSTICS
 *	hdrscan_read() returns 0 or -1 (errno); hdrscan_has_8bit() 1, 0 or -1.
 */
#include <stddef.h>

#include "str.h"

int hdrscan_read(int fd, unsigned long long len, size_t max, struct str *hdr,
		unsigned long long *body_off);
size_t hdrscan_count(const char *h, size_t n, const char *name);
int hdrscan_has_8bit(int fd, unsigned long long len);

#endif
