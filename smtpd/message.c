/*
 * message - DATA: one message from 354 to the verdict (see
 * session_private.h). The body streams from the client through data.c
 * into the injector's pipe; nothing of it is kept here. Whatever goes
 * wrong, the client hears 250 only when the injector exited 0 after it got
 * the whole message and the whole envelope.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "data.h"
#include "envelope.h"
#include "queue_client.h"
#include "log.h"
#include "received.h"
#include "reply.h"
#include "session_private.h"
#include "str.h"

/*
 * message_origin: what the queue program learns of the client (its
 * environment, queue_client.h): a filter such as mailauth(8) checks SPF
 * for the address and HELO name and skips clients that may relay.
 */
static void message_origin(const struct session *s, struct queue_origin *o)
{
	o->ip = s->o->client.known ? s->o->client.addr : NULL;
	o->helo = s->helo[0] ? s->helo : NULL;
	o->auth = s->auth_user[0] ? s->auth_user : NULL;
	o->relay = s->may_relay;
}

/* The session's id for one message: [0-9a-f.]{<=32}, as inject keeps it. */
/*
 * message_id_new: the message's one id (queue(5)): the Received: line, the
 * 250 reply, and, when the queue program takes it (inject run by
 * smtpd-user), the queue id that queuectl, the relay's log and bounces
 * show. Letters and digits only, at most 32: time (seconds, nanoseconds),
 * pid and the session's message count make it unique on this host; if it
 * were taken anyway, inject fails temporarily and the client retries.
 */
static void message_id_new(struct session *s, char id[33])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(id, 33, "%09llX%08lX%07X%lX", (unsigned long long)ts.tv_sec,
		 (unsigned long)ts.tv_nsec, (unsigned)getpid() & 0xfffffffu, ++s->messages);
}

/*
 * message_queue_start: the queue program for one message: tern's inject
 * speaks the session protocol and serves the whole session; any other
 * program (a qmail-queue filter) is run once per message
 * (queue_client.h).
 */
static int message_queue_start(struct session *s, const char *id,
			       const struct queue_origin *origin)
{
	if (s->queue_session)
		return queue_client_session_start(&s->queue, s->o->injector, id,
						  s->o->confdir, origin,
						  session_ms(s->cfg->data_timeout));
	return queue_client_start(&s->queue, s->o->injector, id, s->o->confdir, origin);
}

/* RFC 3848 (ESMTPS, ESMTPA, ESMTPSA), RFC 6531 §3.7.3 (UTF8SMTP...) */
static const char *message_protocol(const struct session *s)
{
	return received_protocol(s->esmtp, s->params.smtputf8, session_tls_active(s),
				 s->auth_user[0] != '\0');
}

static void message_log(const struct session *s, const char *id,
			unsigned long long size, const char *reply, int accepted)
{
	char sizetext[24];
	struct log_field fixed[7], *f;
	size_t n = 0, i;

	snprintf(sizetext, sizeof sizetext, "%llu", size);
	f = calloc(s->nrcpt + 8, sizeof *f);
	if (!f)
		f = fixed;	/* log without the recipients rather than not at all */
	f[n++] = (struct log_field){ LOG_FIELD_RECEIVED_ID, id };
	f[n++] = (struct log_field){ LOG_FIELD_CLIENT_ADDR, s->o->client.addr };
	f[n++] = (struct log_field){ LOG_FIELD_SENDER, s->sender };
	if (s->auth_user[0])
		f[n++] = (struct log_field){ LOG_FIELD_AUTH_USER, s->auth_user };
	for (i = 0; f != fixed && i < s->nrcpt; i++)
		f[n++] = (struct log_field){ LOG_FIELD_RECIPIENT, s->rcpt[i] };
	f[n++] = (struct log_field){ LOG_FIELD_SIZE, sizetext };
	f[n++] = (struct log_field){ LOG_FIELD_REPLY, reply };
	f[n] = (struct log_field){ NULL, NULL };
	log_event(LOG_INFO, f, accepted ? "message accepted" : "message refused");
	if (f != fixed)
		free(f);
}

/* Received: line first (RFC 5321 §4.4); returns 0 or -1. */
static int message_received(struct session *s, struct outbuf *mo, const char *id)
{
	struct str hdr = STR_INIT(4096);
	struct received_info ri = {
		s->helo, &s->o->client, s->cfg->hostname, message_protocol(s), id,
		s->nrcpt == 1 ? s->rcpt[0] : NULL, time(NULL), &s->tls, s->auth_user,
	};
	int r = received_format(&hdr, &ri);

	if (r == 0)
		r = outbuf_put(mo, hdr.s, hdr.len);
	str_free(&hdr);
	return r;
}

/*
 * message_reply: the reply to the queue program's status, by the one table
 * of queue_client_verdict(): 250 with the id, else its reply code (451,
 * 554, 550), enhanced status code (RFC 3463) and text. Returns 1 for 250.
 */
static int message_reply(int status, const char *id, char *reply, size_t replylen)
{
	struct queue_verdict v;

	queue_client_verdict(status, &v);
	if (v.outcome == QUEUE_CLIENT_OK) {
		snprintf(reply, replylen, "250 2.0.0 Ok: queued as %s", id);
		return 1;
	}
	snprintf(reply, replylen, "%s %s Error: %s", v.reply, v.status, v.text);
	return 0;
}

/* The verdict once the end of data was read. */
static int message_verdict(struct session *s, struct queue_client *j, const char *id,
			   const struct data_result *dr, char *reply, size_t replylen)
{
	int timeout = session_ms(s->cfg->data_timeout), status;
	struct str env = STR_INIT(0);

	if (dr->too_big || dr->long_line || dr->bare_cr || dr->nul) {
		queue_client_abort(j, timeout);	/* no envelope: nothing is committed */
		if (dr->too_big)	/* RFC 1870 §6.3, RFC 5321 §4.5.3.1.9 */
			snprintf(reply, replylen, "552 5.3.4 Error: message exceeds fixed maximum message size");
		else if (dr->long_line)
			snprintf(reply, replylen, "554 5.5.2 Error: message has a line longer than 1000 octets (RFC 5321 4.5.3.1.6)");
		else if (dr->nul)
			snprintf(reply, replylen, "554 5.6.0 Error: message has a NUL octet (RFC 5322 2.1)");
		else
			snprintf(reply, replylen, "550 5.6.0 Error: message has a bare CR (RFC 5321 2.3.8)");
		return 0;
	}
	if (dr->write_failed) {	/* it stopped reading: its exit code says why */
		return message_reply(queue_client_abort(j, timeout), id, reply, replylen);
	}
	if (envelope_encode(&env, s->sender, (const char *const *)s->rcpt, s->nrcpt) < 0) {
		queue_client_abort(j, timeout);
		snprintf(reply, replylen, "451 4.3.1 Error: out of memory");
		return 0;
	}
	status = queue_client_finish(j, env.s, env.len, timeout);
	str_free(&env);
	return message_reply(status, id, reply, replylen);
}

/* The client vanished or timed out in the middle of the data. */
static int message_interrupted(struct session *s, struct queue_client *j, const char *id,
			       enum buf_result br)
{
	queue_client_abort(j, session_ms(s->cfg->data_timeout));
	message_log(s, id, 0, br == BUF_TIMEOUT ? "timeout in DATA" : "connection lost in DATA", 0);
	session_transaction_reset(s);
	if (br == BUF_TIMEOUT)
		return session_timeout(s);
	if (br == BUF_EOF)
		s->eof = 1;
	return -1;
}

int message_data(struct session *s)
{
	char id[33], reply[REPLY_MAX + 1], mem[4096];
	struct data_result dr;
	struct data_pace pace;
	struct queue_client *j = &s->queue;
	struct queue_origin origin;
	struct outbuf mo;
	enum buf_result br;
	int ok, header_failed;

	message_id_new(s, id);
	message_origin(s, &origin);
	if (message_queue_start(s, id, &origin) < 0) {
		log_msg(LOG_ERR, "cannot run the queue program: %s: %s", s->o->injector,
			strerror(errno));
		return reply_send(&s->out, "451 4.3.0 Error: cannot run the queue program");
	}
	queue_client_outbuf(j, &mo, mem, sizeof mem, session_ms(s->cfg->data_timeout));
	header_failed = message_received(s, &mo, id) < 0;
	if (reply_send(&s->out, "354 End data with <CR><LF>.<CR><LF>") < 0 ||
	    outbuf_flush(&s->out) < 0) {
		queue_client_abort(j, mo.timeout_ms);
		return -1;
	}
	pace.min_rate = s->cfg->data_min_rate;
	pace.budget_ms = session_ms(s->cfg->data_timeout);
	pace.deadline_ms = s->deadline;
	br = data_read(&s->in, &mo, s->cfg->max_message_size, &pace, &dr);
	buf_set_deadline(&s->in, s->deadline);
	if (br != BUF_OK)
		return message_interrupted(s, j, id, br);
	if (header_failed)
		dr.write_failed = 1;
	ok = message_verdict(s, j, id, &dr, reply, sizeof reply);
	message_log(s, id, dr.size, reply, ok);
	session_transaction_reset(s);
	return reply_send(&s->out, reply);
}
