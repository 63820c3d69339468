#ifndef TERN_SMTPD_SESSION_H
#define TERN_SMTPD_SESSION_H
/*
 * NAME
 *	session - one SMTP server session (RFC 5321, 1870, 2034, 2920, 6152, 6531)
 * SYNOPSIS
 *	int session_run(const struct session_options *o, int in, int out);
 * DESCRIPTION
 *	session_run() greets the client on out, reads commands from in and
 *	answers them until QUIT, end of input, a timeout or a write error.
 *	Each accepted message is streamed to o->injector (queue_client.h)
 *	preceded by a Received: line (received.h): to one run per message of
 *	a qmail-queue filter, or to the one "inject -S" of the session (the
 *	session protocol, started at the first DATA). The reply to the final
 *	"." is the injector's verdict. smtpd(8) lists every reply.
 *
 *	The state machine (enum session_state): GREETED --HELO/EHLO--> READY
 *	--MAIL--> MAIL --RCPT--> RCPT --DATA--> READY; RSET and HELO/EHLO go
 *	back to READY (GREETED before any HELO/EHLO); QUIT ends it.
 *
 *	Limits come from o->cfg: max-message-size (EHLO SIZE, MAIL SIZE=,
 *	and counted while the data streams), max-recipients (then 452 4.5.3),
 *	command-timeout (each whole command line: the deadline is set when its
 *	wait starts, so trickling bytes do not extend it; and each reply),
 *	data-timeout and data-min-rate (DATA's time budget, data.h; and the
 *	wait for the injector's verdict), session-timeout (the whole session,
 *	every read and write). A timeout is answered with 421 4.4.2 and ends the
 *	session. Command lines are at most 512 octets with CRLF (§4.5.3.1.4).
 *
 *	A recipient is accepted when its domain is accepted
 *	(config_accepts_domain), when o->relay_client is set (RELAYCLIENT)
 *	or the client's address is in relay-net; else 550 5.7.1.
 *	"<postmaster>" without a domain (§4.5.1) is always accepted and
 *	delivered to the postmaster setting.
 *
 *	STARTTLS (RFC 3207) is offered when a tls-certificate is configured
 *	and handled by starttls.h (tlsd(8) does the TLS).
 *	When o->tls.active the session runs over TLS from the start (implicit
 *	TLS, RFC 8314): Received: says ESMTPS (RFC 3848) with the protocol and
 *	cipher (tls_state.h).
 *
 *	With o->submission (smtpd -s, RFC 6409) AUTH PLAIN and LOGIN are
 *	offered once TLS is active, MAIL needs a successful AUTH first (530
 *	5.7.0), an authenticated client may relay, and with sender-login-map
 *	its MAIL FROM must be its own (553 5.7.1); see auth.c and smtpd(8).
 *
 *	session_run() ignores SIGPIPE (process-wide), makes out non-blocking
 *	and logs one line per event (connect, refused recipient, accepted or
 *	refused message, timeout).
 * DIAGNOSTICS
 *	0 after QUIT or the client's end of input; 1 after a timeout, a read or
 *	write error or when memory ran out.
 */
#include "client.h"
#include "config.h"
#include "tls_state.h"

struct session_options {
	const struct config *cfg;
	const char *injector;	/* the queue program (inject: once per session) */
	const char *confdir;	/* given to it as TERN_CONFDIR; NULL: not */
	struct client client;
	int relay_client;	/* RELAYCLIENT was set: the client may relay */
	struct smtpd_tls tls;	/* active: implicit TLS (tlsd -i, TERN_TLS_*) */
	int submission;		/* smtpd -s: MAIL needs AUTH (RFC 6409) */
};

int session_run(const struct session_options *o, int in, int out);

#endif
