/*
 * inject_message - the message inject is writing, in either protocol
 * (inject_private.h): its queue file and buffer, its attributes, the
 * commit point and the "queued" log line; and the exit that removes
 * whatever was half-written.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "log.h"
#include "queue/inject_private.h"
#include "queue/queue.h"
#include "queue_client.h"
#include "queue_frame.h"

/*
 * Beyond max-message-size, room for the header lines added before inject
 * sees the message: smtpd's Received:, sendmail's Date:, Message-ID:,
 * From:, a qmail-queue filter's verdict. smtpd and sendmail enforce
 * max-message-size on the message itself.
 */
#define HEADER_ROOM (64u << 10)

struct inject_setup inject_setup;
struct queue inject_queue = { -1, -1, -1, -1, -1, "", "" };
static struct queue_file qfile = { -1, "", 0, QUEUE_ORIGIN_UNKNOWN };

/*
 * The message's bytes on their way to the file, in whole buffers: each
 * write but the last is a full one, so the writes a message costs depend
 * on its size alone, never on how the pipe happened to bring it in.
 */
static char wbuf[65536];
static size_t wlen;
static unsigned long long total;	/* bytes of the message so far */

/* The message's attributes: NAME=value, from the environment or ATTR frames. */
static struct {
	char *v[QUEUE_CLIENT_ATTRS];
	size_t n;
} attrs;

static void inject_cleanup(void)
{
	if (inject_queue.tmpfd >= 0 && (qfile.fd >= 0 || qfile.tmpname[0]))
		queue_file_abort(&inject_queue, &qfile);
}

void inject_fail(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	inject_cleanup();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(LOG_ERR, "%s (exit %d)", msg, code);
	exit(code);
}

/* the time limit passed; nothing half-written may stay visible (an unnamed
 * O_TMPFILE file goes with the process) */
void inject_on_alarm(int sig)
{
	(void)sig;
	if (inject_queue.tmpfd >= 0 && qfile.tmpname[0])
		unlinkat(inject_queue.tmpfd, qfile.tmpname, 0);
	_exit(EXIT_TIMEOUT);
}

/*
 * commit_alarm: how = SIG_BLOCK: no time-limit exit (52) from here on: once
 * the file has its name in mess/ a 52 would be a false failure (the client
 * retries: a duplicate). A commit that hangs is bounded by the caller
 * (smtpd kills its injector at its data timeout). SIG_UNBLOCK: the next
 * message of a session (-S) is bounded again.
 */
static void commit_alarm(int how)
{
	sigset_t alrm;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(how, &alrm, NULL);
}

/* write_exit: the exit code for a failed write to the queue. */
static int write_exit(int e)
{
	return e == ENOMEM ? EXIT_NOMEM : EXIT_WRITE;
}

void inject_message_new(void)
{
	wlen = 0;
	total = 0;
	if (queue_file_create(&inject_queue, &qfile) < 0)
		inject_fail(errno == ENOSPC || errno == EDQUOT || errno == EIO ? EXIT_WRITE
									: EXIT_QUEUE,
			    "%s", inject_queue.err);
}

static void buffer_flush(void)
{
	if (wlen > 0 && queue_file_write(&qfile, wbuf, wlen) < 0)
		inject_fail(write_exit(errno), "write %s/%s%s: %s", inject_queue.path,
			    qfile.tmpname[0] ? "tmp/" : "mess/",
			    qfile.tmpname[0] ? qfile.tmpname : "(unnamed new file)",
			    strerror(errno));
	wlen = 0;
}

char *inject_message_space(size_t *room)
{
	*room = sizeof wbuf - wlen;
	return wbuf + wlen;
}

/* message_too_big: exit 31 without reading on; nothing is queued. */
static void message_too_big(void)
{
	char text[24];

	config_size_text(inject_setup.size_max, text);
	inject_fail(EXIT_REFUSED, "message exceeds max-message-size %s (with %u bytes "
		    "for added header lines)", text, HEADER_ROOM);
}

void inject_message_wrote(size_t n)
{
	wlen += n;
	total += n;	/* < 2^64: bounded by size_max */
	if (total > inject_setup.size_max + HEADER_ROOM)
		message_too_big();
	if (wlen == sizeof wbuf)
		buffer_flush();
}

void inject_message_abort(void)
{
	size_t i;

	inject_cleanup();
	wlen = 0;
	for (i = 0; i < attrs.n; i++)
		free(attrs.v[i]);
	attrs.n = 0;
}

void inject_attr_add(const char *a, size_t len)
{
	char *v;

	if (!queue_client_attr_valid(a, len) || attrs.n >= QUEUE_CLIENT_ATTRS)
		inject_fail(EXIT_FORMAT, "invalid attribute, or more than %u",
			    QUEUE_CLIENT_ATTRS);
	if (!(v = malloc(len + 1)))
		inject_fail(EXIT_NOMEM, "attribute: out of memory");
	memcpy(v, a, len);
	v[len] = '\0';
	attrs.v[attrs.n++] = v;
}

void inject_attrs_from_env(char **env)
{
	size_t i, n;

	for (i = 0; env && env[i] && attrs.n < QUEUE_CLIENT_ATTRS; i++) {
		n = strlen(env[i]);
		if (strncmp(env[i], "TERN_", 5) == 0 && strncmp(env[i], "TERN_CONFDIR=", 13) != 0 &&
		    queue_client_attr_valid(env[i], n))
			inject_attr_add(env[i], n);
	}
}

/* attr_get: the value of the trusted attribute name, or NULL. */
static const char *attr_get(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; inject_setup.trusted && i < attrs.n; i++)
		if (strncmp(attrs.v[i], name, n) == 0 && attrs.v[i][n] == '=')
			return attrs.v[i] + n + 1;
	return NULL;
}

/*
 * origin_decide: the "o" record (queue(5)) from smtpd's TERN_CLIENT_AUTH
 * (the login: submission), _RELAY (1: relay-net or RELAYCLIENT: relay),
 * _IP and _HELO (any of them: smtp). attr_get() gives them only from a
 * trusted caller: setuid, smtpd-user, whose messages are never local
 * (without a claim: smtp); not setuid (a private instance), the claim,
 * else local. Any other caller of a setuid inject is local.
 */
static enum message_origin origin_decide(void)
{
	const char *auth = attr_get("TERN_CLIENT_AUTH"), *relay = attr_get("TERN_CLIENT_RELAY");
	enum message_origin claim = QUEUE_ORIGIN_UNKNOWN;

	if (auth && auth[0])
		claim = QUEUE_ORIGIN_SUBMISSION;
	else if (relay && strcmp(relay, "1") == 0)
		claim = QUEUE_ORIGIN_RELAY;
	else if (auth || relay || attr_get("TERN_CLIENT_IP") || attr_get("TERN_CLIENT_HELO"))
		claim = QUEUE_ORIGIN_SMTP;
	if (!inject_setup.trusted)
		return QUEUE_ORIGIN_LOCAL;
	if (claim != QUEUE_ORIGIN_UNKNOWN)
		return claim;
	return inject_setup.setuid ? QUEUE_ORIGIN_SMTP : QUEUE_ORIGIN_LOCAL;
}

static void envelope_check(const char *p, size_t len, struct envelope *e)
{
	switch (envelope_decode(p, len, e)) {
	case ENVELOPE_OK:
		if (e->nrcpt > inject_setup.rcpt_max)	/* as smtpd's 452 4.5.3 */
			inject_fail(EXIT_REFUSED, "%zu recipients, more than max-recipients %u",
				    e->nrcpt, inject_setup.rcpt_max);
		return;
	case ENVELOPE_ADDRESS_TOO_LONG:
		inject_fail(EXIT_ADDRESS_TOO_LONG, "envelope address too long");
	case ENVELOPE_NOMEM:
		inject_fail(EXIT_NOMEM, "decode envelope: out of memory");
	case ENVELOPE_BAD_ADDRESS:
		inject_fail(EXIT_FORMAT, "envelope holds an invalid address");
	case ENVELOPE_FORMAT:
	default:
		inject_fail(EXIT_FORMAT, "envelope format error");
	}
}

/*
 * message_commit: the commit point. smtpd's id (rid: TERN_RECEIVED_ID, when
 * valid and trusted) names the message, so the id of smtpd's 250 reply is
 * the queue id everywhere after; a message of that id already there fails
 * temporarily (61), never under another name. Else the queue makes an id.
 */
static void message_commit(const struct envelope *e, const char *rid, char id[QUEUE_ID_MAX])
{
	int r;

	if (rid[0] && queue_id_valid(rid)) {
		snprintf(id, QUEUE_ID_MAX, "%s", rid);
		r = queue_file_commit_named(&inject_queue, &qfile, e, rid);
	} else {
		r = queue_file_commit(&inject_queue, &qfile, e, rid, id);
	}
	if (r < 0 && errno == EEXIST)
		inject_fail(EXIT_QUEUE, "%s (queue id %s is taken)", inject_queue.err, id);
	if (r < 0)
		inject_fail(write_exit(errno), "%s", inject_queue.err);
}

static void queued_log(const char *id, const char *rid, const struct envelope *e,
		       unsigned long long len)
{
	char nrcpt[24], size[24], uid[24];
	struct log_field f[] = {
		{ LOG_FIELD_QUEUE_ID, id },
		{ LOG_FIELD_RECEIVED_ID, rid[0] ? rid : "-" },
		{ LOG_FIELD_UID, uid },
		{ LOG_FIELD_USER, inject_setup.caller_name[0] ? inject_setup.caller_name : "-" },
		{ LOG_FIELD_SENDER, e->sender[0] ? e->sender : "<>" },
		{ LOG_FIELD_NRCPT, nrcpt },
		{ LOG_FIELD_SIZE, size },
		{ NULL, NULL },
	};

	snprintf(uid, sizeof uid, "%u", inject_setup.caller_uid);
	snprintf(nrcpt, sizeof nrcpt, "%zu", e->nrcpt);
	snprintf(size, sizeof size, "%llu", len);
	log_event(LOG_INFO, f, "queued");
}

/* session_reply: the REPLY frame for a committed message on fd 1 (-S). */
static void session_reply(const char *id)
{
	char out[QUEUE_FRAME_HEADER_LEN + QUEUE_FRAME_REPLY_MAX];
	size_t n = queue_frame_reply_encode(out + QUEUE_FRAME_HEADER_LEN,
					    sizeof out - QUEUE_FRAME_HEADER_LEN, 0, id, "queued");
	struct outbuf ob;

	queue_frame_header((unsigned char *)out, QUEUE_FRAME_REPLY, n);
	outbuf_init(&ob, 1, out, sizeof out);
	ob.len = QUEUE_FRAME_HEADER_LEN + n;
	ob.notsock = 1;	/* a pipe; non-blocking: each wait at most 5 minutes */
	if (n == 0 || outbuf_flush(&ob) < 0)
		inject_fail(EXIT_READ, "write reply for %s: %s", id,
			    n == 0 ? "bad id" : strerror(errno));
}

void inject_message_commit(const char *env, size_t len)
{
	const char *r = attr_get("TERN_RECEIVED_ID");
	char id[QUEUE_ID_MAX], rid[33] = "";
	struct envelope e;
	unsigned long long msglen;

	if (r && queue_received_id_valid(r))
		snprintf(rid, sizeof rid, "%s", r);
	envelope_check(env, len, &e);
	buffer_flush();
	queue_file_set_origin(&qfile, origin_decide());
	msglen = qfile.len;
	commit_alarm(SIG_BLOCK);
	message_commit(&e, rid, id);
	if (inject_setup.session)
		session_reply(id);	/* before the log line: smtpd waits for it */
	queued_log(id, rid, &e, msglen);
	envelope_free(&e);
	if (inject_setup.session) {
		inject_message_abort();	/* forget the attributes; the file is committed */
		commit_alarm(SIG_UNBLOCK);
	}
}
