#ifndef TERN_LOG_PRIVATE_H
#define TERN_LOG_PRIVATE_H
/*
 * NAME
 *	log_private - the seam between log.c and log_journal.c (lib/ only)
 * SYNOPSIS
 *	extern int (*log_journal_hook)(int priority, const char *text,
 *	                               const struct log_field *fields);
 *	size_t log_sanitise(char *dst, size_t dstlen, const char *src, size_t srclen);
 *	int log_stderr_is_journal(void);
int log_journal_key_valid(const char *key);
 *	int log_journal_key_valid(const char *key);
 * DESCRIPTION
 *	log.c never references libsystemd, so that static programs which do not
 *	call log_journal_enable() do not link it. log_journal_enable() sets
 *	log_journal_hook; log_event() calls it with the event's text (the
 *	sanitised message, then " key=value" per field, as on stderr) and the
 *	raw fields, and falls back to stderr when it returns -1.
 *	log_sanitise() copies src to dst (always NUL-terminated, truncated to fit)
 *	writing bytes below 0x20, 0x7f and non-UTF-8 as \xHH; returns the length.
 *	log_stderr_is_journal() says whether JOURNAL_STREAM names fd 2.
 *	log_journal_key_valid() says whether key may be a journal field name
 *	(A-Z, 0-9, '_'; not leading '_' or a digit; at most 64 bytes).
 *	log_journal_native.c is the second backend, for programs without
 *	libsystemd.
 */
#include <stddef.h>
#include "log.h"

extern int (*log_journal_hook)(int priority, const char *text,
			       const struct log_field *fields);
size_t log_sanitise(char *dst, size_t dstlen, const char *src, size_t srclen);
int log_stderr_is_journal(void);
int log_journal_key_valid(const char *key);

#endif
