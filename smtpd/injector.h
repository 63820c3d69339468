#ifndef TERN_SMTPD_INJECTOR_H
#define TERN_SMTPD_INJECTOR_H
/*
 * NAME
 *	injector - run the queue program for one message (qmail-queue protocol)
 * SYNOPSIS
 *	int injector_start(struct injector *j, const char *program,
 *	                   const char *received_id, const char *confdir);
 *	int injector_finish(struct injector *j, const char *envelope, size_t len,
 *	                    int timeout_ms);
 *	int injector_abort(struct injector *j, int timeout_ms);
 *	int injector_reply(int status, const char *id, char *out, size_t outlen);
 * DESCRIPTION
 *	injector_start() starts program (posix_spawn) with the read end of one pipe
 *	on fd 0 (the message) and of another on fd 1 (the envelope, see
 *	envelope.h), and an environment of exactly TERN_RECEIVED_ID=received_id,
 *	PATH=/usr/local/bin:/usr/bin:/bin and, when confdir is not NULL,
 *	TERN_CONFDIR=confdir. Every descriptor above 2 is marked close-on-exec
 *	first (smtpd execs nothing else), so the program gets only 0-2; SIGPIPE
 *	is reset to its default and no signal is blocked. A program that cannot
 *	be executed makes injector_start() fail (errno from the exec). j->msg_fd is the non-blocking write end
 *	of the message pipe.
 *
 *	injector_finish() closes the message pipe, writes the envelope, closes
 *	the envelope pipe and waits for the program; injector_abort() closes
 *	both pipes without an envelope (so nothing can be committed) and waits.
 *	Both wait at most timeout_ms, then kill the program with SIGKILL, and
 *	return its wait status, or INJECTOR_HUNG when it had to be killed,
 *	or INJECTOR_ENVELOPE_FAILED (finish only) when the envelope could not be
 *	written completely yet the program exited 0.
 *
 *	injector_reply() turns a status into the SMTP reply (without CRLF) and
 *	returns 1 when it is 250 (the program exited 0), else 0. qmail-queue(8):
 *	0 → 250 2.0.0 Ok: queued as ID; 11 → 554 5.1.3; 31 and 91 → 554 5.6.0;
 *	51-81 → 451 4.3.0 with the qmail-queue meaning; any other exit, a
 *	signal, a hang or a failed envelope → 451 4.3.0.
 * DIAGNOSTICS
 *	injector_start() returns 0, or -1 with errno set (nothing is left
 *	running then).
 */
#include <stddef.h>
#include <sys/types.h>

#define INJECTOR_HUNG (-1)
#define INJECTOR_ENVELOPE_FAILED (-2)

struct injector {
	pid_t pid;
	int msg_fd;
	int env_fd;
};

int injector_start(struct injector *j, const char *program,
		   const char *received_id, const char *confdir);
int injector_finish(struct injector *j, const char *envelope, size_t len, int timeout_ms);
int injector_abort(struct injector *j, int timeout_ms);
int injector_reply(int status, const char *id, char *out, size_t outlen);

#endif
