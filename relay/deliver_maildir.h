#ifndef TERN_DELIVER_MAILDIR_H
#define TERN_DELIVER_MAILDIR_H
/*
 * NAME
 *	deliver_maildir - a delivery worker's side of Maildir delivery: hand
 *	the job to the Maildir writer (runs as relay-user, writes nothing)
 * SYNOPSIS
 *	void deliver_maildir_set_writer(int fd);
 *	void deliver_maildir(const struct deliver_job *job, struct deliver_result *res);
 * DESCRIPTION
 *	deliver_maildir_set_writer() records the request socket of the Maildir
 *	writer (maildir_agent.h) for the workers forked after it; -1 closes the
 *	recorded one (the scheduler does so once the worker factory holds it).
 *
 *	deliver_maildir() makes a socketpair, sends one end to the writer,
 *	sends the job over the other (IPC_JOB with job->body_fd, the same frame
 *	the scheduler sends a worker) and reads one IPC_RESULT, checked by
 *	ipc_result_decode() as the scheduler checks a worker's. Without a
 *	writer, or when it fails, every recipient gets a 4xx, so the relay
 *	retries: 451 4.3.5 (no writer: the relay started without a maildir:
 *	route) or 451 4.3.0 naming what failed.
 * DIAGNOSTICS
 *	None; every outcome is a per-recipient result.
 */
#include "relay/deliver.h"

void deliver_maildir_set_writer(int fd);
void deliver_maildir(const struct deliver_job *job, struct deliver_result *res);

#endif
