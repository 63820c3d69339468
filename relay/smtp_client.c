/*
 * smtp_client - connecting, greeting and EHLO/LHLO (see smtp_client.h);
 * the transaction itself is in smtp_tx.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay/smtp_client.h"

static int ms_of(unsigned seconds, unsigned num, unsigned den)
{
	unsigned long long ms = (unsigned long long)seconds * 1000 * num / den;

	if (ms < 1000)
		ms = 1000;
	if (ms > 86400000ULL)
		ms = 86400000ULL;
	return (int)ms;
}

void smtp_timeouts_init(struct smtp_timeouts *t, const struct config *c)
{
	unsigned cmd = c->command_timeout ? c->command_timeout : 300;
	unsigned data = c->data_timeout ? c->data_timeout : 180;

	t->greeting = t->helo = t->mail = t->rcpt = ms_of(cmd, 1, 1);
	t->data = ms_of(cmd, 2, 5);	/* RFC 5321 §4.5.3.2.3: 2 of 5 minutes */
	t->dot = ms_of(cmd, 2, 1);	/* §4.5.3.2.6: 10 minutes */
	t->block = ms_of(data, 1, 1);	/* §4.5.3.2.5: 3 minutes */
	t->connect = t->greeting < SMTP_CONNECT_MAX_MS ? t->greeting : SMTP_CONNECT_MAX_MS;
}

/* A reply made here for a failure of the connection itself. */
void smtp_why_local(struct reply *why, const char *enh, const char *host,
		      const char *what, int err)
{
	char text[REPLY_TEXT_MAX + DNS_NAME_MAX];

	if (err)
		snprintf(text, sizeof text, "%s: %s: %s", host, what, strerror(err));
	else
		snprintf(text, sizeof text, "%s: %s", host, what);
	reply_set(why, 451, enh, text);
}

void smtp_close(struct smtp_conn *s)
{
	inbuf_set_io(&s->in, NULL, NULL);
	outbuf_set_io(&s->out, NULL, NULL);
	tls_free(s->tls);
	s->tls = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->broken = 1;
}

static int connect_wait(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	long long end = clock_ms() + timeout_ms;
	int r, err = 0;
	socklen_t len = sizeof err;

	for (;;) {
		long long left = end - clock_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)left);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -1;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static int smtp_connect(struct smtp_conn *s, const struct mx_target *t, struct reply *why)
{
	int one = 1;
	int fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		smtp_why_local(why, "4.4.1", t->host, "socket", errno);
		return -1;
	}
	if (t->ss.ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)&t->ss, t->sslen) < 0
	    && (errno != EINPROGRESS || connect_wait(fd, s->to.connect) < 0)) {
		smtp_why_local(why, "4.4.1", t->host, "connect", errno);
		close(fd);
		return -1;
	}
	s->fd = fd;
	inbuf_init(&s->in, fd, s->inmem, sizeof s->inmem);
	outbuf_init(&s->out, fd, s->outmem, sizeof s->outmem);
	return 0;
}

/* RFC 4954 §3: "AUTH" SP mechanism *(SP mechanism); PLAIN and LOGIN noted. */
static void ehlo_auth(struct smtp_conn *s, const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start, n;

		while (i < len && p[i] == ' ')
			i++;
		start = i;
		while (i < len && p[i] != ' ')
			i++;
		n = i - start;
		if (n == 5 && !strncasecmp(p + start, "PLAIN", 5))
			s->ext |= SMTP_EXT_AUTH_PLAIN;
		else if (n == 5 && !strncasecmp(p + start, "LOGIN", 5))
			s->ext |= SMTP_EXT_AUTH_LOGIN;
	}
}

/* Collects EHLO/LHLO keywords (RFC 5321 §4.1.1.1: every line after the first). */
struct ehlo_scan {
	struct smtp_conn *s;
	size_t line;
};

static void ehlo_line(void *arg, const char *text, size_t len)
{
	struct ehlo_scan *e = arg;
	char kw[32];
	size_t n = 0;

	if (e->line++ == 0)
		return;
	while (n < len && n < sizeof kw - 1 && text[n] != ' ')
		kw[n] = text[n], n++;
	kw[n] = '\0';
	if (!strcasecmp(kw, "PIPELINING"))
		e->s->ext |= SMTP_EXT_PIPELINING;
	else if (!strcasecmp(kw, "8BITMIME"))
		e->s->ext |= SMTP_EXT_8BITMIME;
	else if (!strcasecmp(kw, "SMTPUTF8"))
		e->s->ext |= SMTP_EXT_SMTPUTF8;
	else if (!strcasecmp(kw, "STARTTLS"))
		e->s->ext |= SMTP_EXT_STARTTLS;
	else if (!strcasecmp(kw, "AUTH"))
		ehlo_auth(e->s, text + n, len - n);
	else if (!strcasecmp(kw, "SIZE")) {
		/* RFC 1870 §4: "SIZE" [SP number]; 0 or absent: no fixed limit */
		unsigned long long v = 0;
		size_t i = n + 1;
		for (; i < len && text[i] >= '0' && text[i] <= '9' && v < (1ULL << 60); i++)
			v = v * 10 + (unsigned)(text[i] - '0');
		e->s->ext |= SMTP_EXT_SIZE;
		e->s->size_max = v;
	}
}

int smtp_command(struct smtp_conn *s, const char *line, int timeout_ms,
		 struct reply *r, reply_line_fn *fn, void *arg)
{
	s->out.timeout_ms = timeout_ms;
	if (outbuf_puts(&s->out, line) < 0 || outbuf_flush(&s->out) < 0)
		return REPLY_ERROR;
	return reply_read(&s->in, timeout_ms, r, fn, arg);
}

const char *smtp_status_text(int st)
{
	switch (st) {
	case REPLY_TIMEOUT:
		return "timed out waiting for a reply";
	case REPLY_EOF:
		return "connection closed";
	case REPLY_MALFORMED:
		return "malformed reply";
	default:
		return "connection error";
	}
}

/* The server's reply as the reason, as a 4xx: a 5xx here only ends this address. */
void smtp_why_reply(struct reply *why, const struct reply *r, const char *host,
		    const char *stage, const char *enh)
{
	char text[REPLY_TEXT_MAX + DNS_NAME_MAX + 64];

	snprintf(text, sizeof text, "%s said after %s: %d%s%s %s", host, stage, r->code,
		 r->enhanced[0] ? " " : "", r->enhanced, r->text);
	reply_set(why, r->code / 100 == 4 ? r->code : 451,
		  r->code / 100 == 4 && r->enhanced[0] ? r->enhanced : enh, text);
}

static int smtp_greeting(struct smtp_conn *s, struct reply *why)
{
	struct reply r;
	int st = reply_read(&s->in, s->to.greeting, &r, NULL, NULL);

	if (st == REPLY_OK && r.code / 100 == 2)
		return 0;
	if (st == REPLY_OK)
		smtp_why_reply(why, &r, s->host, "connect", "4.4.2");
	else
		smtp_why_local(why, "4.4.2", s->host, smtp_status_text(st), 0);
	return -1;
}

int smtp_ehlo(struct smtp_conn *s, const char *helo, struct reply *why)
{
	char line[DNS_NAME_MAX + 16];
	struct reply r;
	struct ehlo_scan scan = { s, 0 };
	int st;

	s->ext = 0;
	s->size_max = 0;
	snprintf(line, sizeof line, "%s %s\r\n", s->lmtp ? "LHLO" : "EHLO", helo);
	st = smtp_command(s, line, s->to.helo, &r, ehlo_line, &scan);
	if (st == REPLY_OK && r.code / 100 == 5 && !s->lmtp) {
		/* RFC 5321 §3.2: fall back to HELO, no extensions */
		s->ext = 0;
		s->size_max = 0;
		snprintf(line, sizeof line, "HELO %s\r\n", helo);
		st = smtp_command(s, line, s->to.helo, &r, NULL, NULL);
	}
	if (st != REPLY_OK) {
		smtp_why_local(why, "4.4.2", s->host, smtp_status_text(st), st == REPLY_ERROR ? errno : 0);
		return -1;
	}
	if (r.code / 100 != 2) {
		smtp_why_reply(why, &r, s->host, s->lmtp ? "LHLO" : "EHLO/HELO", "4.4.2");
		return -1;
	}
	return 0;
}

/* Connect, greeting, EHLO, then STARTTLS and AUTH: 0, -1, or 1 (smtp_secure()). */
static int smtp_open_once(struct smtp_conn *s, const struct mx_target *t, int lmtp,
			  const struct smtp_timeouts *to, const char *helo,
			  const struct smtp_security *sec, struct reply *why)
{
	int r;

	memset(s, 0, offsetof(struct smtp_conn, in));
	s->fd = -1;
	s->lmtp = lmtp;
	s->to = *to;
	snprintf(s->host, sizeof s->host, "%s", t->host);
	if (smtp_connect(s, t, why) < 0)
		return -1;
	if (smtp_greeting(s, why) < 0 || smtp_ehlo(s, helo, why) < 0) {
		smtp_close(s);
		return -1;
	}
	r = lmtp || !sec ? 0 : smtp_secure(s, helo, sec, why);
	if (r != 0)
		smtp_close(s);
	return r;
}

int smtp_open_secure(struct smtp_conn *s, const struct mx_target *t, int lmtp,
		     const struct smtp_timeouts *to, const char *helo,
		     const struct smtp_security *sec, struct reply *why)
{
	struct smtp_security plain;
	int r = smtp_open_once(s, t, lmtp, to, helo, sec, why);

	if (r <= 0)
		return r;
	/* TLS_MAY and the handshake failed: once more, in plaintext (smtp_client.h) */
	plain = *sec;
	plain.level = TLS_NONE;
	return smtp_open_once(s, t, lmtp, to, helo, &plain, why) < 0 ? -1 : 0;
}

int smtp_open(struct smtp_conn *s, const struct mx_target *t, int lmtp,
	      const struct smtp_timeouts *to, const char *helo, struct reply *why)
{
	return smtp_open_secure(s, t, lmtp, to, helo, NULL, why);
}

int smtp_alive(struct smtp_conn *s)
{
	struct pollfd p = { s->fd, POLLIN, 0 };

	if (s->fd < 0 || s->broken || inbuf_pending(&s->in))
		return 0;
	/* readable while idle means EOF or an unsolicited reply (a 421): not usable */
	return poll(&p, 1, 0) == 0;
}

void smtp_quit(struct smtp_conn *s)
{
	struct reply r;

	if (s->fd < 0)
		return;
	if (!s->broken)
		smtp_command(s, "QUIT\r\n", 2000, &r, NULL, NULL);
	smtp_close(s);
}
