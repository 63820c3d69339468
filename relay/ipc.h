#ifndef TERN_IPC_H
#define TERN_IPC_H
/*
 * NAME
 *	ipc - typed, length-prefixed messages between the scheduler, the worker
 *	factory and the delivery workers (never text parsed ad hoc)
 * SYNOPSIS
 *	int ipc_send(int fd, unsigned type, const void *p, size_t len, int passfd);
 *	int ipc_recv(int fd, unsigned *type, struct str *payload, int *passfd,
 *	             int timeout_ms);
 *	void ipc_reader_init(struct ipc_reader *r);
 *	int ipc_reader_fill(struct ipc_reader *r, int fd);
 *	int ipc_reader_next(struct ipc_reader *r, unsigned *type,
 *	                    const char **p, size_t *len);
 *	void ipc_reader_free(struct ipc_reader *r);
 *
 *	int ipc_put_u32(struct str *s, uint32_t v);
 *	int ipc_put_u64(struct str *s, uint64_t v);
 *	int ipc_put_str(struct str *s, const char *z);
 *	void ipc_dec_init(struct ipc_dec *d, const char *p, size_t len);
 *	uint32_t ipc_get_u32(struct ipc_dec *d);
 *	uint64_t ipc_get_u64(struct ipc_dec *d);
 *	const char *ipc_get_str(struct ipc_dec *d, size_t max);
 *
 *	int ipc_job_encode(struct str *s, uint64_t jobid, const struct deliver_job *j);
 *	int ipc_job_decode(const char *p, size_t len, uint64_t *jobid,
 *	                   struct deliver_job *j, const char ***rcptmem);
 *	int ipc_result_encode(struct str *s, uint64_t jobid, size_t nrcpt,
 *	                      const struct deliver_result *r);
 *	int ipc_result_decode(const char *p, size_t len, uint64_t jobid, size_t nrcpt,
 *	                      struct deliver_result *r);
 * DESCRIPTION
 *	A frame is a 4-byte type and a 4-byte payload length (host order: both
 *	ends are the same program on the same host) followed by the payload, at
 *	most IPC_MAX bytes. The stream is a SOCK_STREAM unix socketpair; a file
 *	descriptor (the message body, opened read-only by the scheduler, or a
 *	new worker's socket from the factory) travels with SCM_RIGHTS on the
 *	frame's first byte, so workers never need to open the queue.
 *
 *	ipc_send() writes one frame (blocking; passfd -1 for none).
 *	ipc_recv() reads one frame, waiting at most timeout_ms for each part
 *	(-1: forever); *passfd gets a received descriptor or -1.
 *	The reader is the scheduler's non-blocking side: ipc_reader_fill() reads
 *	what is available, ipc_reader_next() hands out each complete frame (its
 *	payload stays valid until the next fill).
 *
 *	Payload fields: u32, u64, and strings as u32 length, bytes, NUL.
 *	ipc_get_str() returns a pointer into the payload, NUL-terminated, or NULL
 *	when the string is truncated, longer than max or holds a NUL; any
 *	failure sets d->err and later gets return 0/NULL.
 *
 *	Jobs: ipc_job_decode() points j's strings into p; *rcptmem (free it) holds
 *	the recipient pointer array; body_fd is set to -1 (the caller fills it
 *	from the frame). Results: ipc_result_decode() is where the scheduler
 *	checks what a worker claims: the job id and recipient count must match
 *	the job it sent, codes must lie in 200..599, text is bounded and any
 *	control byte becomes a space, remote_mta must look like a host name or
 *	address (else it is emptied), tls must hold only the characters of a
 *	protocol and cipher description and comes only with a remote_mta
 *	(else it is emptied), the "again" flag of a recipient holds
 *	only with a 4xx code. A worker can lie about a result, nothing more.
 * DIAGNOSTICS
 *	ipc_send/ipc_recv return 0, 1 at end of file (ipc_recv only), or -1
 *	with errno set (EPROTO for a malformed frame, ETIMEDOUT).
 *	ipc_reader_fill returns 1 on end of file, 0 otherwise (also when no data
 *	was ready), -1 on error. ipc_reader_next returns 1 with a frame, 0 when
 *	none is complete, -1 when the frame header is invalid.
 *	Encoders return 0 or -1 (as str_append); decoders 0 or -1 (EPROTO).
 */
#include <stddef.h>
#include <stdint.h>

#include "str.h"
#include "relay/deliver.h"

#define IPC_MAX (4u << 20)

enum ipc_type {
	IPC_JOB = 1,		/* scheduler -> worker, with the body fd */
	IPC_RESULT,		/* worker -> scheduler */
	IPC_SPAWN,		/* scheduler -> factory: make one worker */
	IPC_WORKER,		/* factory -> scheduler: u32 pid, with the socket fd */
	IPC_RELOAD,		/* scheduler -> factory: reread the configuration */
	IPC_DKIM_SIGN,		/* worker -> DKIM signer, with the body fd */
	IPC_DKIM_ANSWER,	/* signer -> worker: u32 verdict, str fields, str note */
};

struct ipc_reader {
	struct str buf;
	size_t used;		/* bytes of buf already handed out */
};

struct ipc_dec {
	const char *p;
	size_t len, off;
	int err;
};

int ipc_send(int fd, unsigned type, const void *p, size_t len, int passfd);
int ipc_recv(int fd, unsigned *type, struct str *payload, int *passfd, int timeout_ms);
void ipc_reader_init(struct ipc_reader *r);
int ipc_reader_fill(struct ipc_reader *r, int fd);
int ipc_reader_next(struct ipc_reader *r, unsigned *type, const char **p, size_t *len);
void ipc_reader_free(struct ipc_reader *r);

int ipc_put_u32(struct str *s, uint32_t v);
int ipc_put_u64(struct str *s, uint64_t v);
int ipc_put_str(struct str *s, const char *z);
void ipc_dec_init(struct ipc_dec *d, const char *p, size_t len);
uint32_t ipc_get_u32(struct ipc_dec *d);
uint64_t ipc_get_u64(struct ipc_dec *d);
const char *ipc_get_str(struct ipc_dec *d, size_t max);

int ipc_job_encode(struct str *s, uint64_t jobid, const struct deliver_job *j);
int ipc_job_decode(const char *p, size_t len, uint64_t *jobid,
		   struct deliver_job *j, const char ***rcptmem);
int ipc_result_encode(struct str *s, uint64_t jobid, size_t nrcpt,
		      const struct deliver_result *r);
int ipc_result_decode(const char *p, size_t len, uint64_t jobid, size_t nrcpt,
		      struct deliver_result *r);

#endif
