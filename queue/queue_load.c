/*
 * queue_load.c - reading committed messages, per-recipient state, removal,
 * sweeping and retry requests (queue.h, queue(5)).
 *
 * Parsing is one straight path: every record is checked for its type letter
 * and its NUL, every number for digits and range, and the records must use
 * the region exactly. Anything else is EBADMSG.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue.h"
#include "queue_format.h"
#include "str.h"

#define STATE_MAX (64u << 20)	/* bytes of state file we are willing to read */

void queue_trailer_format(char out[QUEUE_TRAILER_LEN + 1], unsigned long long msglen)
{
	snprintf(out, QUEUE_TRAILER_LEN + 1, "%s%020llu\n", QUEUE_TRAILER_MAGIC, msglen);
}

/* number_parse: 1..20 decimal digits, at most max; -1 otherwise. */
static int number_parse(const char *s, unsigned long long max, unsigned long long *out)
{
	size_t n = strlen(s);
	unsigned long long v;

	if (n > 20 || str_parse_ull(s, n, &v) < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int queue_trailer_parse(const char *t, unsigned long long *msglen)
{
	size_t m = sizeof QUEUE_TRAILER_MAGIC - 1;
	char digits[21];

	if (memcmp(t, QUEUE_TRAILER_MAGIC, m) != 0 || t[QUEUE_TRAILER_LEN - 1] != '\n')
		return -1;
	memcpy(digits, t + m, 20);
	digits[20] = 0;
	return number_parse(digits, ULLONG_MAX, msglen);
}

/* record_take: the record at *pos must have type; *value points at its text. */
static int record_take(const char *p, size_t n, size_t *pos, char type, const char **value)
{
	const char *nul;

	if (*pos >= n || p[*pos] != type)
		return -1;
	nul = memchr(p + *pos + 1, 0, n - *pos - 1);
	if (!nul)
		return -1;
	*value = p + *pos + 1;
	*pos = (size_t)(nul - p) + 1;
	return 0;
}

/* message_check: fd is a message file: give its size and msglen (EBADMSG if not). */
static int message_check(int fd, unsigned long long *size, unsigned long long *msglen)
{
	char trailer[QUEUE_TRAILER_LEN];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	errno = EBADMSG;
	if (!S_ISREG(st.st_mode) || st.st_size < QUEUE_TRAILER_LEN)
		return -1;
	if (queue_pread_exact(fd, trailer, sizeof trailer, st.st_size - QUEUE_TRAILER_LEN) < 0 ||
	    (errno = EBADMSG, queue_trailer_parse(trailer, msglen) < 0) ||
	    *msglen > (unsigned long long)st.st_size - QUEUE_TRAILER_LEN)
		return -1;
	*size = (unsigned long long)st.st_size;
	return 0;
}

/* message_open: open mess/id, check its trailer, give fd, size and msglen. */
static int message_open(struct queue *q, const char *id, int *fdp, unsigned long long *size,
			unsigned long long *msglen)
{
	int fd;

	if (!queue_id_valid(id)) {
		errno = EINVAL;
		return queue_fail(q, "open", "mess", "(bad id)");
	}
	fd = openat(q->messfd, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return queue_fail(q, "open", "mess", id);
	if (message_check(fd, size, msglen) < 0) {
		int e = errno;
		queue_fail(q, "load", "mess", id);
		close(fd);
		errno = e;
		return -1;
	}
	*fdp = fd;
	return 0;
}

int queue_message_body(struct queue *q, const char *id, int *fd, unsigned long long *len)
{
	unsigned long long size;

	return message_open(q, id, fd, &size, len);
}

void queue_message_free(struct queue_message *m)
{
	size_t i;

	for (i = 0; m->rcpt && i < m->nrcpt; i++) {
		free(m->rcpt[i].address);
		free(m->rcpt[i].reply);
	}
	free(m->rcpt);
	free(m->sender);
	free(m->received_id);
	m->rcpt = NULL;
	m->sender = m->received_id = NULL;
	m->nrcpt = 0;
}

/* records_count_rcpt: how many T records follow position pos. */
static size_t records_count_rcpt(const char *p, size_t n, size_t pos)
{
	size_t count = 0;
	const char *v;

	while (record_take(p, n, &pos, 'T', &v) == 0)
		count++;
	return count;
}

/* origin_parse: the "o" record's text; -1 for a name queue(5) does not define. */
static int origin_parse(const char *o, enum message_origin *out)
{
	enum message_origin k;

	for (k = QUEUE_ORIGIN_LOCAL; k <= QUEUE_ORIGIN_SMTP; k++)
		if (strcmp(o, queue_origin_name(k)) == 0) {
			*out = k;
			return 0;
		}
	return -1;
}

/*
 * envelope_records_parse: "t" "i", an optional "o" (files written before it
 * existed have none: origin unknown), "F" "T"+ then an empty record,
 * exactly n bytes.
 */
static int envelope_records_parse(const char *p, size_t n, struct queue_message *m)
{
	const char *t, *i, *o, *f, *v = "";
	unsigned long long arrival;
	size_t pos = 0, k;

	m->origin = QUEUE_ORIGIN_UNKNOWN;
	if (record_take(p, n, &pos, 't', &t) < 0 || number_parse(t, QUEUE_TIME_MAX, &arrival) < 0 ||
	    record_take(p, n, &pos, 'i', &i) < 0 || (i[0] && !queue_received_id_valid(i)))
		return -1;
	if (pos < n && p[pos] == 'o' &&
	    (record_take(p, n, &pos, 'o', &o) < 0 || origin_parse(o, &m->origin) < 0))
		return -1;
	if (record_take(p, n, &pos, 'F', &f) < 0)
		return -1;
	m->arrival = (long long)arrival;
	m->nrcpt = records_count_rcpt(p, n, pos);
	if (m->nrcpt == 0)
		return -1;
	m->sender = strdup(f);
	m->received_id = strdup(i);
	m->rcpt = calloc(m->nrcpt, sizeof *m->rcpt);
	if (!m->sender || !m->received_id || !m->rcpt)
		return -2;
	for (k = 0; k < m->nrcpt; k++) {
		record_take(p, n, &pos, 'T', &v);
		m->rcpt[k].address = strdup(v);
		m->rcpt[k].reply = strdup("");
		if (!m->rcpt[k].address || !m->rcpt[k].reply)
			return -2;
	}
	if (pos + 1 != n || p[pos] != 0)
		return -1;
	return 0;
}

/* state_rcpt_parse: one recipient's records of a state file. */
static int state_rcpt_parse(const char *p, size_t n, size_t *pos, struct queue_rcpt *r)
{
	const char *addr, *s, *a, *l, *x, *reply;
	unsigned long long attempts, last, next;
	char *copy;

	if (record_take(p, n, pos, 'R', &addr) < 0 || strcmp(addr, r->address) != 0 ||
	    record_take(p, n, pos, 's', &s) < 0 || s[0] == 0 || s[1] != 0 ||
	    record_take(p, n, pos, 'a', &a) < 0 || number_parse(a, UINT_MAX, &attempts) < 0 ||
	    record_take(p, n, pos, 'l', &l) < 0 || number_parse(l, QUEUE_TIME_MAX, &last) < 0 ||
	    record_take(p, n, pos, 'n', &x) < 0 || number_parse(x, QUEUE_TIME_MAX, &next) < 0 ||
	    record_take(p, n, pos, 'r', &reply) < 0 || strpbrk(reply, "\r\n"))
		return -1;
	switch (s[0]) {
	case 'P': r->status = RCPT_PENDING; break;
	case 'D': r->status = RCPT_DELIVERED; break;
	case 'F': r->status = RCPT_FAILED; break;
	default: return -1;
	}
	if (!(copy = strdup(reply)))
		return -2;
	free(r->reply);
	r->reply = copy;
	r->attempts = (unsigned)attempts;
	r->last_try = (long long)last;
	r->next_try = (long long)next;
	return 0;
}

/* state_load: read state/id into m's recipients; no file: all pending. */
static int state_load(struct queue *q, const char *id, struct queue_message *m)
{
	struct stat st;
	char *buf;
	size_t pos = 0, k;
	int fd = openat(q->statefd, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : queue_fail(q, "open", "state", id);
	if (fstat(fd, &st) < 0 || (errno = EBADMSG, !S_ISREG(st.st_mode)) ||
	    st.st_size > STATE_MAX) {
		int e = errno;
		close(fd);
		errno = e;
		return queue_fail(q, "load", "state", id);
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		errno = ENOMEM;
		return queue_fail(q, "load", "state", id);
	}
	if (queue_pread_exact(fd, buf, (size_t)st.st_size, 0) < 0)
		rc = -1;
	for (k = 0; rc == 0 && k < m->nrcpt; k++)
		rc = state_rcpt_parse(buf, (size_t)st.st_size, &pos, &m->rcpt[k]);
	if (rc == 0 && (pos + 1 != (size_t)st.st_size || buf[pos] != 0))
		rc = -1;
	free(buf);
	close(fd);
	if (rc < 0) {
		errno = rc == -2 ? ENOMEM : (errno == EIO ? EIO : EBADMSG);
		return queue_fail(q, "load", "state", id);
	}
	return 0;
}

/* envelope_load: the records of the message file on fd (size, msglen checked). */
static int envelope_load(int fd, unsigned long long size, unsigned long long msglen,
			 struct queue_message *m)
{
	unsigned long long envlen = size - QUEUE_TRAILER_LEN - msglen;
	char *buf = NULL;
	int rc;

	errno = EBADMSG;
	if (envlen > QUEUE_RECORDS_MAX || !(buf = malloc((size_t)envlen + 1))) {
		errno = buf || envlen > QUEUE_RECORDS_MAX ? EBADMSG : ENOMEM;
		rc = -1;
	} else if (queue_pread_exact(fd, buf, (size_t)envlen, (off_t)msglen) < 0) {
		rc = -1;
	} else {
		rc = envelope_records_parse(buf, (size_t)envlen, m);
		errno = rc == -2 ? ENOMEM : EBADMSG;
	}
	free(buf);
	if (rc < 0) {
		int e = errno;
		queue_message_free(m);
		errno = e;
		return -1;
	}
	m->size = msglen;
	return 0;
}

int queue_message_load_fd(int fd, struct queue_message *m)
{
	unsigned long long size, msglen;

	memset(m, 0, sizeof *m);
	if (message_check(fd, &size, &msglen) < 0)
		return -1;
	return envelope_load(fd, size, msglen, m);
}

int queue_message_load(struct queue *q, const char *id, struct queue_message *m)
{
	unsigned long long size, msglen;
	int fd, rc;

	memset(m, 0, sizeof *m);
	if (message_open(q, id, &fd, &size, &msglen) < 0)
		return -1;
	rc = envelope_load(fd, size, msglen, m);
	if (rc < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return queue_fail(q, "load", "mess", id);
	}
	close(fd);
	snprintf(m->id, sizeof m->id, "%s", id);
	if (state_load(q, id, m) < 0) {
		int e = errno;
		queue_message_free(m);
		errno = e;
		return -1;
	}
	return 0;
}
