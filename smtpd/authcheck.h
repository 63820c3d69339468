#ifndef TERN_SMTPD_AUTHCHECK_H
#define TERN_SMTPD_AUTHCHECK_H
/*
 * NAME
 *	authcheck - ask a checkpassword program whether a password is right
 * SYNOPSIS
 *	enum authcheck_result authcheck_run(const char *program,
 *	                                    const char *user,
 *	                                    const char *password,
 *	                                    const char *confdir,
 *	                                    int timeout_ms);
 * DESCRIPTION
 *	authcheck_run() speaks the checkpassword interface of qmail, so that
 *	any checker written for it works: it starts program (posix_spawn) with
 *	argv [program, "/bin/true"], /dev/null on fd 0 and 1, smtpd's stderr
 *	on fd 2, and the read end of a pipe on fd 3, on which it writes
 *	"user\0password\0timestamp\0" (the timestamp is empty: PLAIN and LOGIN
 *	have no challenge) and closes it. The environment is exactly
 *	PATH=/usr/local/bin:/usr/bin:/bin and, when confdir is not NULL,
 *	TERN_CONFDIR=confdir. It then waits at most timeout_ms (child_wait(),
 *	SIGKILL when the time is up).
 *
 *	user and password are C strings (no NUL inside) of at most 255 and
 *	1024 octets, so that the record fits in one pipe write (PIPE_BUF): the
 *	write never blocks, whatever the checker does.
 * DIAGNOSTICS
 *	AUTHCHECK_OK (exit 0), AUTHCHECK_BAD (exit 1: unknown user or wrong
 *	password), AUTHCHECK_TEMPORARY (any other exit, a signal, a hang, or a
 *	program that could not be started; the reason is logged).
 */
enum authcheck_result { AUTHCHECK_OK, AUTHCHECK_BAD, AUTHCHECK_TEMPORARY };

enum authcheck_result authcheck_run(const char *program, const char *user,
				    const char *password, const char *confdir,
				    int timeout_ms);

#endif
