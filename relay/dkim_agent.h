#ifndef TERN_DKIM_AGENT_H
#define TERN_DKIM_AGENT_H
/*
 * NAME
 *	dkim_agent - the DKIM signer: the one process of the relay that holds
 *	the DKIM keys
 * SYNOPSIS
 *	int dkim_agent_start(const struct config *c, int *fd, char *err, size_t errlen);
 *	void dkim_agent_serve(int conn, const struct dkim_keys *ks, int timeout_ms);
 * DESCRIPTION
 *	The delivery workers run as relay-user and talk to the network: they
 *	must never see a key. dkim_agent_start() (the relay, as root, before
 *	the worker factory; only when tern.conf has dkim-sign lines) forks the
 *	signer (agent.h), which reads the key files while still root
 *	(dkim_keys_load(): root-only files, a key that group or others may
 *	read is refused), makes itself non-dumpable (PR_SET_DUMPABLE 0: no
 *	core file, and no other process of the same uid may ptrace it or read
 *	its memory), drops to queue-user and serves requests; the factory and
 *	the workers get *fd, the scheduler closes its copy. A signer that
 *	cannot load a key or drop fails the start: the relay refuses to run
 *	(its log line names the file and the problem).
 *
 *	A request is one socket (agent_request()) carrying one IPC_DKIM_SIGN
 *	frame with the queue file's read-only descriptor: the worker names
 *	nothing else. dkim_agent_serve() (in the request's own child) takes
 *	the descriptor only if it is a regular file owned by the signer's own
 *	user, queue-user (so only a queued message, never a file or pipe the
 *	worker made, can be signed), signs it with dkim_sign_fd(), which
 *	decides from the file's own origin record and From: whether to sign,
 *	and answers one IPC_DKIM_ANSWER frame: the verdict (1 signed, 0 not
 *	to be signed, 2 error), the DKIM-Signature fields (at most
 *	DKIM_SIGN_OUT_MAX bytes) and a note for the log. The request must
 *	arrive within timeout_ms.
 *	Keys are read once: a changed key or dkim-sign line takes effect when
 *	the relay restarts (a reload keeps the signer as it is).
 * DIAGNOSTICS
 *	dkim_agent_start() returns 0, or -1 with err set.
 */
#include <stddef.h>

#include "config.h"
#include "relay/dkim_sign.h"

#define DKIM_AGENT_REQUEST_TIMEOUT_MS 30000

int dkim_agent_start(const struct config *c, int *fd, char *err, size_t errlen);
void dkim_agent_serve(int conn, const struct dkim_keys *ks, int timeout_ms);

#endif
