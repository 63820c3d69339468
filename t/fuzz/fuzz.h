/*
 * NAME
 *	fuzz - helpers shared by the libFuzzer harnesses t/fuzz/fuzz_*.c
 *	(included, not linked: static helpers)
 * SYNOPSIS
 *	void fuzz_quiet_log(void);
 *	int fuzz_memfd(const char *name);
 *	void fuzz_memfd_set(int fd, const uint8_t *data, size_t size);
 *	void fuzz_tmpdir(char dir[64], const char *name);
 *	void fuzz_write(int dirfd, const char *name, const void *p, size_t n);
 *	int fuzz_split(const uint8_t **data, size_t *size, const uint8_t **part,
 *	               size_t *partlen);
 *	char *fuzz_strdup(const uint8_t *p, size_t n);
 * DESCRIPTION
 *	fuzz_quiet_log() makes log_event() hand every line to a hook that
 *	checks it (the log sanitiser's promise: no byte below 0x20 and no 0x7f
 *	reaches a line, so peer data cannot forge one) and drops it, so that
 *	a harness neither floods stderr nor pays for a write per event.
 *
 *	fuzz_memfd() makes an anonymous file; fuzz_memfd_set() replaces its
 *	contents with data and rewinds it: an input descriptor that reads the
 *	bytes and then end of file, without a system call per byte.
 *
 *	fuzz_tmpdir() makes a fresh directory under /dev/shm (memory, so that
 *	fsync costs nothing) named after the harness, removed with all it holds
 *	when the process exits (not after a crash); fuzz_write() replaces
 *	the file name in the directory dirfd with n bytes.
 *
 *	fuzz_split() cuts the next part off the input: parts are separated by
 *	the 4 bytes "\n%%\n" (easy to write in a seed by hand); the last part
 *	is the rest. Returns 0 when no input is left.
 *	fuzz_strdup() copies n bytes into a NUL-terminated string (aborts when
 *	memory runs out: that is the harness's problem, not the code's).
 * DIAGNOSTICS
 *	Failures of the harness's own set-up abort(): a crash that names the
 *	harness, never a silent pass.
 */
#ifndef TERN_FUZZ_H
#define TERN_FUZZ_H
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "log_private.h"

/* the entry points libFuzzer calls, defined by each harness */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SEP "\n%%\n"
#define FUZZ_SEP_LEN 4

static int fuzz_log_check(int priority, const char *text, const struct log_field *fields)
{
	const unsigned char *p;

	(void)priority;
	(void)fields;
	for (p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();	/* a raw control byte in a log line */
	return 0;
}

static inline void fuzz_quiet_log(void)
{
	log_init("fuzz");
	log_journal_hook = fuzz_log_check;
}

static inline int fuzz_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		abort();
	return fd;
}

static inline void fuzz_memfd_set(int fd, const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
}

static char fuzz_tmpdir_path[64];

static int fuzz_remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

static void fuzz_tmpdir_remove(void)
{
	nftw(fuzz_tmpdir_path, fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void fuzz_tmpdir(char dir[64], const char *name)
{
	snprintf(dir, 64, "/dev/shm/tern-fuzz-%s.XXXXXX", name);
	if (!mkdtemp(dir)) {
		snprintf(dir, 64, "/tmp/tern-fuzz-%s.XXXXXX", name);
		if (!mkdtemp(dir))
			abort();
	}
	if (!fuzz_tmpdir_path[0]) {
		memcpy(fuzz_tmpdir_path, dir, 64);
		atexit(fuzz_tmpdir_remove);
	}
}

static inline void fuzz_write(int dirfd, const char *name, const void *p, size_t n)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
		abort();
	close(fd);
}

static inline int fuzz_split(const uint8_t **data, size_t *size, const uint8_t **part,
			     size_t *partlen)
{
	const uint8_t *sep;

	if (!*data)
		return 0;
	*part = *data;
	sep = memmem(*data, *size, FUZZ_SEP, FUZZ_SEP_LEN);
	if (!sep) {
		*partlen = *size;
		*data = NULL;
		*size = 0;
		return 1;
	}
	*partlen = (size_t)(sep - *data);
	*size -= *partlen + FUZZ_SEP_LEN;
	*data = sep + FUZZ_SEP_LEN;
	return 1;
}

static inline char *fuzz_strdup(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

#endif
