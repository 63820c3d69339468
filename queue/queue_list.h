#ifndef TERN_QUEUE_LIST_H
#define TERN_QUEUE_LIST_H
/*
 * NAME
 *	queue_list - the queue listing shared by queuectl(8) and mailq
 * SYNOPSIS
 *	int queue_list_print(struct queue *q, int fd, long long now);
 *	int queue_show_print(struct queue *q, const char *id, int fd, long long now);
 *	void queue_duration_format(char *out, size_t n, long long seconds);
 * DESCRIPTION
 *	queue_list_print() writes one line per message, oldest first:
 *	    ID AGE SIZE <SENDER>
 *	then one line per recipient:
 *	    "  " STATUS ADDRESS attempts=N next=WHEN reply=TEXT
 *	(STATUS pending, delivered or failed; WHEN "now", "in 5m" or "-" for a
 *	finished recipient; TEXT the last reply or "-"), and a last line
 *	"N messages". A message that cannot be read is listed with the reason.
 *	queue_show_print() writes the envelope and state as "key: value" lines,
 *	an empty line, then the message bytes exactly as queued.
 *	queue_duration_format() writes 42s, 5m, 3h or 2d.
 * DIAGNOSTICS
 *	0, or -1 with q->err set (errno kept). queue_list_print() fails only if
 *	the queue cannot be read at all; queue_show_print() if the message
 *	cannot be loaded or written out.
 */
#include <stddef.h>
#include "queue/queue.h"

int queue_list_print(struct queue *q, int fd, long long now);
int queue_show_print(struct queue *q, const char *id, int fd, long long now);
void queue_duration_format(char *out, size_t n, long long seconds);

#endif
