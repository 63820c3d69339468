#ifndef TERN_SMTP_CLIENT_H
#define TERN_SMTP_CLIENT_H
/*
 * NAME
 *	smtp_client - one SMTP (RFC 5321) or LMTP (RFC 2033) client connection
 * SYNOPSIS
 *	void smtp_timeouts_init(struct smtp_timeouts *t, const struct config *c);
 *	int smtp_open(struct smtp_conn *s, const struct mx_target *t, int lmtp,
 *	              const struct smtp_timeouts *to, const char *helo, struct reply *why);
 *	int smtp_open_secure(struct smtp_conn *s, const struct mx_target *t, int lmtp,
 *	                     const struct smtp_timeouts *to, const char *helo,
 *	                     const struct smtp_security *sec, struct reply *why);
 *	enum smtp_status smtp_send(struct smtp_conn *s, const struct deliver_job *job,
 *	                           struct deliver_rcpt_result *res, struct reply *why);
 *	int smtp_alive(struct smtp_conn *s);
 *	void smtp_quit(struct smtp_conn *s);
 *	void smtp_close(struct smtp_conn *s);
 *
 *	int smtp_command(struct smtp_conn *s, const char *line, int timeout_ms,
 *	                 struct reply *r, reply_line_fn *fn, void *arg);
 *	void smtp_why_local(struct reply *why, const char *enh, const char *host,
 *	                    const char *what, int err);
 *	const char *smtp_status_text(int reply_status);
 * DESCRIPTION
 *	smtp_timeouts_init() derives the waits of RFC 5321 §4.5.3.2 from the
 *	configuration so that tests can shrink them: greeting, EHLO, MAIL,
 *	RCPT and RSET wait command-timeout (default 5m, the RFC's values);
 *	the DATA command's reply 2/5 of it (2m), the final dot's reply twice
 *	it (10m); each data block may wait data-timeout (3m). Connecting waits
 *	at most 30 s (or command-timeout if shorter).
 *
 *	smtp_open() connects to t (TCP with TCP_NODELAY, so the end of the data
 *	never waits on Nagle and delayed ACKs; or a unix socket), reads the
 *	greeting and sends EHLO (HELO if EHLO is refused with 5xx) or, for
 *	LMTP, LHLO, and notes PIPELINING, SIZE, 8BITMIME and SMTPUTF8.
 *	It returns 0, or -1 with the connection closed and why set (the
 *	server's own reply, or a 451 4.4.1/4.4.2 made here). smtp_open() is
 *	smtp_open_secure() with no TLS and no AUTH.
 *
 *	smtp_open_secure() then applies sec (smtp_secure.c): STARTTLS (RFC
 *	3207) by sec->level, EHLO again over TLS with the extensions learnt in
 *	plaintext forgotten (§4.2), and AUTH (RFC 4954) when sec->user is set.
 *	LMTP never uses TLS. s->tls is the TLS session (NULL: plaintext) and
 *	s->tls_info its description (tls_describe(), "" in plaintext). With
 *	TLS_MAY a failed handshake makes it connect again to the same address
 *	and deliver in plaintext, as Postfix does: a passive eavesdropper
 *	gains nothing an attacker stripping STARTTLS would not, and mail to a
 *	server with a broken TLS stack still goes (relay(8)).
 *
 *	smtp_send() runs one transaction: MAIL (SIZE=, BODY=8BITMIME when
 *	job->eightbit is 1 and offered, SMTPUTF8 when job->utf8), one RCPT per
 *	recipient, DATA, the body from job->body_fd encoded by dataenc (CRLF
 *	only, dot-stuffed, lines over 998 octets split), and the final dot;
 *	with PIPELINING the commands up to DATA go in one write (RFC 2920), in
 *	groups of SMTP_PIPELINE_MAX. Before MAIL it refuses locally: 553 5.6.7
 *	for a UTF-8 envelope the server cannot take (RFC 6531 §3.5); 554 5.6.3
 *	for 8-bit content (job->eightbit 1, or, when it is -1 because the
 *	scheduler could not scan the body, a byte >= 0x80 found in it)
 *	to a server that did not offer 8BITMIME (RFC 6152 §3: tern does not
 *	downgrade MIME; 451 4.3.0 if the body cannot be read to tell); 552
 *	5.3.4 for a message larger than the server's SIZE (RFC 1870). LMTP
 *	gives one reply per accepted recipient after the dot (RFC 2033 §4.2).
 *	Recipients refused with 452 (or 552 5.5.3) after another RCPT of the
 *	transaction was accepted hit the server's recipient limit (RFC 5321
 *	§4.5.3.1.10): once that transaction has delivered, they go in a
 *	further one on the same connection, and so on while each delivers;
 *	if the connection cannot carry it, they end 4xx with res[i].again
 *	set. A 452 to the first RCPT, or one after a transaction that
 *	delivered nothing, is an ordinary temporary failure (552 5.5.3 is
 *	taken as 452 4.5.3).
 *	It returns SMTP_DONE with every res[i] set, or SMTP_CONN_FAIL (nothing
 *	decided: the connection failed or answered 421 before MAIL was
 *	accepted, why says how; try elsewhere). s->broken is set when the
 *	connection must not be used again (it is then closed);
 *	s->local_verdict when every result was made here, not by the server.
 *
 *	smtp_alive() checks a kept connection before reuse: nothing buffered,
 *	nothing to read, not closed. smtp_quit() sends QUIT, waits briefly for
 *	its reply and closes; smtp_close() just closes.
 *
 *	Used by smtp_open() and smtp_send(): smtp_ehlo() sends EHLO (or LHLO;
 *	HELO after a 5xx) and collects the extensions; smtp_secure() is the
 *	STARTTLS and AUTH step (returns 0, -1 with why set, 1 when a TLS_MAY
 *	handshake failed and the caller may retry in plaintext);
 *	smtp_why_reply() makes a 4xx why from a server's reply r (a 5xx
 *	becomes 451 with enh). smtp_command() writes line, flushes
 *	and reads the reply (an enum reply_status). smtp_why_local() makes a
 *	451 reply "host: what: strerror(err)" (err 0: none) for a failure found
 *	here; smtp_status_text() names a reply_read() failure.
 * DIAGNOSTICS
 *	See the return values; nothing a server sends aborts the process.
 */
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "relay/deliver.h"
#include "relay/mx.h"
#include "relay/reply.h"
#include "relay/tls_client.h"
#include "tlspolicy.h"

#define SMTP_PIPELINE_MAX 50
#define SMTP_CONNECT_MAX_MS 30000

enum { SMTP_EXT_PIPELINING = 1, SMTP_EXT_SIZE = 2, SMTP_EXT_8BITMIME = 4,
       SMTP_EXT_SMTPUTF8 = 8, SMTP_EXT_STARTTLS = 16, SMTP_EXT_AUTH_PLAIN = 32,
       SMTP_EXT_AUTH_LOGIN = 64 };

/*
 * What a connection must achieve: level TLS_NONE (plaintext), TLS_MAY,
 * TLS_ENCRYPT, TLS_VERIFY (chain and name) or TLS_DANE (a TLSA record of
 * tlsa[0..ntlsa) authenticates the server; the caller resolved the other
 * cases of the dane policies, see dane.h). user/password: AUTH after TLS.
 */
struct smtp_security {
	enum tls_policy level;
	const struct tls_tlsa *tlsa;
	size_t ntlsa;
	const char *ca_file;
	const char *user, *password;	/* NULL: no AUTH */
};

enum smtp_status { SMTP_DONE, SMTP_CONN_FAIL };

struct smtp_timeouts {
	int connect, greeting, helo, mail, rcpt, data, block, dot;	/* ms */
};

struct smtp_conn {
	int fd;
	int lmtp;
	unsigned ext;
	unsigned long long size_max;	/* 0: no SIZE limit announced */
	int need_rset;
	int broken;
	int local_verdict;	/* smtp_send() decided every result itself */
	char host[DNS_NAME_MAX];
	struct tls_session *tls;	/* NULL: plaintext */
	char tls_info[128];		/* tls_describe(), "" in plaintext */
	struct smtp_timeouts to;
	struct inbuf in;
	struct outbuf out;
	char inmem[4096];
	char outmem[16384];
};

void smtp_timeouts_init(struct smtp_timeouts *t, const struct config *c);
int smtp_open(struct smtp_conn *s, const struct mx_target *t, int lmtp,
	      const struct smtp_timeouts *to, const char *helo, struct reply *why);
int smtp_open_secure(struct smtp_conn *s, const struct mx_target *t, int lmtp,
		     const struct smtp_timeouts *to, const char *helo,
		     const struct smtp_security *sec, struct reply *why);
int smtp_ehlo(struct smtp_conn *s, const char *helo, struct reply *why);
int smtp_secure(struct smtp_conn *s, const char *helo, const struct smtp_security *sec,
		struct reply *why);
void smtp_why_reply(struct reply *why, const struct reply *r, const char *host,
		    const char *stage, const char *enh);
enum smtp_status smtp_send(struct smtp_conn *s, const struct deliver_job *job,
			   struct deliver_rcpt_result *res, struct reply *why);
int smtp_alive(struct smtp_conn *s);
void smtp_quit(struct smtp_conn *s);
void smtp_close(struct smtp_conn *s);
int smtp_command(struct smtp_conn *s, const char *line, int timeout_ms,
		 struct reply *r, reply_line_fn *fn, void *arg);
void smtp_why_local(struct reply *why, const char *enh, const char *host,
		    const char *what, int err);
const char *smtp_status_text(int reply_status);

#endif
