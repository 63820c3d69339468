/*
 * smtp_secure - STARTTLS (RFC 3207) and AUTH (RFC 4954) on an open SMTP
 * connection, after the first EHLO (see smtp_client.h, smtp_secure()).
 *
 * A policy that cannot be met ends the connection with a 4xx, never a
 * fallback to plaintext: 451 4.7.4 when TLS is required and the server
 * offers or grants no STARTTLS (RFC 3463 X.7.4 "security features not
 * supported"), 451 4.7.5 when the handshake or the verification the
 * policy asks for fails (X.7.5 "cryptographic failure"; RFC 7672 §2.2
 * defers on a failed DANE authentication). Only TLS_MAY goes on without
 * TLS, and only when the server offers no STARTTLS or refuses it, or (by
 * a new connection, smtp_open_secure()) when the handshake fails.
 * AUTH is sent only inside TLS, never in plaintext; a refusal (535) is a
 * 4xx for the recipients: a wrong password is the administrator's to fix,
 * and the mail waits in the queue meanwhile (relay(8)).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "relay/smtp_client.h"

static int smtp_tls_level_met(const struct smtp_conn *s, enum tls_policy level)
{
	enum tls_verified v = tls_verified(s->tls);

	if (level == TLS_VERIFY)
		return v == TLS_V_TRUSTED || v == TLS_V_DANE;
	if (level == TLS_DANE || level == TLS_DANE_ONLY)
		return v == TLS_V_DANE;
	return 1;
}

/* STARTTLS and the handshake: 0 (TLS on, or TLS_MAY without it), -1, 1 (retry plain). */
static int smtp_starttls(struct smtp_conn *s, const struct smtp_security *sec, struct reply *why)
{
	char err[512];
	struct reply r;
	int st;

	if (!(s->ext & SMTP_EXT_STARTTLS)) {
		if (sec->level == TLS_MAY)
			return 0;
		smtp_why_local(why, "4.7.4", s->host, "TLS is required, but STARTTLS is not offered", 0);
		return -1;
	}
	st = smtp_command(s, "STARTTLS\r\n", s->to.helo, &r, NULL, NULL);
	if (st != REPLY_OK) {
		smtp_why_local(why, "4.4.2", s->host, smtp_status_text(st), st == REPLY_ERROR ? errno : 0);
		return -1;
	}
	if (r.code != 220) {
		if (sec->level == TLS_MAY && r.code / 100 != 2)
			return 0;	/* RFC 3207 §4: the session goes on without TLS */
		smtp_why_reply(why, &r, s->host, "STARTTLS", "4.7.4");
		return -1;
	}
	/* bytes after the 220 were sent before TLS: never take them as TLS data */
	if (inbuf_pending(&s->in)) {
		smtp_why_local(why, "4.7.5", s->host, "plaintext after the STARTTLS reply", 0);
		return -1;
	}
	s->tls = tls_connect(s->fd, s->host, sec->tlsa, sec->level == TLS_DANE ? sec->ntlsa : 0,
			     sec->ca_file, clock_ms() + s->to.helo, err, sizeof err);
	if (!s->tls) {
		if (sec->level == TLS_MAY)
			return 1;
		smtp_why_local(why, "4.7.5", s->host, err, 0);
		return -1;
	}
	inbuf_set_io(&s->in, &tls_buf_io, s->tls);
	outbuf_set_io(&s->out, &tls_buf_io, s->tls);
	tls_describe(s->tls, s->tls_info, sizeof s->tls_info);
	if (!smtp_tls_level_met(s, sec->level)) {
		snprintf(err, sizeof err, "TLS certificate verification failed (%s): %s",
			 sec->level == TLS_VERIFY ? "verify" : "dane", tls_verify_error(s->tls));
		smtp_why_local(why, "4.7.5", s->host, err, 0);
		return -1;
	}
	return 0;
}

/* base64 of p[0..n) into out (NUL-terminated); -1 if it does not fit. */
static int b64(char *out, size_t outlen, const void *p, size_t n)
{
	if (n > 3000 || (n + 2) / 3 * 4 + 1 > outlen)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return 0;
}

/* One AUTH step: send line, read the reply; REPLY_* status. */
static int auth_step(struct smtp_conn *s, const char *line, struct reply *r)
{
	return smtp_command(s, line, s->to.helo, r, NULL, NULL);
}

/* RFC 4954 §4 with PLAIN (RFC 4616) or LOGIN; 0 or -1 with why set. */
static int smtp_auth(struct smtp_conn *s, const char *user, const char *password,
		     struct reply *why)
{
	char raw[1100], line[1600];
	size_t ul = strlen(user), pl = strlen(password);
	struct reply r;
	int st = REPLY_ERROR, plain = (s->ext & SMTP_EXT_AUTH_PLAIN) != 0;

	if (!s->tls) {	/* never a password in plaintext */
		smtp_why_local(why, "4.7.10", s->host, "AUTH without TLS refused", 0);
		return -1;
	}
	if (!(s->ext & (SMTP_EXT_AUTH_PLAIN | SMTP_EXT_AUTH_LOGIN))) {
		smtp_why_local(why, "4.7.4", s->host, "AUTH PLAIN or LOGIN is not offered", 0);
		return -1;
	}
	if (ul > 512 || pl > 512) {
		smtp_why_local(why, "4.3.5", s->host, "AUTH credentials too long", 0);
		return -1;
	}
	if (plain) {	/* RFC 4616 §2: authzid NUL authcid NUL passwd, authzid empty */
		raw[0] = '\0';
		memcpy(raw + 1, user, ul + 1);
		memcpy(raw + 2 + ul, password, pl);
		memcpy(line, "AUTH PLAIN ", 11);
		b64(line + 11, sizeof line - 13, raw, ul + pl + 2);
		strcat(line, "\r\n");
		st = auth_step(s, line, &r);
	} else if ((st = auth_step(s, "AUTH LOGIN\r\n", &r)) == REPLY_OK && r.code == 334) {
		b64(line, sizeof line - 2, user, ul);
		strcat(line, "\r\n");
		if ((st = auth_step(s, line, &r)) == REPLY_OK && r.code == 334) {
			b64(line, sizeof line - 2, password, pl);
			strcat(line, "\r\n");
			st = auth_step(s, line, &r);
		}
	}
	OPENSSL_cleanse(raw, sizeof raw);
	OPENSSL_cleanse(line, sizeof line);
	if (st != REPLY_OK) {
		smtp_why_local(why, "4.4.2", s->host, smtp_status_text(st), st == REPLY_ERROR ? errno : 0);
		return -1;
	}
	if (r.code != 235) {
		smtp_why_reply(why, &r, s->host, "AUTH", "4.7.8");
		return -1;
	}
	return 0;
}

int smtp_secure(struct smtp_conn *s, const char *helo, const struct smtp_security *sec,
		struct reply *why)
{
	int r = 0;

	if (sec->level != TLS_NONE)
		r = smtp_starttls(s, sec, why);
	if (r != 0)
		return r;
	/* RFC 3207 §4.2: forget what the server said before TLS, ask again */
	if (s->tls && smtp_ehlo(s, helo, why) < 0)
		return -1;
	if (sec->user && smtp_auth(s, sec->user, sec->password, why) < 0)
		return -1;
	return 0;
}
