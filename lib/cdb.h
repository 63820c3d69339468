#ifndef TERN_CDB_H
#define TERN_CDB_H
/*
 * NAME
 *	cdb - constant databases: D. J. Bernstein's cdb format, read and written
 * SYNOPSIS
 *	uint32_t cdb_hash(const void *key, size_t len);
 *
 *	int cdb_open(struct cdb *db, int dirfd, const char *path);
 *	int cdb_find(struct cdb *db, const void *key, size_t klen,
 *	             uint32_t *dpos, uint32_t *dlen);
 *	int cdb_read(struct cdb *db, void *buf, size_t len, uint32_t pos);
 *	void cdb_close(struct cdb *db);
 *
 *	int cdb_make_start(struct cdb_make *m, int fd);
 *	int cdb_make_add(struct cdb_make *m, const void *key, size_t klen,
 *	                 const void *data, size_t dlen);
 *	int cdb_make_finish(struct cdb_make *m);
 *	void cdb_make_free(struct cdb_make *m);
 * DESCRIPTION
 *	A cdb file is a 2,048-byte header of 256 (position, slot count) pairs,
 *	the records (key length, data length, key, data) from offset 2048, and
 *	256 open-addressing hash tables of (hash, record position) slots; every
 *	number is a 32-bit little-endian word, so a file is at most 4 GB. The
 *	hash is h = 5381, h = (h * 33) ^ byte. A key's table is h mod 256, its
 *	first slot (h / 256) mod the table's slot count, then the next slots in
 *	turn until an empty slot (position 0) ends the search. Each table has
 *	twice as many slots as records, so a lookup reads the slot and the
 *	record: two probes on average, whatever the size of the file.
 *	The same files are read and written by tinycdb's cdb(1) and by
 *	qmail's and djbdns's cdb tools.
 *
 *	cdb_open() opens path (relative to dirfd, or AT_FDCWD) read-only and
 *	keeps the descriptor; lookups read it with pread() only, nothing is
 *	mapped, so a database rebuilt and renamed into place meanwhile does not
 *	disturb an open reader (it keeps the old inode). cdb_find() looks key
 *	up: on 1, the first record with that key holds *dlen bytes of data at
 *	*dpos, which cdb_read() reads. Every position and length read from the
 *	file is checked against its size: a truncated or corrupt file is an
 *	error, never a read out of bounds, and a search gives up after visiting
 *	every slot of the table once.
 *
 *	cdb_make_start() begins a database on fd (an empty file opened for
 *	writing); cdb_make_add() appends one record (a key may be added more
 *	than once; cdb_find() gives the first); cdb_make_finish() writes the
 *	tables and the header and flushes. The caller fsyncs and renames; see
 *	newmap(8). cdb_make_free() releases the memory in any state.
 * DIAGNOSTICS
 *	cdb_open() and cdb_make_*() return 0, or -1 with errno set (EFBIG when
 *	the file would pass 4 GB). cdb_find() returns 1 found, 0 not found, -1
 *	on a read error (errno) or a corrupt file (EPROTO). cdb_read() returns 0
 *	or -1 (a short read is EPROTO).
 */
#include <stddef.h>
#include <stdint.h>

struct cdb {
	int fd;
	uint64_t size;		/* of the file at cdb_open() */
};

struct cdb_slot {
	uint32_t hash, pos;
};

struct cdb_make {
	int fd;
	uint64_t pos;		/* where the next record goes */
	struct cdb_slot *slots;	/* one per record, in order of addition */
	size_t nslots, cap;
	char buf[8192];		/* output not yet written */
	size_t buflen;
};

uint32_t cdb_hash(const void *key, size_t len);

int cdb_open(struct cdb *db, int dirfd, const char *path);
int cdb_find(struct cdb *db, const void *key, size_t klen, uint32_t *dpos, uint32_t *dlen);
int cdb_read(struct cdb *db, void *buf, size_t len, uint32_t pos);
void cdb_close(struct cdb *db);

int cdb_make_start(struct cdb_make *m, int fd);
int cdb_make_add(struct cdb_make *m, const void *key, size_t klen,
		 const void *data, size_t dlen);
int cdb_make_finish(struct cdb_make *m);
void cdb_make_free(struct cdb_make *m);

#endif
