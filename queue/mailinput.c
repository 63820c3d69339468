/*
 * mailinput.c - sendmail's input handling (mailinput.h): CRLF normalising,
 * the optional "." terminator, header block and RFC 5322 address lists.
 */
#include <string.h>
#include <strings.h>

#include "queue/mailinput.h"

void mailinput_init(struct mailinput *m, int dot_ends)
{
	memset(m, 0, sizeof *m);
	m->dot_ends = dot_ends;
	m->at_bol = 1;
}

/* line_end: a line ended; a lone "." line ends the input (returns 1). */
static int line_end(struct mailinput *m, struct str *out)
{
	if (m->dot_pending) {
		m->done = 1;
		return 1;
	}
	if (str_append(out, "\r\n", 2) < 0)
		return -1;
	m->at_bol = 1;
	return 0;
}

int mailinput_feed(struct mailinput *m, const char *p, size_t n, struct str *out)
{
	size_t i;
	int r;

	if (m->done)
		return 1;
	for (i = 0; i < n; i++) {
		char c = p[i];
		if (m->prev_cr) {
			m->prev_cr = 0;
			if ((r = line_end(m, out)) != 0)
				return r;
			if (c == '\n')
				continue;	/* CRLF: one line end */
		}
		if (c == '\r') {
			m->prev_cr = 1;
			continue;
		}
		if (c == '\n') {
			if ((r = line_end(m, out)) != 0)
				return r;
			continue;
		}
		if (m->at_bol && c == '.' && m->dot_ends) {
			m->dot_pending = 1;
			m->at_bol = 0;
			continue;
		}
		if (m->dot_pending) {
			if (str_appendc(out, '.') < 0)
				return -1;
			m->dot_pending = 0;
		}
		if (str_appendc(out, c) < 0)
			return -1;
		m->at_bol = 0;
	}
	return 0;
}

int mailinput_finish(struct mailinput *m, struct str *out)
{
	int r;

	if (m->done)
		return 1;
	if (m->prev_cr) {
		m->prev_cr = 0;
		if ((r = line_end(m, out)) != 0)
			return r;
	}
	if (m->dot_pending) {	/* "." then EOF: the terminator without its line end */
		m->done = 1;
		return 1;
	}
	if (!m->at_bol && str_append(out, "\r\n", 2) < 0)
		return -1;
	m->at_bol = 1;
	m->done = 1;
	return 0;
}

/* field_line: RFC 5322 §2.2: field name of printable US-ASCII except ":", then ":". */
static int field_line(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == ':')
			return i > 0;
		if (c < 33 || c > 126)
			return 0;
	}
	return 0;
}

int mailinput_header_end(const char *p, size_t len, size_t *scan, size_t *hdr_len,
			 size_t *body_start)
{
	size_t pos = *scan;

	for (;;) {
		const char *crlf = memmem(p + pos, len - pos, "\r\n", 2);
		size_t ll;
		if (!crlf) {
			*scan = pos;
			return 0;
		}
		ll = (size_t)(crlf - (p + pos));
		if (ll == 0) {
			*hdr_len = pos;
			*body_start = pos + 2;
			return 1;
		}
		if (!(pos > 0 && (p[pos] == ' ' || p[pos] == '\t')) && !field_line(p + pos, ll)) {
			*hdr_len = pos;
			*body_start = pos;
			return 1;
		}
		pos += ll + 2;
	}
}

int mailinput_field_next(const char *p, size_t len, size_t *pos, struct mailinput_field *f)
{
	size_t s = *pos, e = s, vend;
	const char *colon;

	if (s >= len)
		return 0;
	for (;;) {
		const char *crlf = memmem(p + e, len - e, "\r\n", 2);
		if (!crlf) {
			e = len;
			break;
		}
		e = (size_t)(crlf - p) + 2;
		if (e < len && (p[e] == ' ' || p[e] == '\t'))
			continue;
		break;
	}
	vend = e >= s + 2 && p[e - 2] == '\r' && p[e - 1] == '\n' ? e - 2 : e;
	colon = memchr(p + s, ':', vend - s);
	f->name = p + s;
	f->name_len = colon ? (size_t)(colon - (p + s)) : 0;
	f->value = colon ? colon + 1 : p + vend;
	f->value_len = (size_t)((p + vend) - f->value);
	f->start = s;
	f->len = e - s;
	*pos = e;
	return 1;
}

int mailinput_field_is(const struct mailinput_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

struct addr_elem {
	char plain[1024], angle[1024];
	size_t plain_len, angle_len;
	int have_angle;
};

static void elem_put(char *buf, size_t *len, char c)
{
	if (*len < 1023)	/* longer than any valid address: kept short, fails later */
		buf[(*len)++] = c;
}

/* elem_emit: hand the element's address to fn and reset the element. */
static int elem_emit(struct addr_elem *e, int (*fn)(void *, const char *, size_t), void *ctx)
{
	const char *s = e->have_angle ? e->angle : e->plain;
	size_t n = e->have_angle ? e->angle_len : e->plain_len, k;
	int rc = 0;

	if (e->have_angle && n > 0 && s[0] == '@') {	/* RFC 5322 §4.4 obs-route */
		const char *colon = memchr(s, ':', n);
		if (colon) {
			n -= (size_t)(colon + 1 - s);
			s = colon + 1;
		}
	}
	while (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
		s++, n--;
	while (n > 0 && ((k = (unsigned char)s[n - 1]) == ' ' || k == '\t' || k == '\r' || k == '\n'))
		n--;
	if (n > 0) {
		char addr[1024];
		memcpy(addr, s, n);
		addr[n] = 0;
		rc = fn(ctx, addr, n);
	}
	e->plain_len = e->angle_len = 0;
	e->have_angle = 0;
	return rc;
}

int mailinput_addrlist(const char *p, size_t n,
		       int (*fn)(void *ctx, const char *addr, size_t len), void *ctx)
{
	struct addr_elem e = { .plain_len = 0 };
	int quote = 0, angle = 0, rc;
	unsigned comment = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = p[i];
		char *buf = angle ? e.angle : e.plain;
		size_t *len = angle ? &e.angle_len : &e.plain_len;
		if (quote || comment) {
			if (c == '\\' && i + 1 < n) {
				if (quote)
					elem_put(buf, len, c), elem_put(buf, len, p[i + 1]);
				i++;
				continue;
			}
			if (quote) {
				elem_put(buf, len, c);
				quote = c != '"';
			} else {
				comment += c == '(';
				comment -= c == ')';
			}
			continue;
		}
		if (c == '(') {
			comment = 1;
		} else if (c == '"') {
			quote = 1;
			elem_put(buf, len, c);
		} else if (c == '<' && !angle) {
			angle = e.have_angle = 1;
			e.angle_len = 0;
		} else if (c == '>' && angle) {
			angle = 0;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;	/* CFWS around an addr-spec's parts (RFC 5322 §3.2.2) */
		} else if (angle) {
			elem_put(buf, len, c);
		} else if (c == ':') {
			e.plain_len = 0;	/* group name: the display name before it */
		} else if (c == ',' || c == ';') {
			if ((rc = elem_emit(&e, fn, ctx)) != 0)
				return rc;
		} else {
			elem_put(buf, len, c);
		}
	}
	return elem_emit(&e, fn, ctx);
}
