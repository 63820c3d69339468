#ifndef TERN_QUEUE_FORMAT_H
#define TERN_QUEUE_FORMAT_H
/*
 * NAME
 *	queue_format - internals shared by the queue's own files (queue*.c)
 * SYNOPSIS
 *	int queue_fail(struct queue *q, const char *what, const char *sub, const char *name);
 *	void queue_trailer_format(char out[QUEUE_TRAILER_LEN + 1], unsigned long long msglen);
 *	int queue_trailer_parse(const char *t, unsigned long long *msglen);
 *	int queue_pread_exact(int fd, void *p, size_t n, off_t off);
 *	int queue_write_full(int fd, const void *p, size_t n);
 * DESCRIPTION
 *	Not an interface: only the queue's own files and its unit test include
 *	it; the programs (inject, queuectl, the relay) use queue.h.
 *	queue_fail() writes "what PATH/sub/name: strerror(errno)" into q->err and
 *	returns -1 with errno unchanged.
 *	The trailer (queue(5)) is QUEUE_TRAILER_LEN bytes: the magic
 *	"TERNQUEUE1:", 20 decimal digits of the message length, "\n".
 *	Times in the files are decimal Unix seconds, at most QUEUE_TIME_MAX.
 *	queue_pread_exact() reads exactly n bytes at off (EBADMSG if the file
 *	ends first). queue_write_full() writes all n bytes to a file, retrying
 *	EINTR and short writes (EIO if write returns 0).
 */
#include <sys/types.h>
#include "queue.h"

#define QUEUE_TRAILER_MAGIC "TERNQUEUE1:"
#define QUEUE_TRAILER_LEN 32
#define QUEUE_RECORDS_MAX (ENVELOPE_MAX + 4096)
/* the largest time a queue or state file may hold: 9999-12-31 23:59:59 UTC,
 * so that a corrupt file cannot make the relay's time arithmetic overflow */
#define QUEUE_TIME_MAX 253402300799ULL

int queue_fail(struct queue *q, const char *what, const char *sub, const char *name);
void queue_trailer_format(char out[QUEUE_TRAILER_LEN + 1], unsigned long long msglen);
int queue_trailer_parse(const char *t, unsigned long long *msglen);
int queue_pread_exact(int fd, void *p, size_t n, off_t off);
int queue_write_full(int fd, const void *p, size_t n);

#endif
