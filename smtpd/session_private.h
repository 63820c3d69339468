#ifndef TERN_SMTPD_SESSION_PRIVATE_H
#define TERN_SMTPD_SESSION_PRIVATE_H
/*
 * session_private - the session state shared by session.c (commands) and
 * message.c (DATA); not an interface for anything else.
 *
 *	int message_data(struct session *s);
 *	    DATA after the state checks: runs the injector, streams the body,
 *	    replies with the verdict and logs it; returns 0 to go on, -1 to end
 *	    the session (timeout, client gone, write error).
 *	void session_transaction_reset(struct session *s);
 *	int session_timeout(struct session *s);
 *	    421 4.4.2, log; on a socket then FIN and up to 2 s of reading
 *	    and dropping what the client still sends, so that the close is
 *	    no reset that could hide the 421 from it; returns -1.
 *	int session_ms(unsigned seconds);
 *	void session_restart(struct session *s);
 *	    forget everything the client said (RFC 3207 §4.2, after STARTTLS):
 *	    the transaction, HELO/EHLO (state GREETED) and any buffered input.
 *	void session_line_deadline(struct session *s);
 *	    the next line (a command, an AUTH response) is due within
 *	    command-timeout, and before the session's end.
 *	int session_tls_active(const struct session *s);
 *	    the session runs over TLS (STARTTLS done, or implicit TLS).
 *	int auth_command(struct session *s, const struct command *c);
 *	    AUTH (auth.c): the whole exchange and its reply; 0 to go on, -1
 *	    to end the session; after too many failures it answers 421 and
 *	    sets SESSION_QUIT.
 */
#include <sys/types.h>

#include "addr.h"
#include "buf.h"
#include "command.h"
#include "queue_client.h"
#include "sasl.h"
#include "session.h"
#include "smtpd/recipient.h"

enum session_state {
	SESSION_GREETED,	/* no HELO/EHLO yet */
	SESSION_READY,		/* no transaction */
	SESSION_MAIL,		/* MAIL accepted, no recipient yet */
	SESSION_RCPT,		/* at least one recipient accepted */
	SESSION_QUIT,
};

struct session {
	const struct session_options *o;
	const struct config *cfg;
	enum session_state state;
	struct inbuf in;
	struct outbuf out;
	char inmem[4096];
	char outmem[2048];
	char helo[256];
	int esmtp;
	int may_relay;		/* RELAYCLIENT or relay-net */
	char sender[ADDR_PATH_MAX + 1];
	struct mail_params params;
	char **rcpt;
	size_t nrcpt, rcpt_cap;
	unsigned long messages;
	long long deadline;	/* clock_ms() when session-timeout ends it */
	int eof;		/* the client closed its side */
	struct smtpd_tls tls;	/* active once the session runs over TLS */
	pid_t tlsd_pid;		/* STARTTLS: tlsd, else -1 */
	int tlsd_control;	/* STARTTLS: its control socket, else -1 */
	int tls_unavailable;	/* tlsd could not start: no second try */
	struct recipient_maps maps;	/* opened at the first RCPT that needs them */
	char auth_user[SASL_USER_MAX + 1];	/* "" until AUTH succeeded */
	unsigned auth_failures;
	struct queue_client queue;	/* the queue program; session protocol: kept */
	int queue_session;		/* the injector speaks the session protocol */
};

int message_data(struct session *s);
void session_transaction_reset(struct session *s);
int session_timeout(struct session *s);
int session_ms(unsigned seconds);
void session_restart(struct session *s);
void session_line_deadline(struct session *s);
int session_tls_active(const struct session *s);
int auth_command(struct session *s, const struct command *c);

#endif
