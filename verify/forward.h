#ifndef TERN_VERIFY_FORWARD_H
#define TERN_VERIFY_FORWARD_H
/*
 * NAME
 *	forward - hand the checked message on to the next queue program
 * SYNOPSIS
 *	int forward_strip(const char *msg, size_t len, const char *authserv_id,
 *	                  struct str *head, size_t *body, size_t *removed);
 *	int forward_message(const struct forward *f);
 * DESCRIPTION
 *	forward_strip() copies the header section of msg into head without
 *	the Authentication-Results: fields whose authserv-id is authserv_id
 *	(RFC 8601 §5: ours can only have come from outside, and a reader
 *	downstream would trust them), compared ignoring case; *removed
 *	counts them; *body is where the rest of msg (the empty line and the
 *	body) starts. Fields with another id, or none readable, are kept.
 *
 *	forward_message() runs f->program with queue_client_start()
 *	(queue_client.h: the qmail-queue protocol, the environment passed
 *	on: TERN_RECEIVED_ID, TERN_CONFDIR, TERN_CLIENT_*), writes f->ar (our
 *	header), f->head and msg from f->body on, then the envelope, and
 *	waits at most f->timeout_ms.
 * DIAGNOSTICS
 *	forward_strip() returns 0, or -1 (out of memory).
 *	forward_message() returns the exit code mailauth should exit with:
 *	the program's own, or 81 when it could not be started, 52 when it
 *	hung, 54 when it did not take the envelope, 81 when it crashed.
 */
#include <stddef.h>

#include "queue_client.h"
#include "str.h"

struct forward {
	const char *program, *received_id, *confdir;
	const struct queue_origin *origin;
	const char *ar, *head, *msg, *envelope;
	size_t arlen, headlen, body, len, envlen;
	int timeout_ms;
};

int forward_strip(const char *msg, size_t len, const char *authserv_id, struct str *head,
		  size_t *body, size_t *removed);
int forward_message(const struct forward *f);

#endif
