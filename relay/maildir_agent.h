#ifndef TERN_MAILDIR_AGENT_H
#define TERN_MAILDIR_AGENT_H
/*
 * NAME
 *	maildir_agent - the Maildir writer: a process of its own, as
 *	maildir-user, that the delivery workers hand Maildir jobs to
 * SYNOPSIS
 *	int maildir_agent_needed(const struct config *c);
 *	int maildir_agent_start(const char *confdir, const struct config *c,
 *	                        int *fd, char *err, size_t errlen);
 *	void maildir_agent_serve(int conn, const char *confdir);
 * DESCRIPTION
 *	The delivery workers run as relay-user and may write nothing; the
 *	scheduler runs as queue-user and must not write mailboxes. Maildirs
 *	belong to one mail user (Postfix's virtual(8) model), so a third
 *	process writes them: the relay, still root, starts it before the worker
 *	factory; it drops to maildir-user at once (privdrop_to_user(), which
 *	refuses a user with uid 0: root stays out) and from then on waits on a
 *	SOCK_SEQPACKET socket whose other end only the factory and its
 *	workers hold (the scheduler closes its copy).
 *
 *	maildir_agent_needed() says whether a route of c is a maildir: route;
 *	the relay starts the writer only then (a route added later by a reload
 *	needs a restart; until then its jobs are deferred with 4.3.5).
 *	maildir_agent_start() forks the writer, waits until it runs as
 *	maildir-user (it says so over the socket) and returns in *fd the end
 *	the workers use (deliver_maildir.h); a writer that cannot drop (an
 *	unknown maildir-user, one with uid 0) fails the start, so the relay
 *	refuses to run rather than defer every Maildir job.
 *
 *	Per job a worker makes a socketpair and sends one end over *fd; the
 *	writer forks a child for it, which runs maildir_agent_serve(): it reads
 *	one IPC_JOB frame (the job as the scheduler encoded it, with the
 *	read-only message descriptor), rereads confdir's tern.conf (so the
 *	templates are the configuration's, never the worker's, and a reload
 *	takes effect), delivers each recipient with maildir_deliver() under the
 *	maildir: route of the recipient's own domain, and answers one
 *	IPC_RESULT frame. The writer exits when every worker and the factory
 *	have closed the socket.
 * DIAGNOSTICS
 *	maildir_agent_start() returns 0, or -1 with err set. The writer logs
 *	its own failures.
 */
#include <stddef.h>

#include "config.h"

int maildir_agent_needed(const struct config *c);
int maildir_agent_start(const char *confdir, const struct config *c, int *fd,
			char *err, size_t errlen);
void maildir_agent_serve(int conn, const char *confdir);

#endif
