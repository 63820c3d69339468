/*
 * str - counted, bounded, growable byte strings (see str.h).
 *
 * Invariant: once s->s is allocated, cap >= len + 1, so that str_cstr()
 * can always place its NUL without allocating (and so cannot fail).
 * The limit counts content bytes only; the allocation may be limit + 1.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

int size_add(size_t a, size_t b, size_t *sum)
{
	if (a > SIZE_MAX - b)
		return -1;
	*sum = a + b;
	return 0;
}

static size_t str_limit(const struct str *s)
{
	return s->limit ? s->limit : SIZE_MAX - 1;
}

/* Make room for n more bytes plus the NUL, or fail leaving s unchanged. */
static int str_reserve(struct str *s, size_t n)
{
	size_t need, want;
	char *p;

	if (size_add(s->len, n, &need) < 0 || need > str_limit(s)) {
		errno = E2BIG;
		return -1;
	}
	if (s->s && need < s->cap)
		return 0;
	want = s->cap < 64 ? 64 : s->cap;
	while (want <= need) {
		if (want > SIZE_MAX / 2) {
			want = need + 1;
			break;
		}
		want *= 2;
	}
	/* never allocate beyond what the limit can use */
	if (want > str_limit(s) + 1)
		want = str_limit(s) + 1;
	p = realloc(s->s, want);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	s->s = p;
	s->cap = want;
	return 0;
}

int str_append(struct str *s, const void *p, size_t n)
{
	if (str_reserve(s, n) < 0)
		return -1;
	if (n)
		memcpy(s->s + s->len, p, n);
	s->len += n;
	s->s[s->len] = '\0';
	return 0;
}

int str_appendz(struct str *s, const char *z)
{
	return str_append(s, z, strlen(z));
}

int str_appendc(struct str *s, char c)
{
	return str_append(s, &c, 1);
}

int str_appendf(struct str *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_reserve(s, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(s->s + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
	return 0;
}

int str_appendu(struct str *s, unsigned long long u)
{
	char digits[24];
	size_t i = sizeof digits;

	do {
		digits[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	return str_append(s, digits + i, sizeof digits - i);
}

const char *str_cstr(struct str *s)
{
	if (!s->s)
		return "";
	s->s[s->len] = '\0';
	return s->s;
}

void str_truncate(struct str *s, size_t len)
{
	if (len < s->len) {
		s->len = len;
		s->s[len] = '\0';
	}
}

void str_free(struct str *s)
{
	free(s->s);
	s->s = NULL;
	s->len = 0;
	s->cap = 0;
}

int str_parse_ull(const char *s, size_t n, unsigned long long *v)
{
	size_t i;

	*v = 0;
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (*v > (ULLONG_MAX - d) / 10)
			return -2;
		*v = *v * 10 + d;
	}
	return 0;
}

int str_errorf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* RFC 3629 §4: the second octet's range excludes overlongs, surrogates, > U+10FFFF */
size_t str_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}
