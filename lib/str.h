#ifndef TERN_STR_H
#define TERN_STR_H
/*
 * NAME
 *	str - counted, bounded, growable byte strings
 * SYNOPSIS
 *	struct str s = STR_INIT(limit);
 *	int str_append(struct str *s, const void *p, size_t n);
 *	int str_appendz(struct str *s, const char *z);
 *	int str_appendc(struct str *s, char c);
 *	int str_appendf(struct str *s, const char *fmt, ...);
 *	int str_appendu(struct str *s, unsigned long long u);
 *	const char *str_cstr(struct str *s);
 *	void str_truncate(struct str *s, size_t len);
 *	void str_free(struct str *s);
 *	int size_add(size_t a, size_t b, size_t *sum);
int str_parse_ull(const char *s, size_t n, unsigned long long *v);
int str_errorf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t str_utf8_len(const unsigned char *p, size_t avail);
 *	int str_parse_ull(const char *s, size_t n, unsigned long long *v);
 *	int str_errorf(char *err, size_t errlen, const char *fmt, ...);
 *	size_t str_utf8_len(const unsigned char *p, size_t avail);
 * DESCRIPTION
 *	A str holds len bytes (any bytes, NUL included) in a heap buffer that grows
 *	on demand but never beyond limit bytes (0 means SIZE_MAX). Every append is
 *	all or nothing: on failure the string is unchanged.
 *
 *	str_cstr() NUL-terminates the buffer (the NUL is not counted in len, nor
 *	against the limit) and returns it; for an empty, never-grown str it returns "".
 *	str_truncate() shortens to len (no-op if already shorter).
 *	size_add() stores a+b in *sum and returns 0, or returns -1 on overflow.
 *	str_parse_ull() reads s[0..n) as decimal digits only (no sign, blanks or
 *	base prefix) into *v: 0, or -1 for no digits or any other byte, -2 when
 *	the value does not fit (*v is then meaningless).
 *	str_errorf() formats a diagnostic into err (nothing when errlen is 0,
 *	cut to fit) and returns -1, for "return str_errorf(err, ...)" in parsers.
 *	str_utf8_len() gives the length (2-4) of the valid UTF-8 sequence of a
 *	non-ASCII character at p (avail bytes there, at least 1), or 0: overlong
 *	forms, UTF-16 surrogates and code points above U+10FFFF are invalid
 *	(RFC 3629 §4). The address parser and the log sanitiser both use it.
 * DIAGNOSTICS
 *	Appends return 0, or -1 with errno ENOMEM (allocation) or E2BIG (limit).
 */
#include <stddef.h>

struct str {
	char *s;
	size_t len;
	size_t cap;
	size_t limit;
};

#define STR_INIT(lim) { NULL, 0, 0, (lim) }

int str_append(struct str *s, const void *p, size_t n);
int str_appendz(struct str *s, const char *z);
int str_appendc(struct str *s, char c);
int str_appendf(struct str *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int str_appendu(struct str *s, unsigned long long u);
const char *str_cstr(struct str *s);
void str_truncate(struct str *s, size_t len);
void str_free(struct str *s);
int size_add(size_t a, size_t b, size_t *sum);
int str_parse_ull(const char *s, size_t n, unsigned long long *v);
int str_errorf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t str_utf8_len(const unsigned char *p, size_t avail);

#endif
