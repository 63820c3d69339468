/*
 * auth - the AUTH command of a submission session (RFC 4954): the
 * exchange with the client, the password checker, the delay and the limit
 * on failures (see session_private.h; the replies are listed in smtpd(8)).
 * A password is held only in a struct sasl_credentials on this stack and
 * in the response line, both wiped before the reply, and is never logged.
 */
#include <string.h>
#include <time.h>

#include "authcheck.h"
#include "log.h"
#include "reply.h"
#include "sasl.h"
#include "session_private.h"

/* RFC 4954 §4: LOGIN's prompts, "Username:" and "Password:" in base64 */
#define LOGIN_USER_PROMPT "334 VXNlcm5hbWU6"
#define LOGIN_PASSWORD_PROMPT "334 UGFzc3dvcmQ6"

enum auth_read { AUTH_READ_OK, AUTH_READ_REPLIED, AUTH_READ_END };

/*
 * Send a 334 challenge and read the client's response line into line
 * (SASL_LINE_MAX + 1 bytes, NUL-terminated, CRLF removed), due within
 * command-timeout and the session's deadline.
 */
static enum auth_read auth_read_response(struct session *s, const char *challenge,
					 char *line, size_t *len)
{
	if (reply_send(&s->out, challenge) < 0 || outbuf_flush(&s->out) < 0)
		return AUTH_READ_END;
	session_line_deadline(s);
	switch (inbuf_getline(&s->in, line, SASL_LINE_MAX, len)) {
	case BUF_OK:
		break;
	case BUF_TOOLONG:	/* RFC 4954 §4 */
		explicit_bzero(line, SASL_LINE_MAX);
		return reply_send(&s->out, "500 5.5.6 Authentication Exchange line is too long") < 0
			? AUTH_READ_END : AUTH_READ_REPLIED;
	case BUF_TIMEOUT:
		session_timeout(s);
		return AUTH_READ_END;
	case BUF_EOF:
		s->eof = 1;
		return AUTH_READ_END;
	case BUF_ERROR:
		return AUTH_READ_END;
	}
	if (*len < 2 || line[*len - 2] != '\r' || line[*len - 1] != '\n') {
		explicit_bzero(line, *len);
		return reply_send(&s->out, "501 5.5.2 Error: response not ended by CRLF") < 0
			? AUTH_READ_END : AUTH_READ_REPLIED;
	}
	*len -= 2;
	line[*len] = '\0';
	return AUTH_READ_OK;
}

/* The reply to a response sasl.h refused (not a credentials failure). */
static int auth_decode_error(struct session *s, enum sasl_result r)
{
	if (r == SASL_CANCEL)	/* RFC 4954 §4 */
		return reply_send(&s->out, "501 5.0.0 Authentication cancelled");
	if (r == SASL_TOO_LONG)
		return reply_send(&s->out, "501 5.5.2 Error: authentication response too long");
	return reply_send(&s->out, "501 5.5.2 Error: cannot decode the response (base64)");
}

static void auth_log(const struct session *s, const char *user, const char *mech,
		     const char *what)
{
	struct log_field f[] = {
		{ LOG_FIELD_CLIENT_ADDR, s->o->client.addr }, { LOG_FIELD_AUTH_USER, user },
		{ LOG_FIELD_AUTH_MECH, mech }, { NULL, NULL },
	};

	log_event(LOG_INFO, f, "%s", what);
}

/* RFC 4954 §6: 535 5.7.8 after a delay; at the limit, 421 and the end. */
static int auth_failed(struct session *s, const char *user, const char *mech)
{
	struct timespec delay = { (time_t)s->cfg->auth_failure_delay, 0 };

	s->auth_failures++;
	auth_log(s, user, mech, "authentication failed");
	while (delay.tv_sec && nanosleep(&delay, &delay) < 0)
		;
	if (reply_send(&s->out, "535 5.7.8 Authentication credentials invalid") < 0)
		return -1;
	if (s->auth_failures < s->cfg->auth_failure_limit)
		return 0;
	log_event(LOG_INFO, (struct log_field[]){ { LOG_FIELD_CLIENT_ADDR, s->o->client.addr },
						  { NULL, NULL } },
		  "too many failed authentications");
	s->state = SESSION_QUIT;	/* RFC 5321 §3.8: 421, then close */
	return reply_sendf(&s->out, "421 4.7.0 %s Error: too many failed authentications",
			   s->cfg->hostname);
}

/* Ask auth-program; the credentials are wiped whatever it says. */
static int auth_verify(struct session *s, struct sasl_credentials *cr, const char *mech)
{
	enum authcheck_result r = AUTHCHECK_BAD;
	char user[SASL_USER_MAX + 1];

	memcpy(user, cr->user, sizeof user);
	if (sasl_login_valid(cr->user))	/* else it is never asked about */
		r = authcheck_run(s->cfg->auth_program, cr->user, cr->password, s->o->confdir,
				  session_ms(s->cfg->auth_timeout));
	sasl_credentials_clear(cr);
	if (r == AUTHCHECK_BAD)
		return auth_failed(s, user, mech);
	if (r == AUTHCHECK_TEMPORARY)
		return reply_send(&s->out, "454 4.7.0 Temporary authentication failure");
	memcpy(s->auth_user, user, sizeof s->auth_user);
	s->may_relay = 1;	/* RFC 4954 §6: an authenticated client may relay */
	auth_log(s, user, mech, "authenticated");
	return reply_send(&s->out, "235 2.7.0 Authentication successful");
}

/* PLAIN (RFC 4616): one response, the initial one or after "334 ". */
static int auth_plain(struct session *s, const char *initial, size_t ilen, char *line)
{
	struct sasl_credentials cr;
	enum sasl_result r;
	size_t len = ilen;

	if (!initial) {
		switch (auth_read_response(s, "334 ", line, &len)) {
		case AUTH_READ_OK: break;
		case AUTH_READ_REPLIED: return 0;
		case AUTH_READ_END: return -1;
		}
		initial = line;
	}
	r = sasl_plain_decode(initial, len, &cr);
	explicit_bzero(line, SASL_LINE_MAX + 1);
	if (r == SASL_BAD_CREDENTIALS)	/* cr holds nothing then */
		return auth_failed(s, "", "PLAIN");
	if (r != SASL_OK)
		return auth_decode_error(s, r);
	return auth_verify(s, &cr, "PLAIN");
}

/* One LOGIN field: the initial response or an answer to prompt. */
static int auth_login_field(struct session *s, const char *prompt, const char *initial,
			    size_t ilen, char *line, char *out, size_t outmax)
{
	enum sasl_result r;
	size_t len = ilen;

	if (!initial) {
		switch (auth_read_response(s, prompt, line, &len)) {
		case AUTH_READ_OK: break;
		case AUTH_READ_REPLIED: return 1;
		case AUTH_READ_END: return -1;
		}
		initial = line;
	}
	r = sasl_login_field(initial, len, out, outmax);
	explicit_bzero(line, SASL_LINE_MAX + 1);
	if (r == SASL_BAD_CREDENTIALS)
		return 2;
	if (r != SASL_OK)
		return auth_decode_error(s, r) < 0 ? -1 : 1;
	return 0;
}

/* LOGIN: the user name (maybe the initial response), then the password. */
static int auth_login(struct session *s, const char *initial, size_t ilen, char *line)
{
	struct sasl_credentials cr;
	char user[SASL_USER_MAX + 1];
	int r;

	memset(&cr, 0, sizeof cr);
	r = auth_login_field(s, LOGIN_USER_PROMPT, initial, ilen, line, cr.user, sizeof cr.user);
	if (r == 0)
		r = auth_login_field(s, LOGIN_PASSWORD_PROMPT, NULL, 0, line, cr.password,
				     sizeof cr.password);
	if (r == 0)
		return auth_verify(s, &cr, "LOGIN");
	memcpy(user, cr.user, sizeof user);	/* "" when the name was refused */
	sasl_credentials_clear(&cr);
	if (r == 2)	/* an empty or oversized name or password */
		return auth_failed(s, user, "LOGIN");
	return r < 0 ? -1 : 0;
}

/* The checks before any exchange (RFC 4954 §4, §6). */
static const char *auth_refusal(const struct session *s)
{
	if (!s->o->submission)	/* AUTH is offered only by smtpd -s */
		return "502 5.5.1 Error: command not implemented";
	if (s->state == SESSION_GREETED || !s->esmtp)
		return "503 5.5.1 Error: send EHLO first";
	/* a transaction needs AUTH first in submission, so this also covers
	 * RFC 4954 §4's "AUTH during a mail transaction" */
	if (s->auth_user[0])
		return "503 5.5.1 Error: already authenticated";
	if (!session_tls_active(s))	/* never a password in the clear */
		return "538 5.7.11 Encryption required for requested authentication mechanism";
	return NULL;
}

int auth_command(struct session *s, const struct command *c)
{
	static char line[SASL_LINE_MAX + 1];	/* the response lines: not on the stack */
	const char *refusal = auth_refusal(s), *initial = NULL;
	size_t mlen = strcspn(c->arg, " "), ilen = 0;
	enum sasl_mech mech;

	if (refusal)
		return reply_send(&s->out, refusal);
	if (mlen == 0)
		return reply_send(&s->out, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
	if (mlen < c->arglen) {
		initial = c->arg + mlen + 1;
		ilen = c->arglen - mlen - 1;
		if (ilen == 0 || memchr(initial, ' ', ilen))
			return reply_send(&s->out, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
	}
	mech = sasl_mech_parse(c->arg, mlen);
	if (mech == SASL_PLAIN)
		return auth_plain(s, initial, ilen, line);
	if (mech == SASL_LOGIN)
		return auth_login(s, initial, ilen, line);
	return reply_send(&s->out, "504 5.5.4 Error: unrecognized authentication mechanism");
}
