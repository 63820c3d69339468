#ifndef TERN_DELIVER_H
#define TERN_DELIVER_H
/*
 * NAME
 *	deliver - one delivery attempt of one message to one destination
 *	(runs in a delivery worker: no queue access, nothing trusted)
 * SYNOPSIS
 *	void deliver_init(struct deliver_ctx *d, const struct config *c);
 *	void deliver_set_auth(struct deliver_ctx *d, const struct auth_table *auth);
 *	void deliver(struct deliver_ctx *d, const struct deliver_job *job,
 *	             struct deliver_result *res);
 *	void deliver_idle(struct deliver_ctx *d);
 *	void deliver_close_all(struct deliver_ctx *d);
 * DESCRIPTION
 *	deliver() finds the next hop for job->domain (the route from the
 *	configuration, an address literal, or MX lookup with ldns: RFC 5321 §5.1,
 *	RFC 7505 null MX, implicit MX), connects (each address of each MX in
 *	order, next on connection failure or 421), speaks SMTP (EHLO, HELO
 *	fallback; PIPELINING, SIZE, 8BITMIME, SMTPUTF8 as offered) or LMTP
 *	(RFC 2033), sends the message from job->body_fd (job->body_len bytes
 *	from offset 0, read with pread) CRLF-only and dot-stuffed, and fills one
 *	result per recipient. It never aborts on peer input.
 *
 *	All recipients of a job share job->domain. The connection may be kept
 *	open in d for the next job to the same destination (mx_key() of mx.h:
 *	the route's next hop, so domains routed to one smarthost share it).
 *	d holds at most one connection: deliver() first closes (QUIT) one kept
 *	for another destination, so that a worker's open connections are the
 *	one the scheduler counts against the concurrency limits (scheduler.h).
 *	deliver_idle() closes a connection idle too long (call it when the
 *	worker is idle), deliver_close_all() sends QUIT on each.
 *
 *	res->rcpt[i] corresponds to job->rcpt[i]: code is the SMTP reply code
 *	(2xx delivered, 4xx retry, 5xx permanent); tern's own verdicts use the
 *	same scale with text and enhanced code made here (e.g. 550 5.1.2
 *	"domain not found" on NXDOMAIN, 556 5.1.10 on null MX, 451 4.4.3 on
 *	SERVFAIL/timeout, 554 5.4.6 "mail loops back to myself").
 *	res->rcpt[i].again is set on a 4xx left over by the server's
 *	recipient limit (RFC 5321 §4.5.3.1.10, see smtp_client.h) after
 *	others of the job were delivered: no retry delay for it.
 *	Security (relay(8) TLS): each connection gets the tls-policy of
 *	job->domain (tlspolicy.h); a next hop with credentials in auth (set
 *	by deliver_set_auth(), the relay-auth-file) gets at least encrypt and
 *	AUTH after STARTTLS. A kept connection is reused only when its TLS
 *	meets the job's policy.
 *
 *	Before an SMTP or LMTP delivery, deliver() asks the DKIM signer
 *	(deliver_dkim.h) for signatures of the message when dkim-sign is
 *	configured; the fields it answers go out first (job->prefix, counted
 *	in SIZE=). A message the signer cannot sign goes out unsigned, with a
 *	log line: a signing failure never delays or loses mail.
 *
 *	res->remote_mta is the host name that gave the reply ("" if none);
 *	res->tls describes the TLS of that connection (tls_describe() of
 *	tls_client.h, "" in plaintext or when no server gave the reply);
 *	res->destination_failed is set when no address of the destination could
 *	be reached or every one gave a 4xx at connection level (so the scheduler
 *	backs the destination off as a whole).
 * DIAGNOSTICS
 *	None; every outcome is a per-recipient result.
 */
#include <stddef.h>
#include "config.h"

#define DELIVER_RCPT_MAX 1000
#define DELIVER_TEXT_MAX 512

struct deliver_job {
	const char *queue_id;		/* for logging */
	const char *domain;		/* destination domain (lower case) */
	const char *sender;		/* "" for the null sender */
	const char *const *rcpt;
	size_t nrcpt;
	int body_fd;
	unsigned long long body_len;
	int utf8;			/* envelope needs SMTPUTF8 */
	int eightbit;			/* body has bytes >= 0x80: 1, 0, -1 unknown */
	const char *prefix;		/* sent before the body: DKIM-Signature */
	size_t prefix_len;		/* fields (CR LF lines), or NULL, 0 */
};

struct deliver_rcpt_result {
	int code;			/* 250, 451, 550, ... */
	int again;			/* 4xx: send in the next job at once */
	char enhanced[16];		/* "5.1.1" or "" */
	char text[DELIVER_TEXT_MAX];	/* reply text, CR/LF/NUL removed */
};

struct deliver_result {
	struct deliver_rcpt_result *rcpt;	/* job->nrcpt entries, caller-owned */
	char remote_mta[256];
	int destination_failed;
	char tls[128];			/* "TLSv1.3 CIPHER verified=dane", "" */
};

struct deliver_conn;
struct auth_table;

struct deliver_ctx {
	const struct config *cfg;
	const struct auth_table *auth;	/* smarthost credentials, or NULL */
	struct deliver_conn *conns;	/* open connections kept for reuse */
};

void deliver_init(struct deliver_ctx *d, const struct config *c);
void deliver_set_auth(struct deliver_ctx *d, const struct auth_table *auth);
void deliver(struct deliver_ctx *d, const struct deliver_job *job,
	     struct deliver_result *res);
void deliver_idle(struct deliver_ctx *d);
void deliver_close_all(struct deliver_ctx *d);

#endif
