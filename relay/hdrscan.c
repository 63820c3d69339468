/* hdrscan - header section and 8-bit scan of a queued message; see hdrscan.h. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "relay/hdrscan.h"

/* Length of the complete lines in p[0..n) (through the last LF). */
static size_t hdrscan_whole_lines(const char *p, size_t n)
{
	while (n > 0 && p[n - 1] != '\n')
		n--;
	return n;
}

/* Offset of the empty line ending the header section in p, or n if none. */
static size_t hdrscan_end(const char *p, size_t n, size_t *blank_len)
{
	size_t i = 0;

	while (i < n) {
		const char *lf;

		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')) {
			*blank_len = p[i] == '\n' ? 1 : 2;
			return i;
		}
		lf = memchr(p + i, '\n', n - i);
		if (!lf)
			break;
		i = (size_t)(lf - p) + 1;
	}
	*blank_len = 0;
	return n;
}

int hdrscan_read(int fd, unsigned long long len, size_t max, struct str *hdr,
		unsigned long long *body_off)
{
	char chunk[8192];
	unsigned long long off = 0;
	size_t end, blank;

	str_truncate(hdr, 0);
	while (off < len && hdr->len < max) {
		size_t want = sizeof chunk;
		ssize_t r;

		if (len - off < want)
			want = (size_t)(len - off);
		r = pread(fd, chunk, want, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (str_append(hdr, chunk, (size_t)r) < 0)
			return -1;
		off += (unsigned long long)r;
		end = hdrscan_end(hdr->s, hdr->len, &blank);
		if (blank > 0 || off >= len)
			break;
	}
	end = hdrscan_end(hdr->s ? hdr->s : "", hdr->len, &blank);
	if (blank > 0) {
		*body_off = end + blank;
	} else if (off >= len) {
		*body_off = len;		/* all header, no body */
	} else {
		end = hdrscan_whole_lines(hdr->s, hdr->len < max ? hdr->len : max);
		*body_off = end;
	}
	if (end > max)
		end = hdrscan_whole_lines(hdr->s, max);
	str_truncate(hdr, end);
	return 0;
}

size_t hdrscan_count(const char *h, size_t n, const char *name)
{
	size_t nlen = strlen(name), i = 0, count = 0;

	while (i < n) {
		const char *lf = memchr(h + i, '\n', n - i);
		size_t line = lf ? (size_t)(lf - (h + i)) : n - i;

		if (line > nlen && h[i + nlen] == ':' && strncasecmp(h + i, name, nlen) == 0)
			count++;
		i += line + 1;
	}
	return count;
}

int hdrscan_has_8bit(int fd, unsigned long long len)
{
	char chunk[65536];
	unsigned long long off = 0;

	while (off < len) {
		size_t want = len - off < sizeof chunk ? (size_t)(len - off) : sizeof chunk, i;
		ssize_t r = pread(fd, chunk, want, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 0;
		for (i = 0; i < (size_t)r; i++)
			if ((unsigned char)chunk[i] >= 0x80)
				return 1;
		off += (unsigned long long)r;
	}
	return 0;
}
