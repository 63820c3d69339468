#ifndef TERN_SMTPD_STARTTLS_H
#define TERN_SMTPD_STARTTLS_H
/*
 * NAME
 *	starttls - STARTTLS (RFC 3207): hand the connection to tlsd(8)
 * SYNOPSIS
 *	int starttls_offered(const struct session *s);
 *	int starttls_command(struct session *s, const struct command *c);
 *	void starttls_finish(struct session *s);
 * DESCRIPTION
 *	smtpd links no TLS library and never sees a key: tls-program (tlsd)
 *	does the handshake and the crypto, and smtpd goes on in plaintext over
 *	a socketpair with it. Nothing of this runs for a plaintext session.
 *
 *	starttls_offered() is 1 when EHLO lists STARTTLS: at least one
 *	tls-certificate is configured, the session is not over TLS yet and
 *	tlsd has not failed to start in it.
 *
 *	starttls_command() answers STARTTLS: 502 5.5.1 when none is
 *	configured, 503 5.5.1 when TLS is already active, 501 5.5.4 with an
 *	argument, 503 5.5.1 before HELO/EHLO. Otherwise it starts tlsd with
 *	the network descriptors on its 0 and 1, one end of a socketpair on 3
 *	and a control socket on 4 (tls_control.h), and an environment of PATH,
 *	TERN_CONFDIR (o->confdir) and JOURNAL_STREAM when set, and waits, at most
 *	tls-handshake-timeout, for "ready"; anything else is answered 454
 *	4.7.0 and the session goes on in plaintext (a later STARTTLS gets 454
 *	at once, and EHLO no longer offers it). Then it throws away
 *	whatever the client sent after the STARTTLS line (commands pipelined
 *	in plaintext are never executed, CVE-2011-0411), answers 220 2.0.0,
 *	puts the socketpair on the session's descriptors (so smtpd no longer
 *	holds the network connection), says "start" and waits, at most
 *	tls-handshake-timeout and 5 s, for the outcome. On "ok" the session
 *	starts over (RFC 3207 §4.2, session_restart()) with s->tls active; on
 *	anything else the failure is logged and the session ends.
 *
 *	starttls_finish(), at the end of a session that used STARTTLS, shuts
 *	the plaintext socket down for writing, so tlsd sends close_notify,
 *	and waits at most 15 s for tlsd to exit.
 * DIAGNOSTICS
 *	starttls_command() returns 0 to go on, -1 to end the session (a
 *	write error, a failed handshake).
 */
#include "command.h"

struct session;

int starttls_offered(const struct session *s);
int starttls_command(struct session *s, const struct command *c);
void starttls_finish(struct session *s);

#endif
