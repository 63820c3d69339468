#ifndef TERN_VERIFY_SPOOL_H
#define TERN_VERIFY_SPOOL_H
/*
 * NAME
 *	spool - mailauth's copy of the message and its envelope (the
 *	qmail-queue protocol's fd 0 and fd 1)
 * SYNOPSIS
 *	int spool_message(int fd, unsigned long long max, struct spool *s);
 *	void spool_free(struct spool *s);
 *	int spool_envelope(int fd, struct str *env);
 * DESCRIPTION
 *	spool_message() reads fd to its end into an anonymous file (memfd)
 *	and maps it read-only: s->msg, s->len. At most max bytes (the
 *	max-message-size plus room for the header lines smtpd adds): a
 *	longer message is refused.
 *
 *	spool_envelope() reads fd to its end into env, at most ENVELOPE_MAX
 *	bytes (envelope.h).
 * DIAGNOSTICS
 *	0; -1 with errno set (read or memory errors), -2 when the message or
 *	envelope is longer than allowed.
 */
#include <stddef.h>

#include "str.h"

struct spool {
	int fd;
	const char *msg;
	size_t len;
};

int spool_message(int fd, unsigned long long max, struct spool *s);
void spool_free(struct spool *s);
int spool_envelope(int fd, struct str *env);

#endif
