#ifndef TERN_WORKER_H
#define TERN_WORKER_H
/*
 * NAME
 *	worker - a delivery worker: jobs in, results out, no queue access
 * SYNOPSIS
 *	int worker_main(int fd, const struct config *c, const struct auth_table *auth);
 * DESCRIPTION
 *	worker_main() serves the scheduler on the socket fd until it reads end
 *	of file: each IPC_JOB frame (with the message body as a read-only fd)
 *	becomes one deliver() call, answered by one IPC_RESULT frame; auth
 *	(NULL: none) holds the smarthost credentials (deliver_set_auth()). While
 *	idle it calls deliver_idle() every few seconds; at the end
 *	deliver_close_all(). The worker runs as relay-user (relay(8)): it
 *	trusts nothing from DNS or remote servers, and deliver() turns every
 *	peer problem into a result, so a worker dies only if the scheduler
 *	speaks garbage or goes away.
 *	SIGTERM, SIGINT and SIGHUP are ignored: the scheduler decides when a
 *	worker stops, by closing its socket once in-flight work is done.
 * DIAGNOSTICS
 *	Returns the process exit status: 0 at end of file, 111 on a protocol
 *	or system error (logged).
 */
#include "config.h"
#include "relay/authfile.h"

int worker_main(int fd, const struct config *c, const struct auth_table *auth);

#endif
