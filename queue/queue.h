#ifndef TERN_QUEUE_H
#define TERN_QUEUE_H
/*
 * NAME
 *	queue - the on-disk queue: commit, load, per-recipient state, removal
 * SYNOPSIS
 *	int queue_open(struct queue *q, const char *path);
 *	int queue_open_commit(struct queue *q, const char *path);
 *	int queue_init(const char *path);
 *	void queue_close(struct queue *q);
 *	const char *queue_dir(const struct config *c);
 *
 *	int queue_file_create(struct queue *q, struct queue_file *f);
 *	int queue_file_write(struct queue_file *f, const void *p, size_t n);
 *	int queue_file_commit(struct queue *q, struct queue_file *f,
 *	                      const struct envelope *e, const char *received_id,
 *	                      char id[QUEUE_ID_MAX]);
 *	int queue_file_commit_named(struct queue *q, struct queue_file *f,
 *	                            const struct envelope *e, const char *id);
 *	void queue_file_abort(struct queue *q, struct queue_file *f);
 *	void queue_file_set_origin(struct queue_file *f, enum message_origin o);
 *	const char *queue_origin_name(enum message_origin o);
 *
 *	int queue_scan(struct queue *q, int (*fn)(void *ctx, const char *id), void *ctx);
 *	int queue_message_load(struct queue *q, const char *id, struct queue_message *m);
 *	int queue_message_load_fd(int fd, struct queue_message *m);
 *	void queue_message_free(struct queue_message *m);
 *	int queue_message_body(struct queue *q, const char *id, int *fd,
 *	                       unsigned long long *len);
 *	int queue_state_save(struct queue *q, const struct queue_message *m);
 *	int queue_message_remove(struct queue *q, const char *id);
 *	int queue_sweep(struct queue *q, long long now, long long tmp_max_age);
 *	int queue_retry_request(struct queue *q, const char *id);
 *	int queue_retry_take(struct queue *q, int (*fn)(void *ctx, const char *id), void *ctx);
 *
 *	int queue_id_valid(const char *id);
 *	int queue_received_id_valid(const char *rid);
 * DESCRIPTION
 *	The layout (queue(5) is the full specification):
 *
 *	  QUEUEDIR/tmp/    files being written by inject; never read by the relay
 *	  QUEUEDIR/mess/   committed messages, one file each, named by queue id:
 *	                   the message bytes, then the envelope records
 *	                   ("t" arrival, "i" received id, "o" origin, "F"
 *	                   sender, "T" rcpt...,
 *	                   NUL-terminated, ended by an empty record), then a
 *	                   fixed-size trailer giving the message length
 *	  QUEUEDIR/state/  per-recipient delivery state, written by the scheduler
 *	                   only (write new file, fsync, rename, fsync directory)
 *	  QUEUEDIR/retry/  empty files named by id (or "all"): "retry now" requests
 *
 *	queue_file_create() makes an unnamed file (O_TMPFILE in mess/, named
 *	through /proc/self/fd; f->tmpname is "") or, where that is impossible, a
 *	file in tmp/ (f->tmpname its name).
 *	Commit point: queue_file_commit() appends the envelope and trailer,
 *	fsyncs the file, links it (or renames tmp/X) to mess/ID without
 *	replacing anything and fsyncs mess/. Before that only tmp/ garbage can
 *	exist (queue_sweep() removes it); after the fsync of mess/ the message
 *	will be delivered. It returns 0 only then.
 *	queue_file_commit() makes the queue id (time and inode: unique; a
 *	letter is added in the rare case that it is taken).
 *	queue_file_commit_named() commits under the id given, which is also
 *	stored as the received id: the id smtpd chose for the message and told
 *	the client (Received:, the 250 reply), so that one id names the message
 *	everywhere. It must be both a queue id and a received id
 *	(queue_id_valid(), queue_received_id_valid(): else EINVAL); when a
 *	message of that id exists nothing is committed and errno is EEXIST.
 *	The relay learns of new files by inotify on mess/ and retry/ and rescans
 *	periodically.
 *
 *	queue_file_set_origin() records where the message came from (the "o"
 *	record): QUEUE_ORIGIN_LOCAL (sendmail, a local caller of inject, the
 *	relay's own bounces), _SUBMISSION (an SMTP client that authenticated),
 *	_RELAY (an SMTP client in relay-net) or _SMTP (any other SMTP client).
 *	A file created and never given one is committed as _UNKNOWN, which is
 *	also what a file written before the record existed reads as. The relay
 *	trusts the first three as mail of this site (DKIM signing, relay(8)).
 *	queue_origin_name() is the record's text ("local", "submission",
 *	"relay", "smtp", "" for unknown).
 *
 *	queue_open_commit() opens only what queue_file_create(), _commit() and
 *	_abort() use (the queue, tmp/ and mess/; statefd and retryfd stay -1):
 *	inject's per-message path.
 *	queue_init() creates the directories (mode 0700, the caller's owner).
 *	queue_dir() is cfg->queue_dir when not setuid/setgid, else the compiled
 *	QUEUEDIR.
 *
 *	queue_message_load() reads the envelope and, if present, state/ID, and
 *	fills m; a message without state has every recipient RCPT_PENDING with
 *	no attempts. queue_message_body() opens mess/ID read-only and gives the
 *	message length (the bytes to deliver start at offset 0).
 *	queue_state_save() writes m's recipient states durably.
 *	queue_message_remove() unlinks mess/ID then state/ID (no fsync: a lost
 *	unlink only means a repeated delivery, which at-least-once allows).
 *	queue_sweep() removes tmp/ files older than tmp_max_age seconds and
 *	state/ files without a message.
 *	queue_retry_request() asks the relay to retry id (NULL: everything) now;
 *	queue_retry_take() hands each pending request to fn (id NULL for "all")
 *	and removes it.
 *
 *	queue_id_valid() says whether id can name a message: 1..QUEUE_ID_MAX-1
 *	letters and digits (never a path). queue_received_id_valid() says
 *	whether rid may be stored as a received id: [A-Za-z0-9.-]{1,32}.
 *
 *	A reply stored in state has CR, LF and NUL replaced by spaces first
 *	(network-derived text: no line break or NUL may reach a state record).
 * DIAGNOSTICS
 *	Functions return 0, or -1 with errno set and a message naming the path
 *	in q->err. queue_message_load() on a malformed file returns -1 with errno
 *	EBADMSG. fn callbacks return 0 to continue, nonzero to stop (returned).
 */
#include <stddef.h>
#include "config.h"
#include "envelope.h"

#define QUEUE_ID_MAX 40

struct queue {
	int dirfd, tmpfd, messfd, statefd, retryfd;
	char path[4096];
	char err[512];
};

enum message_origin {
	QUEUE_ORIGIN_UNKNOWN,
	QUEUE_ORIGIN_LOCAL,
	QUEUE_ORIGIN_SUBMISSION,
	QUEUE_ORIGIN_RELAY,
	QUEUE_ORIGIN_SMTP,
};

struct queue_file {
	int fd;
	char tmpname[64];
	unsigned long long len;
	enum message_origin origin;	/* queue_file_set_origin() */
};

enum rcpt_status { RCPT_PENDING, RCPT_DELIVERED, RCPT_FAILED };

struct queue_rcpt {
	char *address;
	enum rcpt_status status;
	unsigned attempts;
	long long last_try, next_try;	/* unix seconds; 0: never / now */
	char *reply;			/* last reply, "" if none */
};

struct queue_message {
	char id[QUEUE_ID_MAX];
	long long arrival;
	unsigned long long size;	/* message bytes */
	char *sender;			/* "" for the null sender */
	char *received_id;		/* smtpd's id, "" if none */
	enum message_origin origin;
	struct queue_rcpt *rcpt;
	size_t nrcpt;
};

int queue_open(struct queue *q, const char *path);
int queue_open_commit(struct queue *q, const char *path);
int queue_init(const char *path);
void queue_close(struct queue *q);
const char *queue_dir(const struct config *c);

int queue_file_create(struct queue *q, struct queue_file *f);
int queue_file_write(struct queue_file *f, const void *p, size_t n);
int queue_file_commit(struct queue *q, struct queue_file *f,
		      const struct envelope *e, const char *received_id,
		      char id[QUEUE_ID_MAX]);
int queue_file_commit_named(struct queue *q, struct queue_file *f, const struct envelope *e,
			    const char *id);
void queue_file_abort(struct queue *q, struct queue_file *f);
void queue_file_set_origin(struct queue_file *f, enum message_origin o);
const char *queue_origin_name(enum message_origin o);

int queue_scan(struct queue *q, int (*fn)(void *ctx, const char *id), void *ctx);
int queue_message_load(struct queue *q, const char *id, struct queue_message *m);
int queue_message_load_fd(int fd, struct queue_message *m);
void queue_message_free(struct queue_message *m);
int queue_message_body(struct queue *q, const char *id, int *fd,
		       unsigned long long *len);
int queue_state_save(struct queue *q, const struct queue_message *m);
int queue_message_remove(struct queue *q, const char *id);
int queue_sweep(struct queue *q, long long now, long long tmp_max_age);
int queue_retry_request(struct queue *q, const char *id);
int queue_retry_take(struct queue *q, int (*fn)(void *ctx, const char *id), void *ctx);
int queue_id_valid(const char *id);
int queue_received_id_valid(const char *rid);

#endif
