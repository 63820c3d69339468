#ifndef TERN_INJECT_PRIVATE_H
#define TERN_INJECT_PRIVATE_H
/*
 * NAME
 *	inject_private - what inject's files share: the message being written,
 *	its attributes and commit (inject_message.c), the classic protocol and
 *	set-up (inject.c), the session protocol (inject_session.c); not an
 *	interface for anything else
 * SYNOPSIS
 *	void inject_fail(int code, const char *fmt, ...);
 *	void inject_on_alarm(int sig);
 *	void inject_message_new(void);
 *	char *inject_message_space(size_t *room);
 *	void inject_message_wrote(size_t n);
 *	void inject_message_abort(void);
 *	void inject_attr_add(const char *a, size_t len);
 *	void inject_attrs_from_env(char **env);
 *	void inject_message_commit(const char *env, size_t len);
 *	void inject_session_run(void);
 * DESCRIPTION
 *	inject_fail() logs, removes the message being written (nothing
 *	half-written stays visible) and exits with code (the qmail-queue(8)
 *	codes below). inject_on_alarm() is the SIGALRM handler: the time limit
 *	passed, exit 52 after removing the message being written.
 *
 *	inject_message_new() creates the queue file of a new message
 *	(queue_file_create(): exit 53 or 61 when it cannot). The message's
 *	bytes go into a buffer of whole-file writes: inject_message_space()
 *	gives where the next bytes go and how many fit (at least one),
 *	inject_message_wrote() counts n bytes put there, writes the buffer
 *	out when full and exits 31 past max-message-size (with the room for
 *	added header lines). inject_message_abort() forgets the message.
 *
 *	inject_attr_add() adds one attribute NAME=value of the message (exit
 *	91 when invalid or one too many); inject_attrs_from_env() takes the
 *	TERN_* variables of env but TERN_CONFDIR (the classic protocol).
 *	Attributes count only when the caller is trusted (inject(8)).
 *
 *	inject_message_commit() checks the envelope (len bytes at env), writes
 *	out the buffer, commits the message (queue(5)) under smtpd's id when
 *	TERN_RECEIVED_ID is set and trusted, logs it, answers the session's
 *	REPLY (with -S) and forgets the attributes; any failure exits with
 *	its code.
 *
 *	inject_session_run() serves frames on fd 0 until smtpd closes it
 *	(exit 0 between messages) or a frame is refused (exit 91).
 */
#include <stddef.h>

/* qmail-queue(8) exit codes */
enum {
	EXIT_ADDRESS_TOO_LONG = 11,
	EXIT_REFUSED = 31,
	EXIT_NOMEM = 51,
	EXIT_TIMEOUT = 52,
	EXIT_WRITE = 53,
	EXIT_READ = 54,
	EXIT_CONFIG = 55,
	EXIT_QUEUE = 61,
	EXIT_BUG = 81,
	EXIT_FORMAT = 91,
};

/* Set up by inject.c before the first message. */
struct inject_setup {
	unsigned long long size_max;	/* max-message-size */
	unsigned rcpt_max;		/* max-recipients */
	unsigned idle_timeout;		/* -S: seconds between messages (session-timeout) */
	unsigned data_timeout;		/* -S: seconds of each wait in a message */
	unsigned caller_uid;
	char caller_name[64];		/* "" when /etc/passwd has no such uid */
	int trusted;			/* the caller's attributes count */
	int setuid;			/* real ids differ from effective ids */
	int session;			/* -S */
};
extern struct inject_setup inject_setup;
extern struct queue inject_queue;

void inject_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void inject_on_alarm(int sig);
void inject_message_new(void);
char *inject_message_space(size_t *room);
void inject_message_wrote(size_t n);
void inject_message_abort(void);
void inject_attr_add(const char *a, size_t len);
void inject_attrs_from_env(char **env);
void inject_message_commit(const char *env, size_t len);
void inject_session_run(void);

#endif
