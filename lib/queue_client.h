#ifndef TERN_QUEUE_CLIENT_H
#define TERN_QUEUE_CLIENT_H
/*
 * NAME
 *	queue_client - run the queue program for one message (the qmail-queue
 *	protocol) and say what its exit means
 * SYNOPSIS
 *	int queue_client_start(struct queue_client *c, const char *program,
 *	                       const char *received_id, const char *confdir,
 *	                       const struct queue_origin *origin);
 *	int queue_client_finish(struct queue_client *c, const char *envelope,
 *	                        size_t len, int timeout_ms);
 *	int queue_client_abort(struct queue_client *c, int timeout_ms);
 *	void queue_client_verdict(int status, struct queue_verdict *v);
 *	int queue_client_attr_valid(const char *a, size_t len);
 *	int queue_client_value_ok(const char *v);
 *
 *	int queue_client_speaks_session(const char *program);
 *	void queue_client_init(struct queue_client *c);
 *	int queue_client_session_start(struct queue_client *c, const char *program,
 *	                               const char *received_id, const char *confdir,
 *	                               const struct queue_origin *origin, int timeout_ms);
 *	void queue_client_outbuf(struct queue_client *c, struct outbuf *ob,
 *	                         char *mem, size_t size, int timeout_ms);
 *	void queue_client_end(struct queue_client *c, int timeout_ms);
 * DESCRIPTION
 *	The one client of the queue program (inject(8), or a qmail-queue filter
 *	in front of it) for smtpd and sendmail.
 *
 *	queue_client_start() starts program (posix_spawn) with the read end of
 *	one pipe on fd 0 (the message) and of another on fd 1 (the envelope, see
 *	envelope.h), and an environment of exactly
 *	PATH=/usr/local/bin:/usr/bin:/bin, TERN_RECEIVED_ID=received_id when
 *	received_id is not NULL, TERN_CONFDIR=confdir when confdir is not
 *	NULL, and when origin is not NULL what smtpd knows of the client:
 *	TERN_CLIENT_IP=origin->ip (when not NULL or ""), TERN_CLIENT_HELO=
 *	origin->helo (when not NULL or ""), TERN_CLIENT_AUTH=origin->auth (the
 *	login name, when authenticated), TERN_CLIENT_RELAY=1 (origin->relay: the
 *	client may relay, RELAYCLIENT or relay-net); a value with a byte
 *	outside printable ASCII is left out. Nothing else of the caller's
 *	environment reaches it. Every
 *	descriptor above 2 is marked close-on-exec first
 *	(child_cloexec_above_2(), child.h, which smtpd's STARTTLS and AUTH
 *	call too before they start tlsd or the checker), so the program gets only 0-2; SIGPIPE is
 *	reset to its default and no signal is blocked. A program that cannot be
 *	executed makes queue_client_start() fail (errno from the exec).
 *	c->msg_fd is the non-blocking write end of the message pipe: write it
 *	with an outbuf whose timeout bounds a program that stops reading.
 *
 *	queue_client_finish() closes the message pipe, writes the envelope,
 *	closes the envelope pipe and waits for the program;
 *	queue_client_abort() closes both pipes without an envelope (so nothing
 *	can be committed) and waits. Both wait at most timeout_ms, then kill
 *	the program with SIGKILL, and return its wait status, or
 *	QUEUE_CLIENT_HUNG when it had to be killed, or
 *	QUEUE_CLIENT_ENVELOPE_FAILED when it exited 0 without the whole envelope
 *	(finish: the envelope could not be written completely; abort: always).
 *
 *	queue_client_verdict() is the one table of exit codes (qmail-queue(8),
 *	inject(8)); callers map its outcome, never the exit code, to their own
 *	answers (smtpd: 250 / 451 / 554 replies; sendmail: sysexits):
 *	  0       QUEUE_CLIENT_OK, 2.0.0
 *	  11-40   QUEUE_CLIENT_PERMANENT (qmail-queue(8): "permanent errors");
 *	          11 address too long (5.1.3), 31 message refused (5.3.0),
 *	          the others 5.3.0
 *	  91      QUEUE_CLIENT_PERMANENT, envelope format error (5.6.0): qmail
 *	          counts it temporary, but tern's inject refuses an invalid
 *	          envelope address with it, which no retry can change
 *	  tern's own, for mailauth(8) (no qmail-queue meaning):
 *	  32      QUEUE_CLIENT_PERMANENT, 550 5.7.23 SPF validation failed
 *	          (RFC 7372 §3.2)
 *	  33      QUEUE_CLIENT_PERMANENT, 550 5.7.1 refused by the DMARC policy
 *	          of the From: domain (RFC 7489 §6.7, §10.3)
 *	  76      QUEUE_CLIENT_TEMPORARY, 451 4.7.24 SPF validation error: a
 *	          DNS failure where the SPF policy could reject (RFC 7372 §3.2)
 *	  77      QUEUE_CLIENT_TEMPORARY, 451 4.7.1 DMARC policy not evaluated:
 *	          a DNS failure where the DMARC policy could reject
 *	  others  QUEUE_CLIENT_TEMPORARY, 4.3.0 (72 and 73: 4.4.1, 74: 4.4.2),
 *	          with qmail-queue's meaning for 51-81
 *	  a signal, QUEUE_CLIENT_HUNG, QUEUE_CLIENT_ENVELOPE_FAILED:
 *	          QUEUE_CLIENT_TEMPORARY, 4.3.0
 *	v->reply is the SMTP reply code for it (250, 451, 554; 550 for 32 and
 *	33), v->status the RFC 3463 enhanced status code, v->text what happened
 *	(for a reply or a log line: printable ASCII, no line break), v->exit_code
 *	the exit code or -1 when the program did not exit by itself.
 *
 *	queue_client_attr_valid() says whether the len bytes at a are one
 *	attribute: NAME=value with NAME matching [A-Z][A-Z0-9_]*, a value
 *	without NUL, CR or LF, at most QUEUE_CLIENT_ATTR_MAX bytes in all.
 *	queue_client_value_ok() says whether a TERN_CLIENT_* value may be
 *	passed: printable ASCII without blanks.
 *
 *	The session protocol (inject(8), queue_frame.h) serves every message
 *	of an SMTP session with one process of tern's own injector: smtpd
 *	uses it when queue_client_speaks_session(program), i.e. the program's
 *	file name is "inject"; any other queue program (a qmail-queue filter)
 *	gets the classic protocol, one run per message. queue_client_init()
 *	makes c idle (no process). queue_client_session_start() begins a
 *	message: it starts "program -S" (frame pipe on fd 0, reply pipe on fd
 *	1, environment PATH and TERN_CONFDIR only) unless the process of the
 *	previous message is still there and has said nothing out of turn,
 *	and sends the message's attributes as ATTR frames (the variables the
 *	classic protocol puts in the environment: TERN_RECEIVED_ID and the
 *	TERN_CLIENT_* of origin, by the same rules); if that process
 *	turns out to have died, it starts a new one once. The message then
 *	goes through an outbuf set up by queue_client_outbuf() (in the
 *	classic protocol simply the message pipe), whose writes become DATA
 *	frames. queue_client_finish() sends the envelope and waits at most
 *	timeout_ms for the REPLY, and returns a wait status made of its exit
 *	code (so queue_client_verdict() reads both protocols alike);
 *	queue_client_abort() sends ABORT. Whenever a frame cannot be written,
 *	the REPLY does not come in time or is malformed, or the REPLY refuses
 *	the message, the process is reaped (killed after timeout_ms) and its
 *	wait status is returned as in the classic protocol; the next message
 *	starts a new one. queue_client_end() ends the session: it closes the
 *	frame pipe (inject exits 0 between messages) and reaps the process.
 *	queue_client_start() always speaks the classic protocol and makes c
 *	a classic client.
 * DIAGNOSTICS
 *	queue_client_start() returns 0, or -1 with errno set (nothing is left
 *	running then).
 */
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define QUEUE_CLIENT_HUNG (-1)
#define QUEUE_CLIENT_ENVELOPE_FAILED (-2)
#define QUEUE_CLIENT_ATTRS 16		/* attributes of one message at most */
#define QUEUE_CLIENT_ATTR_MAX 1024	/* bytes of one NAME=value */

/* tern's own exit codes (the table above) */
#define QUEUE_EXIT_SPF_FAIL 32
#define QUEUE_EXIT_DMARC_REJECT 33
#define QUEUE_EXIT_SPF_TEMPFAIL 76
#define QUEUE_EXIT_DMARC_TEMPFAIL 77

struct queue_client {
	pid_t pid;
	int msg_fd;		/* classic: the message pipe; session: the frame pipe */
	int env_fd;		/* classic: the envelope pipe; session: -1 */
	int reply_fd;		/* session: the reply pipe; classic: -1 */
	int session;		/* 1: the session protocol */
	int failed;		/* session: a frame could not be written (2: timed out) */
	int timeout_ms;		/* session: each wait of a frame write */
	char queue_id[40];	/* session: the id in the last REPLY */
};

struct queue_origin {
	const char *ip;		/* the client's address, or NULL */
	const char *helo;	/* its HELO/EHLO argument, or NULL */
	const char *auth;	/* its AUTH login name, or NULL */
	int relay;		/* 1: it may relay (RELAYCLIENT, relay-net) */
};

enum queue_client_outcome {
	QUEUE_CLIENT_OK,
	QUEUE_CLIENT_TEMPORARY,
	QUEUE_CLIENT_PERMANENT,
};

struct queue_verdict {
	enum queue_client_outcome outcome;
	int exit_code;
	char reply[4];
	char status[8];
	char text[80];
};

int queue_client_start(struct queue_client *c, const char *program,
		       const char *received_id, const char *confdir,
		       const struct queue_origin *origin);
int queue_client_finish(struct queue_client *c, const char *envelope, size_t len,
			int timeout_ms);
int queue_client_abort(struct queue_client *c, int timeout_ms);
void queue_client_verdict(int status, struct queue_verdict *v);
int queue_client_attr_valid(const char *a, size_t len);
int queue_client_value_ok(const char *v);
int queue_client_speaks_session(const char *program);
void queue_client_init(struct queue_client *c);
int queue_client_session_start(struct queue_client *c, const char *program,
			       const char *received_id, const char *confdir,
			       const struct queue_origin *origin, int timeout_ms);
void queue_client_outbuf(struct queue_client *c, struct outbuf *ob, char *mem, size_t size,
			 int timeout_ms);
void queue_client_end(struct queue_client *c, int timeout_ms);
/* the session protocol's finish and abort (queue_client_finish(), _abort() call them) */
int queue_client_session_finish(struct queue_client *c, const char *envelope, size_t len,
				int timeout_ms);
int queue_client_session_abort(struct queue_client *c, int timeout_ms);

#endif
