/*
 * deliver - one delivery attempt of one job (see deliver.h): next hop from
 * mx_plan(), then each address in order until one takes the transaction;
 * connections are kept per destination key for the next job.
 *
 * Failure rules (RFC 5321 §5.1 and §4.2.5): a connection error, a 421, or
 * a non-2xx greeting/EHLO before MAIL was accepted moves on to the next
 * address; once MAIL is accepted the replies are the recipients' results.
 * A kept connection that fails before MAIL is given up and the job is
 * tried once more on fresh connections.
 *
 * A worker holds at most one connection: one kept for another destination
 * is closed before the job starts, so that the scheduler, which notes the
 * destination of each worker's last job, counts every open connection
 * against the concurrency limits (scheduler.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "relay/authfile.h"
#include "relay/deliver.h"
#include "relay/deliver_dkim.h"
#include "relay/deliver_maildir.h"
#include "relay/dkim_sign.h"
#include "relay/mx.h"
#include "relay/security.h"
#include "relay/smtp_client.h"

#define DELIVER_IDLE_MS 30000	/* a kept connection idle longer is closed */
#define DELIVER_CONNS_MAX 1	/* see above: the scheduler counts on it */

struct deliver_conn {
	struct smtp_conn s;
	enum tls_policy asked;		/* the policy it was opened under */
	char key[320];
	long long last_used;
	struct deliver_conn *next;
};

void deliver_init(struct deliver_ctx *d, const struct config *c)
{
	d->cfg = c;
	d->auth = NULL;
	d->conns = NULL;
}

void deliver_set_auth(struct deliver_ctx *d, const struct auth_table *auth)
{
	d->auth = auth;
}

static void deliver_note_mta(struct deliver_result *res, const struct smtp_conn *s)
{
	if (s->local_verdict)
		return;
	snprintf(res->remote_mta, sizeof res->remote_mta, "%s", s->host);
	snprintf(res->tls, sizeof res->tls, "%s", s->tls_info);
}

/* Remove and return the kept connection for key, or NULL. */
static struct deliver_conn *conn_take(struct deliver_ctx *d, const char *key)
{
	struct deliver_conn **pp, *c;

	for (pp = &d->conns; (c = *pp); pp = &c->next)
		if (!strcmp(c->key, key)) {
			*pp = c->next;
			c->next = NULL;
			return c;
		}
	return NULL;
}

static void conn_free(struct deliver_conn *c, int quit)
{
	if (!c)
		return;
	if (quit)
		smtp_quit(&c->s);
	else
		smtp_close(&c->s);
	free(c);
}

/* Keep c for the next job to key; beyond DELIVER_CONNS_MAX the oldest goes. */
static void conn_keep(struct deliver_ctx *d, struct deliver_conn *c, const char *key)
{
	struct deliver_conn **pp, **oldest = NULL;
	size_t n = 0;

	if (c->s.broken || c->s.fd < 0) {
		conn_free(c, 0);
		return;
	}
	snprintf(c->key, sizeof c->key, "%s", key);
	c->last_used = clock_ms();
	c->next = d->conns;
	d->conns = c;
	for (pp = &d->conns; *pp; pp = &(*pp)->next, n++)
		if (!oldest || (*pp)->last_used <= (*oldest)->last_used)
			oldest = pp;
	if (n > DELIVER_CONNS_MAX && oldest) {
		struct deliver_conn *o = *oldest;
		*oldest = o->next;
		conn_free(o, 1);
	}
}

/* QUIT every kept connection not for key (at most one is kept). */
static void conn_close_others(struct deliver_ctx *d, const char *key)
{
	struct deliver_conn *keep = conn_take(d, key);

	deliver_close_all(d);
	d->conns = keep;
}

static void result_all(const struct deliver_job *job, struct deliver_result *res,
		       const struct reply *r)
{
	size_t i;

	for (i = 0; i < job->nrcpt; i++) {
		res->rcpt[i].code = r->code;
		snprintf(res->rcpt[i].enhanced, sizeof res->rcpt[i].enhanced, "%s", r->enhanced);
		snprintf(res->rcpt[i].text, sizeof res->rcpt[i].text, "%s", r->text);
	}
}

static void log_attempt(const struct deliver_job *job, const char *host, const struct reply *why)
{
	char reply[REPLY_TEXT_MAX + 32];
	struct log_field f[] = {
		{ LOG_FIELD_QUEUE_ID, job->queue_id ? job->queue_id : "" },
		{ LOG_FIELD_DOMAIN, job->domain },
		{ LOG_FIELD_HOST, host },
		{ LOG_FIELD_REPLY, reply },
		{ NULL, NULL },
	};

	snprintf(reply, sizeof reply, "%d %s %s", why->code, why->enhanced, why->text);
	log_event(LOG_INFO, f, "delivery attempt failed, trying the next address");
}

/* Run the job on a kept connection; returns 1 if it was done there. */
static int deliver_reused(struct deliver_ctx *d, const struct deliver_job *job,
			  struct deliver_result *res, const char *key)
{
	struct deliver_conn *c = conn_take(d, key);
	struct reply why;
	enum tls_policy level;

	if (!c)
		return 0;
	level = security_policy(d->cfg, d->auth, job->domain, key);
	if (!smtp_alive(&c->s) || (c->asked != level && !security_met(&c->s, level))) {
		conn_free(c, 0);
		return 0;
	}
	if (smtp_send(&c->s, job, res->rcpt, &why) != SMTP_DONE) {
		conn_free(c, 0);	/* retried once on a fresh connection */
		return 0;
	}
	deliver_note_mta(res, &c->s);
	conn_keep(d, c, key);
	return 1;
}

/* Each address of the plan in order; returns 1 if one took the job. */
static int deliver_plan(struct deliver_ctx *d, const struct deliver_job *job,
			struct deliver_result *res, const struct mx_plan *p, struct reply *last)
{
	struct smtp_timeouts to;
	struct security x;
	struct deliver_conn *c = calloc(1, sizeof *c);
	size_t i;

	if (!c) {
		reply_set(last, 451, "4.3.0", "out of memory");
		return 0;
	}
	smtp_timeouts_init(&to, d->cfg);
	security_init(&x, d->cfg, d->auth);
	for (i = 0; i < p->n; i++) {
		struct smtp_security sec;

		if (security_for(&x, job->domain, p, i, &sec, last) < 0 ||
		    smtp_open_secure(&c->s, &p->t[i], p->lmtp, &to, d->cfg->hostname, &sec,
				     last) < 0) {
			log_attempt(job, p->t[i].host, last);
			continue;
		}
		if (smtp_send(&c->s, job, res->rcpt, last) == SMTP_DONE) {
			deliver_note_mta(res, &c->s);
			c->asked = security_policy(d->cfg, d->auth, job->domain, p->key);
			conn_keep(d, c, p->key);
			security_end(&x);
			return 1;
		}
		log_attempt(job, p->t[i].host, last);
	}
	security_end(&x);
	free(c);
	return 0;
}

/* A maildir: route: the Maildir writer delivers (deliver_maildir.h). */
static int deliver_is_maildir(const struct config *c, const char *domain)
{
	const struct route *r = config_route_for(c, domain);

	return r && r->hop.kind == NEXTHOP_MAILDIR;
}

/* SMTP or LMTP: a kept connection, else the next hop's addresses in turn. */
static void deliver_smtp(struct deliver_ctx *d, const struct deliver_job *job,
			 struct deliver_result *res, const char *key)
{
	struct mx_plan *plan;
	struct reply verdict;

	if (deliver_reused(d, job, res, key))
		return;
	plan = malloc(sizeof *plan);
	if (!plan) {
		reply_set(&verdict, 451, "4.3.0", "out of memory");
		result_all(job, res, &verdict);
		return;
	}
	if (mx_plan(d->cfg, job->domain, plan, &verdict) < 0) {
		result_all(job, res, &verdict);
		res->destination_failed = verdict.code / 100 == 4;
	} else if (!deliver_plan(d, job, res, plan, &verdict)) {
		/* every address failed at connection level: defer, back off the destination */
		if (verdict.code / 100 != 4)
			reply_set(&verdict, 451, "4.4.1", verdict.text);
		result_all(job, res, &verdict);
		res->destination_failed = 1;
	}
	free(plan);
}

void deliver(struct deliver_ctx *d, const struct deliver_job *job,
	     struct deliver_result *res)
{
	struct str fields = STR_INIT(DKIM_SIGN_OUT_MAX + 4096);
	struct deliver_job signed_job = *job;
	char key[MX_KEY_MAX];

	res->remote_mta[0] = '\0';
	res->tls[0] = '\0';
	res->destination_failed = 0;
	if (!job->nrcpt)
		return;
	mx_key(d->cfg, job->domain, key, sizeof key);
	conn_close_others(d, key);
	if (deliver_is_maildir(d->cfg, job->domain)) {
		deliver_maildir(job, res);
		return;
	}
	/* once per job: every MX tried and every transaction send the same fields */
	if (d->cfg->ndkim_signers && deliver_dkim_sign(job, &fields)) {
		signed_job.prefix = fields.s;
		signed_job.prefix_len = fields.len;
	}
	deliver_smtp(d, &signed_job, res, key);
	str_free(&fields);
}

void deliver_idle(struct deliver_ctx *d)
{
	struct deliver_conn **pp = &d->conns, *c;
	long long now = clock_ms();

	while ((c = *pp)) {
		if (now - c->last_used > DELIVER_IDLE_MS || !smtp_alive(&c->s)) {
			*pp = c->next;
			conn_free(c, smtp_alive(&c->s));
		} else {
			pp = &c->next;
		}
	}
}

void deliver_close_all(struct deliver_ctx *d)
{
	struct deliver_conn *c;

	while ((c = d->conns)) {
		d->conns = c->next;
		conn_free(c, 1);
	}
}
