/*
 * cdb_make - the cdb writer (see cdb.h). Ours rather than tinycdb's
 * libcdb: the reader had to be ours for the musl smtpd (cdb.c), and a
 * writer of the same ~100 lines keeps both ends of the format in one
 * place and the build free of another library. t/e2e/map_cdb.sh checks
 * both against tinycdb's cdb(1).
 *
 * Records are written as they are added (after a 2,048-byte placeholder
 * for the header); each record's hash and position is kept in memory,
 * 8 bytes a record, and the tables are built at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdb.h"

#define CDB_HEADER 2048
#define CDB_LIMIT 0xffffffffULL

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static int make_flush(struct cdb_make *m)
{
	size_t off = 0;
	ssize_t r;

	while (off < m->buflen) {
		r = write(m->fd, m->buf + off, m->buflen - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		off += (size_t)r;
	}
	m->buflen = 0;
	return 0;
}

static int make_write(struct cdb_make *m, const void *p, size_t len)
{
	const char *s = p;

	while (len) {
		size_t n = sizeof m->buf - m->buflen;
		if (n > len)
			n = len;
		memcpy(m->buf + m->buflen, s, n);
		m->buflen += n;
		s += n;
		len -= n;
		if (m->buflen == sizeof m->buf && make_flush(m) < 0)
			return -1;
	}
	return 0;
}

int cdb_make_start(struct cdb_make *m, int fd)
{
	static const char zero[CDB_HEADER];

	memset(m, 0, sizeof *m);
	m->fd = fd;
	m->pos = CDB_HEADER;
	return make_write(m, zero, sizeof zero);
}

static int make_advance(struct cdb_make *m, uint64_t n)
{
	if (n > CDB_LIMIT - m->pos) {
		errno = EFBIG;
		return -1;
	}
	m->pos += n;
	return 0;
}

int cdb_make_add(struct cdb_make *m, const void *key, size_t klen,
		 const void *data, size_t dlen)
{
	unsigned char head[8];
	uint64_t pos = m->pos;

	if (klen > CDB_LIMIT || dlen > CDB_LIMIT || make_advance(m, 8 + (uint64_t)klen) < 0 ||
	    make_advance(m, dlen) < 0) {
		m->pos = pos;
		errno = EFBIG;
		return -1;
	}
	if (m->nslots == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct cdb_slot *s = cap > SIZE_MAX / sizeof *s ? NULL :
				     realloc(m->slots, cap * sizeof *s);
		if (!s) {
			m->pos = pos;
			return -1;
		}
		m->slots = s;
		m->cap = cap;
	}
	m->slots[m->nslots].hash = cdb_hash(key, klen);
	m->slots[m->nslots].pos = (uint32_t)pos;
	m->nslots++;
	put_u32(head, (uint32_t)klen);
	put_u32(head + 4, (uint32_t)dlen);
	if (make_write(m, head, 8) < 0 || make_write(m, key, klen) < 0 ||
	    make_write(m, data, dlen) < 0)
		return -1;
	return 0;
}

/* Write table t (its records' slots in tab, n of them) at m->pos. */
static int make_table(struct cdb_make *m, const struct cdb_slot *tab, size_t n,
		      struct cdb_slot *space)
{
	size_t len = n * 2, i, j;
	unsigned char pair[8];

	memset(space, 0, len * sizeof *space);
	for (i = 0; i < n; i++) {	/* open addressing, as the reader probes */
		j = (tab[i].hash >> 8) % len;
		while (space[j].pos)
			j = j + 1 == len ? 0 : j + 1;
		space[j] = tab[i];
	}
	for (i = 0; i < len; i++) {
		put_u32(pair, space[i].hash);
		put_u32(pair + 4, space[i].pos);
		if (make_write(m, pair, 8) < 0)
			return -1;
	}
	return 0;
}

int cdb_make_finish(struct cdb_make *m)
{
	unsigned char header[CDB_HEADER];
	size_t count[256] = { 0 }, start[256], i, max = 0;
	struct cdb_slot *sorted = NULL, *space = NULL;
	int r = -1;

	for (i = 0; i < m->nslots; i++)
		count[m->slots[i].hash & 255]++;
	for (i = 0; i < 256; i++) {
		start[i] = i ? start[i - 1] + count[i - 1] : 0;
		if (count[i] > max)
			max = count[i];
	}
	if (m->nslots > SIZE_MAX / sizeof *sorted / 2 ||
	    !(sorted = malloc((m->nslots + 1) * sizeof *sorted)) ||
	    !(space = malloc((max * 2 + 1) * sizeof *space)))
		goto done;
	for (i = 0; i < m->nslots; i++)	/* stable: equal keys keep their order */
		sorted[start[m->slots[i].hash & 255]++] = m->slots[i];
	for (i = 0; i < 256; i++) {
		size_t first = start[i] - count[i];
		put_u32(header + i * 8, (uint32_t)m->pos);
		put_u32(header + i * 8 + 4, (uint32_t)(count[i] * 2));
		if (make_advance(m, (uint64_t)count[i] * 16) < 0)
			goto done;
		if (make_table(m, sorted + first, count[i], space) < 0)
			goto done;
	}
	if (make_flush(m) < 0)
		goto done;
	if (pwrite(m->fd, header, sizeof header, 0) != (ssize_t)sizeof header) {
		if (errno == 0)
			errno = EIO;
		goto done;
	}
	r = 0;
done:
	free(sorted);
	free(space);
	return r;
}

void cdb_make_free(struct cdb_make *m)
{
	free(m->slots);
	m->slots = NULL;
	m->nslots = m->cap = 0;
}
