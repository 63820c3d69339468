#ifndef TERN_DSN_H
#define TERN_DSN_H
/*
 * NAME
 *	dsn - delivery status notifications (bounces), RFC 3464 / RFC 6522
 * SYNOPSIS
 *	int dsn_compose(struct str *out, const struct dsn *d, int fd,
 *	                unsigned long long len);
 *	int dsn_reply_format(struct str *out, const char *remote_mta, int code,
 *	                     const char *enhanced, const char *text);
 *	void dsn_reply_parse(const char *reply, char *mta, size_t mtalen,
 *	                     const char **diagnostic, char status[16]);
 *	void dsn_date(long long t, char out[40]);
 *	int dsn_boundary(char out[DSN_BOUNDARY_SIZE]);
 * DESCRIPTION
 *	dsn_compose() appends to out a whole message (CRLF lines): From
 *	"MAILER-DAEMON@hostname", To the original sender (or, for a postmaster
 *	notice, the postmaster), Auto-Submitted: auto-replied (RFC 3834),
 *	MIME-Version and Content-Type multipart/report;
 *	report-type=delivery-status (RFC 6522 §3) with three parts:
 *	  1. text/plain for people: which recipients failed and why;
 *	  2. message/delivery-status (RFC 3464 §2.2, §2.3): Reporting-MTA: dns;
 *	     hostname, X-Tern-Queue-ID, Arrival-Date; then per recipient
 *	     Final-Recipient: rfc822; addr, Action: failed, Status, Remote-MTA:
 *	     dns; host (when known), Diagnostic-Code: smtp; reply, and
 *	     Last-Attempt-Date;
 *	  3. the original message read from fd (len bytes at offset 0): with
 *	     body_max 0, its header section as text/rfc822-headers; otherwise
 *	     message/rfc822 with the body cut at the last whole line within
 *	     body_max bytes (RFC 3462 §3 allows either).
 *	Fields are ASCII: any byte of peer text outside printable ASCII is
 *	written as "?". The bounce goes out with the null envelope sender, so
 *	it can never cause another bounce (RFC 5321 §4.5.5); that rule is the
 *	scheduler's, see scheduler.h.
 *
 *	The reply stored per recipient in the queue state is what
 *	dsn_reply_format() makes: "host said: 550 5.1.1 text", or "550 5.1.1
 *	text" when no remote host gave it (tern's own verdict). dsn_reply_parse()
 *	splits it back into the remote host (or ""), the diagnostic (the reply
 *	itself) and the RFC 3463 status: the enhanced code if present, else
 *	"5.0.0" or "4.0.0" by the reply's class.
 *	dsn_date() formats t as an RFC 5322 §3.3 date in UTC (the epoch for a t
 *	that gmtime_r(3) cannot represent: a corrupt queue or state file).
 *	dsn_boundary() makes a MIME boundary (RFC 2046 §5.1.1) for d->boundary:
 *	"=_tern." and 32 hex digits of getrandom(2), 128 bits no sender can
 *	guess, so the original message quoted in the bounce cannot hold a line
 *	that ends its part early ("=_" also never occurs in quoted-printable).
 * DIAGNOSTICS
 *	dsn_compose() returns 0, or -1 with errno (reading fd, ENOMEM, E2BIG).
 *	dsn_boundary() returns 0, or -1 with errno when getrandom() fails.
 */
#include <stddef.h>

#include "str.h"

#define DSN_BOUNDARY_SIZE 40	/* "=_tern." 32 hex digits, NUL */

struct dsn_rcpt {
	const char *address;
	const char *reply;		/* as stored: see dsn_reply_format() */
	long long last_try;		/* 0: never tried */
};

struct dsn {
	const char *hostname;
	const char *queue_id;
	const char *to;			/* the notice's recipient */
	const char *orig_sender;	/* "" for the null sender */
	const char *boundary;
	long long arrival, now;
	const struct dsn_rcpt *rcpt;
	size_t nrcpt;
	unsigned long long body_max;
};

int dsn_compose(struct str *out, const struct dsn *d, int fd, unsigned long long len);
int dsn_reply_format(struct str *out, const char *remote_mta, int code,
		     const char *enhanced, const char *text);
void dsn_reply_parse(const char *reply, char *mta, size_t mtalen,
		     const char **diagnostic, char status[16]);
void dsn_date(long long t, char out[40]);
int dsn_boundary(char out[DSN_BOUNDARY_SIZE]);

#endif
