/*
 * smtp_tx - one SMTP/LMTP mail transaction on an open connection (the
 * smtp_send() of smtp_client.h).
 *
 * Each recipient goes UNSENT -> SENT -> ACCEPTED (RCPT 2xx) -> DONE; the
 * result of a recipient is final once DONE. When the connection fails after
 * MAIL was accepted, whatever is not DONE becomes 451 4.4.2: the scheduler
 * retries it (at-least-once, queue(5)).
 *
 * Recipient limits (RFC 5321 §4.5.3.1.10): a server out of room for more
 * recipients answers 452 (or, after RFC 821, 552 5.5.3, which the client
 * SHOULD take as temporary) to the RCPTs past its limit. Such a reply after
 * another RCPT of the same transaction was accepted makes the recipient
 * LIMITED: once that transaction has delivered, the LIMITED ones go back to
 * UNSENT for a further transaction on the same connection, and so on while
 * each one delivers something. If the connection cannot carry it, they end
 * 4xx with res[i].again set, so that the scheduler sends them in the next
 * job without a retry delay. A 452 to the first RCPT is an ordinary
 * temporary failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay/dataenc.h"
#include "relay/hdrscan.h"
#include "relay/smtp_client.h"

enum rcpt_state { RCPT_UNSENT, RCPT_SENT, RCPT_ACCEPTED, RCPT_LIMITED, RCPT_DONE };
enum cmd_kind { CMD_RSET, CMD_MAIL, CMD_RCPT, CMD_DATA };

struct tx {
	struct smtp_conn *s;
	const struct deliver_job *job;
	struct deliver_rcpt_result *res;
	unsigned char *state;		/* enum rcpt_state per recipient */
	size_t naccepted;		/* in this transaction */
	size_t nlimited;		/* over the server's recipient limit */
	int mail_ok;
	int mail_failed;
	int data_go;			/* 354 received */
	int delivered;			/* a 2xx after the data, this transaction */
};

static void result_set(struct deliver_rcpt_result *r, int code, const char *enh,
		       const char *text)
{
	r->code = code;
	r->again = 0;
	snprintf(r->enhanced, sizeof r->enhanced, "%s", enh ? enh : "");
	snprintf(r->text, sizeof r->text, "%s", text ? text : "");
}

/* RFC 5321 §4.5.3.1.10: 452, or 552 with RFC 3463's X.5.3 "too many recipients". */
static int reply_over_limit(const struct reply *r)
{
	return r->code == 452 || (r->code == 552 && strcmp(r->enhanced, "5.5.3") == 0);
}

static void result_reply(struct tx *t, size_t i, const struct reply *r)
{
	result_set(&t->res[i], r->code, r->enhanced, r->text);
	t->state[i] = RCPT_DONE;
}

/* Every recipient not DONE (or only those in state `only`, if >= 0) gets r. */
static void result_rest(struct tx *t, const struct reply *r, int only)
{
	size_t i;

	for (i = 0; i < t->job->nrcpt; i++)
		if (t->state[i] != RCPT_DONE && (only < 0 || t->state[i] == only))
			result_reply(t, i, r);
}

/* CR, LF, NUL and other controls never go on the wire (command injection). */
static int path_ok(const char *p)
{
	size_t n = 0;

	for (; *p; p++, n++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return n <= 256;
}

/*
 * Whether the message has 8-bit content, for a server without 8BITMIME:
 * 1, 0, or -1 when the body cannot be read. The scheduler scanned it when it
 * loaded the message; only when it could not (job->eightbit -1) is the body
 * scanned here.
 */
static int tx_8bit(const struct deliver_job *j)
{
	return j->eightbit >= 0 ? j->eightbit : hdrscan_has_8bit(j->body_fd, j->body_len);
}

/* Refusals decided before MAIL: returns 1 when every recipient is decided. */
static int tx_refuse_locally(struct tx *t)
{
	struct smtp_conn *s = t->s;
	const struct deliver_job *j = t->job;
	struct reply r;
	size_t i;
	int eightbit = s->ext & SMTP_EXT_8BITMIME ? 0 : tx_8bit(j);

	if (j->utf8 && !(s->ext & SMTP_EXT_SMTPUTF8)) {
		/* RFC 6531 §3.5: no downgrade; the message bounces */
		reply_set(&r, 553, "5.6.7", "the server does not support SMTPUTF8 (RFC 6531)");
	} else if (eightbit < 0) {
		smtp_why_local(&r, "4.3.0", "local", "reading the message", errno);
	} else if (eightbit) {
		/*
		 * RFC 6152 §3: 8-bit data only after the server offered 8BITMIME;
		 * tern does not downgrade MIME, so the message bounces (RFC 3463
		 * 5.6.3: conversion required but not supported).
		 */
		reply_set(&r, 554, "5.6.3", "message has 8-bit content and the receiving "
			  "server does not support 8BITMIME");
	} else if ((s->ext & SMTP_EXT_SIZE) && s->size_max && j->body_len > s->size_max) {
		char text[128];
		snprintf(text, sizeof text, "message size %llu exceeds the server's limit of %llu",
			 j->body_len, s->size_max);
		reply_set(&r, 552, "5.3.4", text);
	} else if (!path_ok(j->sender)) {
		reply_set(&r, 501, "5.1.7", "bad sender address");
	} else {
		for (i = 0; i < j->nrcpt; i++)
			if (!path_ok(j->rcpt[i])) {
				reply_set(&r, 553, "5.1.3", "bad recipient address");
				result_reply(t, i, &r);
			}
		for (i = 0; i < j->nrcpt; i++)
			if (t->state[i] != RCPT_DONE)
				return 0;
		return 1;
	}
	result_rest(t, &r, -1);
	return 1;
}

static void cmd_format(struct tx *t, enum cmd_kind k, size_t i, char *line, size_t max)
{
	const struct deliver_job *j = t->job;
	struct smtp_conn *s = t->s;
	char params[96] = "";

	switch (k) {
	case CMD_RSET:
		snprintf(line, max, "RSET\r\n");
		break;
	case CMD_MAIL:
		if (s->ext & SMTP_EXT_SIZE)	/* RFC 1870 §6 */
			snprintf(params, sizeof params, " SIZE=%llu",
				 j->body_len + (unsigned long long)j->prefix_len);
		if (j->eightbit == 1 && (s->ext & SMTP_EXT_8BITMIME))	/* RFC 6152 §3 */
			strcat(params, " BODY=8BITMIME");
		if (j->utf8)	/* RFC 6531 §3.4 */
			strcat(params, " SMTPUTF8");
		snprintf(line, max, "MAIL FROM:<%s>%s\r\n", j->sender, params);
		break;
	case CMD_RCPT:
		snprintf(line, max, "RCPT TO:<%s>\r\n", j->rcpt[i]);
		break;
	case CMD_DATA:
		snprintf(line, max, "DATA\r\n");
		break;
	}
}

struct cmd {
	enum cmd_kind kind;
	size_t rcpt;
};

/* The timeout for the reply to a command (RFC 5321 §4.5.3.2). */
static int cmd_timeout(const struct smtp_conn *s, enum cmd_kind k)
{
	return k == CMD_RCPT ? s->to.rcpt : k == CMD_DATA ? s->to.data : s->to.mail;
}

/*
 * Handle the reply to one command. Returns 0 to go on, -1 when the
 * connection is unusable before MAIL was accepted (SMTP_CONN_FAIL), 1 when
 * the transaction is over (results set).
 */
static int cmd_reply(struct tx *t, const struct cmd *c, const struct reply *r, struct reply *why)
{
	struct smtp_conn *s = t->s;

	if (r->code == 421 && !t->mail_ok) {
		smtp_why_local(why, "4.4.2", s->host, r->text, 0);
		why->code = 421;
		return -1;
	}
	if (r->code == 421) {
		/* RFC 5321 §3.8: the server is closing; whatever is open is deferred */
		result_rest(t, r, -1);
		s->broken = 1;
		return 1;
	}
	switch (c->kind) {
	case CMD_RSET:
		if (r->code / 100 != 2) {
			smtp_why_local(why, "4.4.2", s->host, "RSET refused", 0);
			return -1;
		}
		return 0;
	case CMD_MAIL:
		if (r->code / 100 == 2) {
			t->mail_ok = 1;
			return 0;
		}
		t->mail_failed = 1;
		result_rest(t, r, -1);
		return 0;
	case CMD_RCPT:
		if (t->mail_failed)
			return 0;
		if (r->code / 100 == 2) {
			t->state[c->rcpt] = RCPT_ACCEPTED;
			t->naccepted++;
		} else if (reply_over_limit(r) && t->naccepted > 0) {
			/* the server's limit, not the recipient's fault: the result
			 * stands only if no further transaction can be made */
			result_set(&t->res[c->rcpt], 452, "4.5.3", r->text);
			t->state[c->rcpt] = RCPT_LIMITED;
			t->nlimited++;
		} else if (reply_over_limit(r)) {
			/* to the first RCPT: an ordinary temporary failure */
			result_reply(t, c->rcpt, r);
			if (r->code == 552)
				result_set(&t->res[c->rcpt], 452, "4.5.3", r->text);
		} else {
			result_reply(t, c->rcpt, r);
		}
		return 0;
	case CMD_DATA:
		if (r->code == 354 && t->naccepted) {
			t->data_go = 1;
			return 0;
		}
		if (r->code == 354) {
			/* nobody to deliver to; end the empty data at once */
			s->broken = 1;
			return 1;
		}
		result_rest(t, r, RCPT_ACCEPTED);
		return 1;
	}
	return 0;
}

/* The connection broke: before MAIL's acceptance try elsewhere, after it defer. */
static int tx_lost(struct tx *t, int st, const char *stage, struct reply *why)
{
	char what[160];
	struct reply r;

	snprintf(what, sizeof what, "%s after %s", smtp_status_text(st), stage);
	smtp_why_local(why, "4.4.2", t->s->host, what, st == REPLY_ERROR ? errno : 0);
	t->s->broken = 1;
	if (!t->mail_ok && !t->mail_failed)
		return -1;
	r = *why;
	result_rest(t, &r, -1);
	return 1;
}

static const char *cmd_name(enum cmd_kind k)
{
	static const char *const names[] = { "RSET", "MAIL", "RCPT", "DATA" };
	return names[k];
}

/* Write cmds[0..n) at once (RFC 2920 §3.1: DATA only last) and read their replies. */
static int cmd_group(struct tx *t, const struct cmd *cmds, size_t n, struct reply *why)
{
	struct smtp_conn *s = t->s;
	char line[600];
	struct reply r;
	size_t i;
	int rc = 0, st;

	s->out.timeout_ms = s->to.mail;
	for (i = 0; i < n; i++) {
		cmd_format(t, cmds[i].kind, cmds[i].rcpt, line, sizeof line);
		if (outbuf_puts(&s->out, line) < 0)
			return tx_lost(t, REPLY_ERROR, cmd_name(cmds[i].kind), why);
		/* from MAIL on a transaction is open until its end; RSET closes one */
		if (cmds[i].kind == CMD_RSET)
			s->need_rset = 0;
		if (cmds[i].kind == CMD_MAIL)
			s->need_rset = 1;
	}
	if (outbuf_flush(&s->out) < 0)
		return tx_lost(t, REPLY_ERROR, cmd_name(cmds[n - 1].kind), why);
	for (i = 0; i < n; i++) {
		st = reply_read(&s->in, cmd_timeout(s, cmds[i].kind), &r, NULL, NULL);
		if (st != REPLY_OK)
			return tx_lost(t, st, cmd_name(cmds[i].kind), why);
		if (rc == 0)
			rc = cmd_reply(t, &cmds[i], &r, why);
		if (rc < 0 || s->broken)
			return rc;
	}
	return rc;
}

/* MAIL, RCPTs and DATA, pipelined in groups or one by one. */
static int tx_commands(struct tx *t, struct reply *why)
{
	struct smtp_conn *s = t->s;
	const struct deliver_job *j = t->job;
	size_t group = (s->ext & SMTP_EXT_PIPELINING) ? SMTP_PIPELINE_MAX : 1;
	struct cmd *cmds = malloc((j->nrcpt + 3) * sizeof *cmds);
	size_t n = 0, i, done;
	int rc = 0;

	if (!cmds) {
		smtp_why_local(why, "4.3.0", s->host, "out of memory", 0);
		return -1;
	}
	if (s->need_rset)
		cmds[n++] = (struct cmd){ CMD_RSET, 0 };
	cmds[n++] = (struct cmd){ CMD_MAIL, 0 };
	for (i = 0; i < j->nrcpt; i++)
		if (t->state[i] == RCPT_UNSENT) {
			t->state[i] = RCPT_SENT;
			cmds[n++] = (struct cmd){ CMD_RCPT, i };
		}
	cmds[n++] = (struct cmd){ CMD_DATA, 0 };
	for (done = 0; done < n && rc == 0; done += group) {
		size_t k = n - done < group ? n - done : group;
		if (t->mail_failed)
			break;
		/* without pipelining, DATA only when a recipient was accepted */
		if (cmds[done].kind == CMD_DATA && !t->naccepted && group == 1) {
			rc = 1;
			break;
		}
		rc = cmd_group(t, cmds + done, k, why);
	}
	free(cmds);
	return rc < 0 ? -1 : 0;
}

/* Send the body, CRLF-only and dot-stuffed, then the final dot. */
static int tx_body(struct tx *t, struct reply *why)
{
	struct smtp_conn *s = t->s;
	/* static: a worker runs one delivery at a time, and 200 KB is too much stack */
	static char in[65536];
	static char out[DATAENC_OUT_MAX(sizeof in)];
	unsigned long long off = 0;
	struct dataenc e;
	size_t o;

	dataenc_init(&e);
	s->out.timeout_ms = s->to.block;
	/* the DKIM-Signature fields: CR LF lines that start with a letter or a tab */
	if (t->job->prefix_len && outbuf_put(&s->out, t->job->prefix, t->job->prefix_len) < 0)
		return tx_lost(t, REPLY_ERROR, "sending the message", why), -1;
	while (off < t->job->body_len) {
		unsigned long long left = t->job->body_len - off;
		size_t want = left < sizeof in ? (size_t)left : sizeof in;
		ssize_t r = pread(t->job->body_fd, in, want, (off_t)off);
		if (r <= 0) {
			/* never end a truncated message with a dot: close instead */
			smtp_why_local(why, "4.3.0", "local", "reading the message",
				       r < 0 ? errno : EIO);
			s->broken = 1;
			result_rest(t, why, -1);
			return -1;
		}
		off += (unsigned long long)r;
		o = dataenc_chunk(&e, in, (size_t)r, out);
		if (outbuf_put(&s->out, out, o) < 0)
			return tx_lost(t, REPLY_ERROR, "sending the message", why), -1;
	}
	o = dataenc_finish(&e, out);
	if (outbuf_put(&s->out, out, o) < 0 || outbuf_flush(&s->out) < 0)
		return tx_lost(t, REPLY_ERROR, "sending the message", why), -1;
	return 0;
}

/* SMTP: one reply for all; LMTP: one per accepted recipient (RFC 2033 §4.2). */
static void tx_final(struct tx *t, struct reply *why)
{
	struct smtp_conn *s = t->s;
	struct reply r;
	size_t i;
	int st;

	reply_init(&r);
	for (i = 0; i < t->job->nrcpt; i++) {
		if (t->state[i] != RCPT_ACCEPTED)
			continue;
		st = reply_read(&s->in, s->to.dot, &r, NULL, NULL);
		if (st != REPLY_OK) {
			tx_lost(t, st, "end of data", why);
			return;
		}
		t->delivered |= r.code / 100 == 2;
		if (!s->lmtp) {
			result_rest(t, &r, RCPT_ACCEPTED);
			break;
		}
		result_reply(t, i, &r);
	}
	s->need_rset = 0;
	if (r.code == 421)
		s->broken = 1;
}

/* The LIMITED recipients: back to UNSENT for another transaction, or final
 * (again: to be sent in the next job at once). */
static void tx_limited(struct tx *t, int next, int again)
{
	size_t i;

	for (i = 0; i < t->job->nrcpt; i++) {
		if (t->state[i] != RCPT_LIMITED)
			continue;
		t->state[i] = next ? RCPT_UNSENT : RCPT_DONE;
		t->res[i].again = again;
	}
}

/* A further transaction could not begin: its recipients go in the next job. */
static void tx_carry_lost(struct tx *t, const struct reply *why)
{
	size_t i;

	for (i = 0; i < t->job->nrcpt; i++)
		if (t->state[i] == RCPT_SENT) {
			result_reply(t, i, why);
			t->res[i].again = 1;
		}
	t->s->broken = 1;
}

/*
 * Transactions until every recipient has a result: one, unless the server's
 * recipient limit left some over after a delivery. Each further one follows
 * a delivery, so there are at most as many as recipients.
 */
static enum smtp_status tx_run(struct tx *t, struct reply *why)
{
	size_t round;

	for (round = 0;; round++) {
		t->naccepted = t->nlimited = 0;
		t->mail_ok = t->mail_failed = t->data_go = t->delivered = 0;
		if (tx_commands(t, why) < 0) {
			if (round == 0)
				return SMTP_CONN_FAIL;
			tx_carry_lost(t, why);
			return SMTP_DONE;
		}
		if (t->data_go && tx_body(t, why) == 0)
			tx_final(t, why);
		if (!t->nlimited)
			return SMTP_DONE;
		if (!t->delivered || t->s->broken) {
			/* no progress: an ordinary 452; a closed connection: next job */
			tx_limited(t, 0, t->delivered);
			return SMTP_DONE;
		}
		tx_limited(t, 1, 0);
	}
}

enum smtp_status smtp_send(struct smtp_conn *s, const struct deliver_job *job,
			   struct deliver_rcpt_result *res, struct reply *why)
{
	struct tx t = { s, job, res, NULL, 0, 0, 0, 0, 0, 0 };
	enum smtp_status ret = SMTP_DONE;

	reply_init(why);
	s->local_verdict = 0;
	t.state = calloc(job->nrcpt ? job->nrcpt : 1, 1);
	if (!t.state) {
		struct reply r;
		reply_set(&r, 451, "4.3.0", "out of memory");
		for (size_t i = 0; i < job->nrcpt; i++)
			result_set(&res[i], r.code, r.enhanced, r.text);
		return SMTP_DONE;
	}
	if (tx_refuse_locally(&t)) {
		s->local_verdict = 1;
		goto out;
	}
	if (tx_run(&t, why) == SMTP_CONN_FAIL) {
		ret = SMTP_CONN_FAIL;
		smtp_close(s);
		goto out;
	}
	if (s->broken)
		smtp_close(s);
out:
	free(t.state);
	return ret;
}
