/* sched_message - a message's life in the scheduler: load, jobs, results,
 * bounce, removal; see scheduler.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "relay/backoff.h"
#include "relay/dsn.h"
#include "relay/group.h"
#include "relay/hdrscan.h"
#include "relay/scheduler_private.h"

#define SCHED_HEADER_MAX (1u << 20)

static void sched_log(int prio, const char *id, const char *rcpt, const char *reply,
		      const char *what)
{
	struct log_field f[] = {
		{ LOG_FIELD_QUEUE_ID, id }, { LOG_FIELD_RECIPIENT, rcpt }, { LOG_FIELD_REPLY, reply }, { NULL, NULL },
	};

	if (!rcpt)
		f[1].key = NULL;
	else if (!reply)
		f[2].key = NULL;
	log_event(prio, f, "%s", what);
}

void sched_index_add(struct sched *s, const char *id)
{
	struct sched_entry *e;

	if (id[0] == '\0' || id[0] == '.' || strlen(id) >= QUEUE_ID_MAX ||
	    strmap_get(&s->index, id))
		return;
	e = calloc(1, sizeof *e);
	/* room in the heap for every entry, so that a push never fails */
	if (!e || sched_heap_reserve(&s->waiting, s->index.count + 1) < 0 ||
	    strmap_put(&s->index, id, e) < 0) {
		free(e);
		log_msg(LOG_ERR, "out of memory indexing %s; the rescan will retry", id);
		return;
	}
	strcpy(e->id, id);
	e->eightbit = -1;
	e->due = 0;
	sched_heap_push(&s->waiting, e);
}

struct sched_dest *sched_dest_get(struct sched *s, const char *dest)
{
	struct sched_dest *d = strmap_get(&s->dests, dest);

	if (d)
		return d;
	d = calloc(1, sizeof *d);
	if (!d || strmap_put(&s->dests, dest, d) < 0) {
		static struct sched_dest fallback;	/* no memory: share one slot */

		free(d);
		return &fallback;
	}
	return d;
}

static int sched_set_reply(struct queue_rcpt *r, const char *remote, int code,
			   const char *enhanced, const char *text)
{
	struct str s = STR_INIT(4096);
	char *copy;

	if (dsn_reply_format(&s, remote, code, enhanced, text) < 0 ||
	    !(copy = strdup(str_cstr(&s)))) {
		str_free(&s);
		return -1;
	}
	str_free(&s);
	free(r->reply);
	r->reply = copy;
	return 0;
}

/* Header checks done once per message: hop count and 8-bit body. */
static void sched_inspect(struct sched *s, struct sched_entry *e)
{
	struct str hdr = STR_INIT(SCHED_HEADER_MAX + 8192);
	unsigned long long len, body_off;
	int fd;

	if (e->hops_checked)
		return;
	if (queue_message_body(&s->q, e->id, &fd, &len) < 0) {
		log_msg(LOG_ERR, "%s", s->q.err);
		return;
	}
	if (hdrscan_read(fd, len, SCHED_HEADER_MAX, &hdr, &body_off) == 0) {
		e->hops = hdrscan_count(hdr.s ? hdr.s : "", hdr.len, "Received");
		e->hops_checked = 1;
	}
	e->eightbit = hdrscan_has_8bit(fd, len);	/* -1: unreadable, the worker looks */
	close(fd);
	str_free(&hdr);
}

/* Recipients that will never be tried: loops and expired ones fail here. */
static void sched_expire(struct sched *s, struct sched_entry *e, long long now)
{
	struct queue_message *m = &e->active->m;
	long long expiry = m->arrival + (long long)s->cfg->queue_lifetime;
	int loop = e->hops_checked && e->hops > SCHED_MAX_HOPS;
	size_t i;

	for (i = 0; i < m->nrcpt; i++) {
		struct queue_rcpt *r = &m->rcpt[i];
		char text[DELIVER_TEXT_MAX + 64];

		if (r->status != RCPT_PENDING)
			continue;
		if (loop) {
			snprintf(text, sizeof text, "too many Received: header fields (%zu): mail loop",
				 e->hops);
			sched_set_reply(r, "", 554, "5.4.6", text);
		} else if (now >= expiry) {
			snprintf(text, sizeof text, "message expired in the queue; last reply: %s",
				 r->reply && *r->reply ? r->reply : "none");
			sched_set_reply(r, "", 451, "4.4.7", text);
		} else {
			continue;
		}
		r->status = RCPT_FAILED;
		e->active->dirty = 1;
		sched_log(LOG_NOTICE, m->id, r->address, r->reply, "failed");
	}
}

static void sched_unload(struct sched *s, struct sched_entry *e)
{
	queue_message_free(&e->active->m);
	free(e->active);
	e->active = NULL;
	s->nactive--;
	sched_heap_push(&s->waiting, e);
}

static void sched_forget(struct sched *s, struct sched_entry *e)
{
	if (e->active)
		sched_unload(s, e);
	sched_heap_remove(&s->waiting, e);
	strmap_remove(&s->index, e->id);
	free(e);
}

/*
 * No job of e is ready or in flight: save, then unload or finish it.
 * A finished message (nothing pending) is not saved first: its removal is
 * the record, and a crash before the removal only repeats deliveries, which
 * at-least-once allows. That saves a write and two fsyncs per message.
 */
static void sched_settle(struct sched *s, struct sched_entry *e, long long now)
{
	struct queue_message *m = &e->active->m;
	long long expiry = m->arrival + (long long)s->cfg->queue_lifetime, due = LLONG_MAX;
	size_t i;

	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i].status == RCPT_PENDING && m->rcpt[i].next_try < due)
			due = m->rcpt[i].next_try;
	if (due != LLONG_MAX) {
		if (e->active->dirty && queue_state_save(&s->q, m) < 0) {
			log_msg(LOG_ERR, "%s (the last attempt will be repeated)", s->q.err);
			e->due = now + (long long)s->cfg->retry_min;
			sched_unload(s, e);
			return;
		}
		e->active->dirty = 0;
		e->due = e->force ? now : (due < expiry ? due : expiry);
		sched_unload(s, e);
		return;
	}
	if (sched_bounce(s, m) < 0 || queue_message_remove(&s->q, m->id) < 0) {
		if (s->q.err[0])
			log_msg(LOG_ERR, "%s", s->q.err);
		/* keep what was learnt, so the retry does not deliver again */
		if (e->active->dirty && queue_state_save(&s->q, m) < 0)
			log_msg(LOG_ERR, "%s", s->q.err);
		e->due = now + (long long)s->cfg->retry_min;
		sched_unload(s, e);
		return;
	}
	sched_log(LOG_INFO, m->id, NULL, NULL, "removed: no recipient pending");
	sched_forget(s, e);
}

static void sched_job_free(struct sched_job *j)
{
	free(j->idx);
	free(j);
}

int sched_activate(struct sched *s, struct sched_entry *e, long long now)
{
	struct group *g;
	size_t ng, i;

	if (e->active)
		return 0;
	e->active = calloc(1, sizeof *e->active);
	if (!e->active)
		return -1;	/* still waiting: the next pass tries again */
	sched_heap_remove(&s->waiting, e);
	if (queue_message_load(&s->q, e->id, &e->active->m) < 0) {
		int gone = errno == ENOENT;

		free(e->active);
		e->active = NULL;
		if (gone) {
			sched_forget(s, e);
			return 0;
		}
		log_msg(LOG_ERR, "%s", s->q.err);
		e->due = now + (long long)s->cfg->retry_max;
		sched_heap_push(&s->waiting, e);
		return 0;
	}
	s->nactive++;
	sched_inspect(s, e);
	sched_expire(s, e, now);
	if (group_pending(&e->active->m, now, e->force, &g, &ng) < 0)
		ng = 0;
	for (i = 0; i < ng; i++) {
		struct sched_job *j = calloc(1, sizeof *j);

		if (!j)
			break;
		j->entry = e;
		j->id = ++s->next_jobid;
		strcpy(j->domain, g[i].domain);
		mx_key(s->cfg, j->domain, j->dest, sizeof j->dest);
		j->idx = g[i].idx;
		j->n = g[i].n;
		j->force = e->force;
		g[i].idx = NULL;
		sched_ready_push(s, j);
		e->active->jobs++;
	}
	group_free(g, ng);
	e->force = 0;
	if (e->active->jobs == 0)
		sched_settle(s, e, now);
	return 0;
}

/* One job is over; when it was the message's last, settle the message. */
static void sched_job_done(struct sched *s, struct sched_job *j, long long now)
{
	struct sched_entry *e = j->entry;

	sched_job_free(j);
	if (--e->active->jobs == 0)
		sched_settle(s, e, now);
	else if (e->active->dirty && queue_state_save(&s->q, &e->active->m) == 0)
		e->active->dirty = 0;
}

/*
 * again: the server's recipient limit left r over after others of the job
 * were delivered (RFC 5321 §4.5.3.1.10); r goes in the next job, at once and
 * without counting an attempt, so that its backoff does not grow.
 */
static void sched_record(struct sched *s, struct queue_rcpt *r, const char *id,
			 const char *remote, const char *tls,
			 const struct deliver_rcpt_result *res, int again, long long now)
{
	char text[DELIVER_TEXT_MAX + 160];

	/* the TLS of the connection rides with the reply: log line and DSN */
	if (tls && *tls)
		snprintf(text, sizeof text, "%s (TLS %s)", res->text, tls);
	else
		snprintf(text, sizeof text, "%s", res->text);
	sched_set_reply(r, remote, res->code, res->enhanced, text);
	r->last_try = now;
	if (again && res->again && res->code / 100 == 4) {
		r->next_try = now;
		sched_log(LOG_INFO, id, r->address, r->reply,
			  "deferred: over the server's recipient limit, sent again at once");
		return;
	}
	if (r->attempts < UINT_MAX)
		r->attempts++;
	if (res->code < 300) {
		r->status = RCPT_DELIVERED;
		sched_log(LOG_INFO, id, r->address, r->reply, "delivered");
	} else if (res->code >= 500) {
		r->status = RCPT_FAILED;
		sched_log(LOG_NOTICE, id, r->address, r->reply, "failed");
	} else {
		r->next_try = backoff_next_try(now, r->attempts, s->cfg->retry_min,
					       s->cfg->retry_max, backoff_random());
		sched_log(LOG_INFO, id, r->address, r->reply, "deferred");
	}
}

void sched_job_finish(struct sched *s, struct sched_job *j,
		      const struct deliver_result *res, long long now)
{
	struct queue_message *m = &j->entry->active->m;
	struct sched_dest *d = sched_dest_get(s, j->dest);
	int progress = 0;
	size_t i;

	/* "again" only after a delivery: a worker cannot make a job loop */
	for (i = 0; i < j->n; i++)
		progress |= res->rcpt[i].code / 100 == 2;
	for (i = 0; i < j->n; i++)
		sched_record(s, &m->rcpt[j->idx[i]], m->id, res->remote_mta, res->tls,
			     &res->rcpt[i], progress, now);
	if (res->destination_failed) {
		if (d->failures < UINT_MAX)
			d->failures++;
		d->backoff_until = backoff_next_try(now, d->failures, s->cfg->retry_min,
						    s->cfg->retry_max, backoff_random());
	} else {
		d->failures = 0;
		d->backoff_until = 0;
	}
	j->entry->active->dirty = 1;
	sched_job_done(s, j, now);
}

void sched_job_lost(struct sched *s, struct sched_job *j, const char *why, long long now)
{
	struct queue_message *m = &j->entry->active->m;
	struct deliver_rcpt_result res = { .code = 451, .enhanced = "4.3.0" };
	size_t i;

	snprintf(res.text, sizeof res.text, "%s", why);
	for (i = 0; i < j->n; i++)
		sched_record(s, &m->rcpt[j->idx[i]], m->id, "", "", &res, 0, now);
	j->entry->active->dirty = 1;
	sched_job_done(s, j, now);
}

/* Deferred without an attempt: the destination is backed off as a whole. */
void sched_job_postpone(struct sched *s, struct sched_job *j, long long until, long long now)
{
	struct queue_message *m = &j->entry->active->m;
	size_t i;

	for (i = 0; i < j->n; i++)
		if (m->rcpt[j->idx[i]].next_try < until)
			m->rcpt[j->idx[i]].next_try = until;
	j->entry->active->dirty = 1;
	sched_job_done(s, j, now);
}

static int sched_bounce_queue(struct sched *s, const char *to, const char *rid,
			      const struct str *msg)
{
	struct queue_file f;
	struct envelope env;
	char *rcpt[1], sender[1] = "", id[QUEUE_ID_MAX];

	rcpt[0] = (char *)to;
	env.sender = sender;
	env.rcpt = rcpt;
	env.nrcpt = 1;
	env.mem = NULL;
	if (queue_file_create(&s->q, &f) < 0)
		return -1;
	queue_file_set_origin(&f, QUEUE_ORIGIN_LOCAL);	/* the relay's own mail */
	if (queue_file_write(&f, msg->s, msg->len) < 0 ||
	    queue_file_commit(&s->q, &f, &env, rid, id) < 0) {
		queue_file_abort(&s->q, &f);
		return -1;
	}
	sched_index_add(s, id);	/* before inotify tells: relay -1 must not stop early */
	return 0;
}

int sched_bounce(struct sched *s, const struct queue_message *m)
{
	struct dsn_rcpt *dr;
	struct dsn d;
	struct str msg = STR_INIT(0);
	char boundary[DSN_BOUNDARY_SIZE];
	unsigned long long len;
	size_t i, n = 0;
	int fd = -1, r = -1;

	s->q.err[0] = '\0';
	dr = calloc(m->nrcpt ? m->nrcpt : 1, sizeof *dr);
	if (!dr)
		return -1;
	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i].status == RCPT_FAILED) {
			dr[n].address = m->rcpt[i].address;
			dr[n].reply = m->rcpt[i].reply ? m->rcpt[i].reply : "";
			dr[n++].last_try = m->rcpt[i].last_try;
		}
	if (n == 0) {
		r = 0;
		goto out;
	}
	if (m->sender[0] == '\0' && strcmp(m->received_id, SCHED_PMNOTICE_ID) == 0) {
		sched_log(LOG_WARNING, m->id, NULL, NULL,
			  "failed postmaster notice dropped (never a bounce for a bounce)");
		r = 0;
		goto out;
	}
	memset(&d, 0, sizeof d);
	d.hostname = s->cfg->hostname;
	d.queue_id = m->id;
	d.orig_sender = m->sender;
	d.to = m->sender[0] ? m->sender : s->cfg->postmaster;
	if (dsn_boundary(boundary) < 0) {
		log_msg(LOG_ERR, "queue a bounce for %s: getrandom: %s", m->id, strerror(errno));
		goto out;
	}
	d.boundary = boundary;
	d.arrival = m->arrival;
	d.now = (long long)time(NULL);
	d.rcpt = dr;
	d.nrcpt = n;
	d.body_max = s->cfg->bounce_body_max;
	if (queue_message_body(&s->q, m->id, &fd, &len) < 0 ||
	    dsn_compose(&msg, &d, fd, len) < 0 ||
	    sched_bounce_queue(s, d.to, m->sender[0] ? "dsn" : SCHED_PMNOTICE_ID, &msg) < 0) {
		log_msg(LOG_ERR, "queue a bounce for %s: %s", m->id,
			s->q.err[0] ? s->q.err : strerror(errno));
		goto out;
	}
	sched_log(LOG_NOTICE, m->id, d.to, NULL,
		  m->sender[0] ? "bounce queued" : "postmaster notice queued (null sender)");
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	str_free(&msg);
	free(dr);
	return r;
}
