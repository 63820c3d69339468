/*
 * spool - the message into a memfd, mapped once it is complete (see
 * spool.h): DKIM reads it whole, and the forward writes it from the map
 * without a second copy in memory.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "envelope.h"
#include "spool.h"
#include "str.h"

int spool_message(int fd, unsigned long long max, struct spool *s)
{
	char buf[65536];
	unsigned long long total = 0;
	ssize_t r;
	void *map;

	s->msg = NULL;
	s->len = 0;
	if ((s->fd = memfd_create("message", MFD_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		total += (unsigned long long)r;
		if (total > max)
			return -2;
		if (fd_write_all(s->fd, buf, (size_t)r) < 0)
			return -1;
	}
	s->len = (size_t)total;
	if (!s->len) {
		s->msg = "";
		return 0;
	}
	map = mmap(NULL, s->len, PROT_READ, MAP_PRIVATE, s->fd, 0);
	if (map == MAP_FAILED)
		return -1;
	s->msg = map;
	return 0;
}

void spool_free(struct spool *s)
{
	if (s->len)
		munmap((void *)(uintptr_t)s->msg, s->len);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->len = 0;
}

int spool_envelope(int fd, struct str *env)
{
	char buf[4096];
	ssize_t r;

	for (;;) {
		r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		if (env->len + (size_t)r > ENVELOPE_MAX)
			return -2;
		if (str_append(env, buf, (size_t)r) < 0)
			return -1;
	}
}
