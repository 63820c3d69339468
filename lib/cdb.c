/*
 * cdb - the cdb reader (see cdb.h). Used by smtpd, a static musl program:
 * tinycdb's libcdb.a is built against glibc (it calls glibc's __fxstat64,
 * which musl does not have), so the reader is ours; the format fits in a
 * page and is the same for every implementation.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdb.h"

#define CDB_HEADER 2048

uint32_t cdb_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint32_t h = 5381;

	while (len--)
		h = ((h << 5) + h) ^ *p++;
	return h;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int cdb_open(struct cdb *db, int dirfd, const char *path)
{
	struct stat st;

	db->fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (db->fd < 0)
		return -1;
	if (fstat(db->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < CDB_HEADER) {
		int e = errno;
		if (fstat(db->fd, &st) == 0)
			e = EPROTO;	/* not a file, or too short for the header */
		close(db->fd);
		db->fd = -1;
		errno = e;
		return -1;
	}
	db->size = (uint64_t)st.st_size;
	return 0;
}

void cdb_close(struct cdb *db)
{
	if (db->fd >= 0)
		close(db->fd);
	db->fd = -1;
}

int cdb_read(struct cdb *db, void *buf, size_t len, uint32_t pos)
{
	char *p = buf;
	ssize_t r;

	if ((uint64_t)pos + len > db->size) {
		errno = EPROTO;
		return -1;
	}
	while (len) {
		r = pread(db->fd, p, len, (off_t)pos);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EPROTO;
			return -1;
		}
		p += r;
		pos += (uint32_t)r;
		len -= (size_t)r;
	}
	return 0;
}

/* Does the record at pos hold key? 1 yes (data position and length set), 0 no. */
static int record_match(struct cdb *db, uint32_t pos, const void *key, size_t klen,
			uint32_t *dpos, uint32_t *dlen)
{
	unsigned char head[8], chunk[256];
	const unsigned char *k = key;
	uint32_t rk, off = 0;

	if (cdb_read(db, head, 8, pos) < 0)
		return -1;
	rk = get_u32(head);
	if (rk != klen)
		return 0;
	while (off < rk) {
		size_t n = rk - off < sizeof chunk ? rk - off : sizeof chunk;
		if (cdb_read(db, chunk, n, pos + 8 + off) < 0)
			return -1;
		if (memcmp(chunk, k + off, n) != 0)
			return 0;
		off += (uint32_t)n;
	}
	*dlen = get_u32(head + 4);
	*dpos = pos + 8 + rk;
	if ((uint64_t)*dpos + *dlen > db->size) {
		errno = EPROTO;
		return -1;
	}
	return 1;
}

int cdb_find(struct cdb *db, const void *key, size_t klen, uint32_t *dpos, uint32_t *dlen)
{
	uint32_t h = cdb_hash(key, klen), tpos, tslots, slot, i;
	unsigned char pair[8];
	int r;

	if (klen > 0xffffffffu)
		return 0;
	if (cdb_read(db, pair, 8, (h & 255) * 8) < 0)
		return -1;
	tpos = get_u32(pair);
	tslots = get_u32(pair + 4);
	if (tslots == 0)
		return 0;
	if ((uint64_t)tpos + (uint64_t)tslots * 8 > db->size) {
		errno = EPROTO;
		return -1;
	}
	slot = (h >> 8) % tslots;
	for (i = 0; i < tslots; i++) {	/* each slot at most once: no endless loop */
		if (cdb_read(db, pair, 8, tpos + slot * 8) < 0)
			return -1;
		if (get_u32(pair + 4) == 0)
			return 0;
		if (get_u32(pair) == h &&
		    (r = record_match(db, get_u32(pair + 4), key, klen, dpos, dlen)) != 0)
			return r;
		if (++slot == tslots)
			slot = 0;
	}
	return 0;
}
