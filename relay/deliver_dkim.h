#ifndef TERN_DELIVER_DKIM_H
#define TERN_DELIVER_DKIM_H
/*
 * NAME
 *	deliver_dkim - a delivery worker asks the DKIM signer for signatures
 * SYNOPSIS
 *	void deliver_dkim_set_signer(int fd);
 *	int deliver_dkim_sign(const struct deliver_job *job, struct str *fields);
 * DESCRIPTION
 *	deliver_dkim_set_signer() gives the worker the signer's request socket
 *	(dkim_agent.h), or -1 to close it (the scheduler keeps none).
 *	deliver_dkim_sign() sends job->body_fd (the queue file the scheduler
 *	opened) to the signer and puts the DKIM-Signature fields it answers
 *	into fields. The signer alone decides whether the message is signed;
 *	the worker never sees a key. It waits at most DKIM_RESULT_TIMEOUT_MS.
 *	A signer that fails, is gone or is too slow leaves the message
 *	unsigned and is logged at LOG_ERR with the queue id: mail is never
 *	deferred for want of a signature.
 * DIAGNOSTICS
 *	deliver_dkim_sign() returns 1 when fields holds signatures, else 0.
 */
#include "relay/deliver.h"
#include "str.h"

#define DKIM_RESULT_TIMEOUT_MS 60000

void deliver_dkim_set_signer(int fd);
int deliver_dkim_sign(const struct deliver_job *job, struct str *fields);

#endif
