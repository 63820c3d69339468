/*
 * session - the SMTP command state machine (see session.h). DATA itself is
 * in message.c. Every reply a client can get from here is listed in
 * smtpd(8); each one names its RFC 3463 enhanced code.
 */
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "log.h"
#include "reply.h"
#include "sendermap.h"
#include "session_private.h"
#include "starttls.h"

#define HELO_MAX 255
#define SESSION_LINGER_MS 2000	/* after a timeout's 421: see session_linger() */

int session_ms(unsigned seconds)
{
	return seconds > INT_MAX / 1000 ? INT_MAX : (int)(seconds * 1000);
}

void session_transaction_reset(struct session *s)
{
	size_t i;

	for (i = 0; i < s->nrcpt; i++)
		free(s->rcpt[i]);
	s->nrcpt = 0;
	s->sender[0] = '\0';
	memset(&s->params, 0, sizeof s->params);
	if (s->state != SESSION_GREETED)
		s->state = SESSION_READY;
}

void session_restart(struct session *s)
{
	session_transaction_reset(s);
	s->helo[0] = '\0';
	s->esmtp = 0;
	s->state = SESSION_GREETED;
	s->in.start = s->in.end = 0;
}

/*
 * After a 421 to a client that may still be sending (a slow line, slow
 * data): send FIN, then read and drop its bytes for up to
 * SESSION_LINGER_MS. Closing a TCP socket with unread input sends a reset
 * (RFC 2525 §2.17), which can reach the client before it has read the 421
 * and makes it see "connection reset" instead of the reply and the end.
 * Not a socket (a pipe, a file): nothing to do.
 */
static void session_linger(struct session *s)
{
	char junk[4096];
	size_t n;

	if (shutdown(s->out.fd, SHUT_WR) < 0)
		return;
	buf_set_timeout(&s->in, -1);
	buf_set_deadline(&s->in, clock_ms() + SESSION_LINGER_MS);
	while (inbuf_read(&s->in, junk, sizeof junk, &n) == BUF_OK)
		;
}

int session_tls_active(const struct session *s)
{
	return s->tls.active;
}

int session_timeout(struct session *s)
{
	struct log_field f[] = { { LOG_FIELD_CLIENT_ADDR, s->o->client.addr }, { NULL, NULL } };

	reply_sendf(&s->out, "421 4.4.2 %s Error: timeout exceeded", s->cfg->hostname);
	outbuf_flush(&s->out);
	log_event(LOG_INFO, f, "timeout");
	session_linger(s);
	return -1;
}

/* HELO and EHLO (RFC 5321 §4.1.1.1): a new greeting also resets (§4.1.4). */
static int session_helo(struct session *s, const struct command *c, int esmtp)
{
	size_t i;

	if (c->arglen == 0 || c->arglen > HELO_MAX)
		return reply_sendf(&s->out, "501 5.5.4 Syntax: %s hostname", esmtp ? "EHLO" : "HELO");
	for (i = 0; i < c->arglen; i++)
		if ((unsigned char)c->arg[i] <= ' ' || c->arg[i] == 127)
			return reply_sendf(&s->out, "501 5.5.4 Syntax: %s hostname",
					   esmtp ? "EHLO" : "HELO");
	memcpy(s->helo, c->arg, c->arglen);
	s->helo[c->arglen] = '\0';
	s->esmtp = esmtp;
	s->state = SESSION_READY;
	session_transaction_reset(s);
	if (!esmtp)
		return reply_sendf(&s->out, "250 %s", s->cfg->hostname);
	/* RFC 2034 §3: no enhanced code on EHLO replies */
	if (reply_sendf(&s->out, "250-%s", s->cfg->hostname) < 0 ||
	    reply_send(&s->out, "250-PIPELINING") < 0 ||
	    reply_sendf(&s->out, "250-SIZE %llu", s->cfg->max_message_size) < 0 ||
	    reply_send(&s->out, "250-8BITMIME") < 0 ||
	    (starttls_offered(s) && reply_send(&s->out, "250-STARTTLS") < 0) ||
	    reply_send(&s->out, "250-ENHANCEDSTATUSCODES") < 0)
		return -1;
	/* RFC 4954 §4: offered only where a password cannot be sniffed */
	if (s->o->submission && session_tls_active(s) && !s->auth_user[0] &&
	    reply_send(&s->out, "250-AUTH PLAIN LOGIN") < 0)
		return -1;
	return reply_send(&s->out, "250 SMTPUTF8");
}

/* Replies for a path addr_parse_path() refused. */
static int session_address_error(struct session *s, enum addr_result r, int sender)
{
	const char *enh = sender ? "5.1.7" : "5.1.3";

	if (r == ADDR_UTF8_NOT_ALLOWED)	/* RFC 6531 §3.5 */
		return reply_send(&s->out, "553 5.6.7 Error: non-ASCII address without SMTPUTF8");
	if (r == ADDR_SYNTAX || r == ADDR_BAD_LITERAL)
		return reply_sendf(&s->out, "501 %s Error: bad %s address syntax (%s)", enh,
				   sender ? "sender" : "recipient", addr_result_text(r));
	return reply_sendf(&s->out, "501 %s Error: %s", enh, addr_result_text(r));	/* §4.5.3.1.10 */
}

static int session_mail_params_error(struct session *s, enum param_result r)
{
	if (r == PARAM_UNKNOWN)		/* RFC 5321 §4.1.1.11 */
		return reply_send(&s->out, "555 5.5.4 Error: MAIL parameter not recognized");
	if (r == PARAM_UNSUPPORTED)
		return reply_send(&s->out, "504 5.5.4 Error: BODY=BINARYMIME not supported");
	return reply_send(&s->out, "501 5.5.4 Error: bad MAIL parameter syntax");
}

/* sender-login-map: NULL when the authenticated login owns sender, else
 * the reply (in buf). */
static const char *session_sender_refusal(struct session *s, const char *sender,
					  char *buf, size_t buflen)
{
	char err[512];
	struct log_field f[] = { { LOG_FIELD_CLIENT_ADDR, s->o->client.addr },
				 { LOG_FIELD_AUTH_USER, s->auth_user }, { LOG_FIELD_SENDER, sender },
				 { NULL, NULL } };

	if (!s->auth_user[0] || !s->cfg->sender_login_map[0] || !sender[0])
		return NULL;	/* the null sender is nobody's (bounces) */
	switch (sendermap_check(s->cfg->sender_login_map, sender, s->auth_user, err, sizeof err)) {
	case SENDERMAP_OWNED:
		return NULL;
	case SENDERMAP_NOT_OWNED:
		log_event(LOG_INFO, f, "sender not owned by the login");
		snprintf(buf, buflen, "553 5.7.1 Sender address rejected: not owned by user %s",
			 s->auth_user);
		return buf;
	case SENDERMAP_ERROR:
		break;
	}
	log_msg(LOG_ERR, "sender-login-map: %s", err);
	return "451 4.3.0 Error: server configuration problem";
}

static int session_mail(struct session *s, const struct command *c)
{
	struct mail_params p;
	enum param_result pr;
	enum addr_result r;
	struct addr a;
	char buf[REPLY_MAX + 1];
	const char *path, *refusal;
	size_t len, used;

	if (s->state == SESSION_GREETED)
		return reply_send(&s->out, "503 5.5.1 Error: send HELO or EHLO first");
	if (s->state != SESSION_READY)
		return reply_send(&s->out, "503 5.5.1 Error: nested MAIL command");
	if (s->o->submission && !s->auth_user[0])	/* RFC 4954 §6 */
		return reply_send(&s->out, "530 5.7.0 Authentication required");
	if (command_path_arg(c, "FROM:", &path, &len) < 0)
		return reply_send(&s->out, "501 5.5.4 Syntax: MAIL FROM:<address>");
	/* parsed with UTF-8 allowed to find its end; SMTPUTF8 is checked below */
	r = addr_parse_path(path, len, ADDR_ALLOW_NULL | ADDR_UTF8, &a, &used);
	if (r != ADDR_OK)
		return session_address_error(s, r, 1);
	if (!s->esmtp && used < len && path[used] == ' ')	/* params need EHLO */
		return reply_send(&s->out, "555 5.5.4 Error: MAIL parameters need EHLO");
	if ((pr = command_mail_params(path + used, len - used, &p)) != PARAM_OK)
		return session_mail_params_error(s, pr);
	if (a.utf8 && !p.smtputf8)
		return session_address_error(s, ADDR_UTF8_NOT_ALLOWED, 1);
	if (p.has_size && p.size > s->cfg->max_message_size)	/* RFC 1870 §6.1 */
		return reply_send(&s->out, "552 5.3.4 Error: message size exceeds fixed maximum message size");
	if ((refusal = session_sender_refusal(s, a.text, buf, sizeof buf)))
		return reply_send(&s->out, refusal);
	memcpy(s->sender, a.text, a.len + 1);
	s->params = p;
	s->state = SESSION_MAIL;
	return reply_send(&s->out, "250 2.1.0 Ok");
}

/* RFC 5321 §4.5.1: "<postmaster>" without a domain must be accepted. */
static int path_is_postmaster(const char *path, size_t len)
{
	return len >= 12 && strncasecmp(path, "<postmaster>", 12) == 0 &&
	       (len == 12 || path[12] == ' ');
}

static int session_rcpt_add(struct session *s, const char *text)
{
	char *copy;

	if (s->nrcpt == s->rcpt_cap) {
		size_t cap = s->rcpt_cap ? s->rcpt_cap * 2 : 8;
		char **n = cap < s->rcpt_cap ? NULL : realloc(s->rcpt, cap * sizeof *n);
		if (!n)
			return -1;
		s->rcpt = n;
		s->rcpt_cap = cap;
	}
	if (!(copy = strdup(text)))
		return -1;
	s->rcpt[s->nrcpt++] = copy;
	s->state = SESSION_RCPT;
	return 0;
}

static int session_rcpt_refused(struct session *s, const char *rcpt, const char *reply)
{
	struct log_field f[] = {
		{ LOG_FIELD_CLIENT_ADDR, s->o->client.addr }, { LOG_FIELD_SENDER, s->sender },
		{ LOG_FIELD_RECIPIENT, rcpt }, { LOG_FIELD_REPLY, reply }, { NULL, NULL },
	};

	log_event(LOG_INFO, f, "recipient refused");
	return reply_send(&s->out, reply);
}

/* The addresses the maps make of text, each added once (recipient.h). */
static int session_rcpt_resolve(struct session *s, const char *text)
{
	struct recipient_list l = { NULL, 0, 0 };
	enum recipient_result r = recipient_resolve(&s->maps, s->cfg, text, &l);
	size_t i, j, fresh = 0;
	unsigned char *add = r == RECIPIENT_OK ? calloc(l.n + 1, 1) : NULL;

	if (r == RECIPIENT_OK && !add)
		r = RECIPIENT_NO_MEMORY;
	for (i = 0; r == RECIPIENT_OK && i < l.n; i++) {
		for (j = 0; j < s->nrcpt && strcasecmp(s->rcpt[j], l.a[i]) != 0; j++)
			;
		add[i] = j == s->nrcpt;
		fresh += add[i];
	}
	/* max-recipients bounds the envelope, expanded addresses included */
	if (r == RECIPIENT_OK && fresh > s->cfg->max_recipients - s->nrcpt)
		r = RECIPIENT_TOO_MANY;
	for (i = 0; r == RECIPIENT_OK && i < l.n; i++)
		if (add[i] && session_rcpt_add(s, l.a[i]) < 0)
			r = RECIPIENT_NO_MEMORY;
	free(add);
	recipient_list_free(&l);
	if (r != RECIPIENT_OK)
		return session_rcpt_refused(s, text, recipient_reply(r));
	return reply_send(&s->out, "250 2.1.5 Ok");
}

static int session_rcpt(struct session *s, const struct command *c)
{
	const char *path, *text;
	enum addr_result r;
	struct addr a;
	size_t len, used;

	if (s->state != SESSION_MAIL && s->state != SESSION_RCPT)
		return reply_send(&s->out, "503 5.5.1 Error: need MAIL command");
	if (command_path_arg(c, "TO:", &path, &len) < 0)
		return reply_send(&s->out, "501 5.5.4 Syntax: RCPT TO:<address>");
	if (s->nrcpt >= s->cfg->max_recipients)		/* §4.5.3.1.10 */
		return reply_send(&s->out, "452 4.5.3 Error: too many recipients");
	if (path_is_postmaster(path, len)) {
		used = 12;
		text = s->cfg->postmaster;
	} else {
		r = addr_parse_path(path, len, ADDR_UTF8, &a, &used);
		if (r != ADDR_OK)
			return session_address_error(s, r, 0);
		text = a.text;
	}
	if (used < len && path[used] != ' ')
		return reply_send(&s->out, "501 5.5.4 Error: junk after the address");
	if (used < len && path[used + strspn(path + used, " ")] != '\0')
		return reply_send(&s->out, "555 5.5.4 Error: RCPT parameters not supported");
	if (text != s->cfg->postmaster) {
		if (a.utf8 && !s->params.smtputf8)
			return session_address_error(s, ADDR_UTF8_NOT_ALLOWED, 0);
		if (!s->may_relay && !config_accepts_domain(s->cfg, a.domain))
			return session_rcpt_refused(s, a.text,
						    "550 5.7.1 Error: relay access denied");
	}
	if (recipient_maps_used(s->cfg))
		return session_rcpt_resolve(s, text);
	if (session_rcpt_add(s, text) < 0)
		return reply_send(&s->out, "452 4.3.1 Error: out of memory");
	return reply_send(&s->out, "250 2.1.5 Ok");
}

static int session_data(struct session *s, const struct command *c)
{
	if (s->state == SESSION_MAIL)	/* §3.3: no valid recipients */
		return reply_send(&s->out, "554 5.5.1 Error: no valid recipients");
	if (s->state != SESSION_RCPT)
		return reply_send(&s->out, "503 5.5.1 Error: need MAIL and RCPT commands");
	if (c->arglen)
		return reply_send(&s->out, "501 5.5.4 Syntax: DATA");
	return message_data(s);
}

static int session_command(struct session *s, const struct command *c)
{
	switch (c->verb) {
	case CMD_HELO:
	case CMD_EHLO:
		return session_helo(s, c, c->verb == CMD_EHLO);
	case CMD_MAIL:
		return session_mail(s, c);
	case CMD_RCPT:
		return session_rcpt(s, c);
	case CMD_DATA:
		return session_data(s, c);
	case CMD_RSET:
		if (c->arglen)
			return reply_send(&s->out, "501 5.5.4 Syntax: RSET");
		session_transaction_reset(s);
		return reply_send(&s->out, "250 2.0.0 Ok");
	case CMD_NOOP:
		return reply_send(&s->out, "250 2.0.0 Ok");
	case CMD_QUIT:
		s->state = SESSION_QUIT;
		return reply_sendf(&s->out, "221 2.0.0 %s closing connection", s->cfg->hostname);
	case CMD_VRFY:	/* mailboxes are never disclosed (RFC 5321 §3.5.3, §7.3) */
		if (!c->arglen)
			return reply_send(&s->out, "501 5.5.4 Syntax: VRFY address");
		return reply_send(&s->out, "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery");
	case CMD_EXPN:	/* lists are never expanded */
		return reply_send(&s->out, "502 5.5.1 Error: EXPN not available");
	case CMD_AUTH:
		return auth_command(s, c);
	case CMD_HELP:
		return reply_send(&s->out, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
	case CMD_STARTTLS:
		return starttls_command(s, c);
	case CMD_NOT_IMPLEMENTED:
		return reply_send(&s->out, "502 5.5.1 Error: command not implemented");
	case CMD_UNKNOWN:
		break;
	}
	return reply_send(&s->out, "500 5.5.2 Error: command not recognized");
}

/* Send what is queued unless another whole command is already buffered (RFC 2920 §3.1). */
static int session_flush_if_idle(struct session *s)
{
	size_t pending = inbuf_pending(&s->in);

	if (pending && memchr(s->in.mem + s->in.start, '\n', pending))
		return 0;
	return outbuf_flush(&s->out);
}

/*
 * The whole next command line is due within command-timeout of the start of
 * its wait (RFC 5321 §4.5.3.2.7), not each read: a client that sends a byte
 * now and then cannot hold the connection past it.
 */
void session_line_deadline(struct session *s)
{
	long long end = clock_ms() + session_ms(s->cfg->command_timeout);

	buf_set_timeout(&s->in, -1);	/* the deadline bounds each wait */
	buf_set_deadline(&s->in, end < s->deadline ? end : s->deadline);
}

/* §4.5.3.1.4: 512 octets with CRLF; RFC 4954 §4: more for AUTH's response. */
static int session_line_too_long(const char *line, size_t len)
{
	return len > 512 && !(len > 5 && strncasecmp(line, "AUTH ", 5) == 0);
}

/* One command line; -1 ends the session. */
static int session_step(struct session *s)
{
	static char line[SASL_LINE_MAX + 1];	/* may hold a password: wiped below */
	struct command c;
	size_t len;
	int r;

	if (session_flush_if_idle(s) < 0)
		return -1;
	session_line_deadline(s);
	switch (inbuf_getline(&s->in, line, SASL_LINE_MAX, &len)) {
	case BUF_OK:
		break;
	case BUF_TOOLONG:
		explicit_bzero(line, sizeof line);
		return reply_send(&s->out, "500 5.5.2 Error: line too long");
	case BUF_TIMEOUT:
		return session_timeout(s);
	case BUF_EOF:
		s->eof = 1;
		return -1;
	case BUF_ERROR:
		return -1;
	}
	if (session_line_too_long(line, len)) {
		explicit_bzero(line, len);
		return reply_send(&s->out, "500 5.5.2 Error: line too long");
	}
	/* a bare LF never ends a command (smtpd(8), SMTP smuggling) */
	if (len < 2 || line[len - 2] != '\r' || line[len - 1] != '\n')
		return reply_send(&s->out, "500 5.5.2 Error: command line not ended by CRLF");
	len -= 2;
	if (memchr(line, '\0', len) || memchr(line, '\r', len))
		return reply_send(&s->out, "500 5.5.2 Error: NUL or CR in command line");
	line[len] = '\0';
	command_parse(line, len, &c);
	r = session_command(s, &c);
	if (c.verb == CMD_AUTH)
		explicit_bzero(line, len);
	return r;
}

static void session_log_connect(const struct session *s)
{
	struct log_field f[] = {
		{ LOG_FIELD_CLIENT_ADDR, s->o->client.addr },
		{ LOG_FIELD_CLIENT_PORT, s->o->client.port },
		{ LOG_FIELD_CLIENT_HOST, s->o->client.host }, { NULL, NULL }, { NULL, NULL },
		{ NULL, NULL },
	};

	if (s->tls.active) {	/* implicit TLS (RFC 8314) */
		f[3] = (struct log_field){ LOG_FIELD_TLS_PROTOCOL, s->tls.protocol };
		f[4] = (struct log_field){ LOG_FIELD_TLS_CIPHER, s->tls.cipher };
	}

	log_event(LOG_INFO, f, "connect");
}

int session_run(const struct session_options *o, int in, int out)
{
	struct session *s = calloc(1, sizeof *s);
	int r = 0, flags;

	if (!s)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);	/* waitpid() needs it */
	if ((flags = fcntl(out, F_GETFL)) >= 0)
		fcntl(out, F_SETFL, flags | O_NONBLOCK);
	s->o = o;
	s->cfg = o->cfg;
	s->state = SESSION_GREETED;
	s->tls = o->tls;
	s->tlsd_pid = -1;
	s->tlsd_control = -1;
	queue_client_init(&s->queue);
	s->queue_session = queue_client_speaks_session(o->injector);
	s->may_relay = o->relay_client ||
		       (o->client.known && config_client_in_relay_nets(o->cfg, o->client.addr));
	inbuf_init(&s->in, in, s->inmem, sizeof s->inmem);
	outbuf_init(&s->out, out, s->outmem, sizeof s->outmem);
	s->out.timeout_ms = session_ms(o->cfg->command_timeout);
	s->deadline = clock_ms() + 1000LL * o->cfg->session_timeout;
	buf_set_deadline(&s->in, s->deadline);
	outbuf_set_deadline(&s->out, s->deadline);
	session_log_connect(s);
	if (reply_sendf(&s->out, "220 %s ESMTP tern", o->cfg->hostname) < 0)
		r = -1;
	while (r == 0 && s->state != SESSION_QUIT)
		r = session_step(s);
	if (r == 0 && outbuf_flush(&s->out) < 0)
		r = -1;
	starttls_finish(s);
	queue_client_end(&s->queue, session_ms(o->cfg->data_timeout));
	session_transaction_reset(s);
	recipient_maps_close(&s->maps);
	free(s->rcpt);
	r = r < 0 && s->state != SESSION_QUIT && !s->eof;
	free(s);
	return r;
}
