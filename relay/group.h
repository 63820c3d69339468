#ifndef TERN_GROUP_H
#define TERN_GROUP_H
/*
 * NAME
 *	group - a message's due recipients grouped by destination domain
 * SYNOPSIS
 *	int group_pending(const struct queue_message *m, long long now, int force,
 *	                  struct group **out, size_t *nout);
 *	void group_free(struct group *g, size_t n);
 *	void group_domain(const char *address, char domain[256]);
 * DESCRIPTION
 *	group_pending() collects the recipients of m that are RCPT_PENDING and
 *	due (next_try <= now, or every pending one when force is set) into one
 *	group per destination domain, in the order the domains first appear,
 *	each holding indexes into m->rcpt in envelope order; a group never
 *	holds more than DELIVER_RCPT_MAX recipients (a larger one is split), so
 *	that each group is one SMTP transaction (RFC 5321 §3.3) and one job.
 *	group_domain() gives the part after the last "@", in ASCII lower case
 *	(domains compare without case, RFC 5321 §2.4), "" if there is none or
 *	it is longer than 255 octets.
 * DIAGNOSTICS
 *	group_pending() returns 0 (with *out NULL when nothing is due) or -1
 *	with errno ENOMEM.
 */
#include <stddef.h>

#include "queue/queue.h"

struct group {
	char domain[256];
	size_t *idx;
	size_t n;
};

int group_pending(const struct queue_message *m, long long now, int force,
		  struct group **out, size_t *nout);
void group_free(struct group *g, size_t n);
void group_domain(const char *address, char domain[256]);

#endif
