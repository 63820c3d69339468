/*
 * msghdr - the header section of an untrusted message (see msghdr.h).
 * Index arithmetic only inside [0, len); no allocation.
 */
#include <string.h>
#include <strings.h>

#include "msghdr.h"

/* the offset just past the line that starts at pos (its LF), or end */
static size_t line_next(const char *m, size_t end, size_t pos)
{
	const char *lf = memchr(m + pos, '\n', end - pos);

	return lf ? (size_t)(lf - m) + 1 : end;
}

size_t msghdr_end(const char *m, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		if (m[pos] == '\n' || (m[pos] == '\r' && pos + 1 < len && m[pos + 1] == '\n'))
			return pos;
		pos = line_next(m, len, pos);
	}
	return len;
}

int msghdr_next(const char *m, size_t end, size_t *pos, struct msghdr_field *f)
{
	size_t p = *pos, i, colon = 0, vend;

	if (p >= end)
		return 0;
	f->start = p;
	p = line_next(m, end, p);
	while (p < end && (m[p] == ' ' || m[p] == '\t'))	/* RFC 5322 §2.2.3 */
		p = line_next(m, end, p);
	f->stop = p;
	*pos = p;
	for (i = f->start; i < p && m[i] != '\n'; i++)
		if (m[i] == ':') {
			colon = i;
			break;
		}
	/* RFC 5322 §3.6.8: a field name is printable ASCII but ':' and blanks */
	f->name = m + f->start;
	f->namelen = colon > f->start ? colon - f->start : 0;
	for (i = f->start; i < f->start + f->namelen; i++)
		if ((unsigned char)m[i] <= 0x20 || (unsigned char)m[i] >= 0x7f)
			f->namelen = 0;
	vend = p;
	if (vend > f->start && m[vend - 1] == '\n')
		vend--;
	if (vend > f->start && m[vend - 1] == '\r')
		vend--;
	f->value = f->namelen ? m + colon + 1 : m + p;
	f->valuelen = f->namelen && vend > colon ? vend - colon - 1 : 0;
	return 1;
}

int msghdr_is(const struct msghdr_field *f, const char *name)
{
	return f->namelen == strlen(name) && strncasecmp(f->name, name, f->namelen) == 0;
}

/* skip blanks, line breaks and (nested, escaped) comments: RFC 5322 §3.2.2 CFWS */
static size_t skip_cfws(const char *v, size_t len, size_t i)
{
	size_t depth = 0;

	for (; i < len; i++) {
		char c = v[i];
		if (depth && c == '\\') {
			i++;
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (!depth && c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return i;
	}
	return len;
}

/* RFC 2045 §5.1 token characters */
static int token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

int msghdr_authserv_id(const char *v, size_t len, char *id, size_t idlen)
{
	size_t i = skip_cfws(v, len, 0), n = 0;

	if (i < len && v[i] == '"') {	/* quoted-string */
		for (i++; i < len && v[i] != '"'; i++) {
			if (v[i] == '\\' && i + 1 < len)
				i++;
			if (n + 1 >= idlen || (unsigned char)v[i] < 0x20 || v[i] == 0x7f)
				return 0;	/* no control byte (NUL!) in an id */
			id[n++] = v[i];
		}
		if (i >= len)
			return 0;	/* unterminated */
	} else {
		/* RFC 2045 token, and '@' which some write in domain-ish ids */
		for (; i < len && (token_char((unsigned char)v[i]) || v[i] == '@'); i++) {
			if (n + 1 >= idlen)
				return 0;
			id[n++] = v[i];
		}
	}
	id[n] = '\0';
	return n > 0;
}

/*
 * from_scan: the mailbox part of a From: value without comments, into buf;
 * -1 for a second mailbox (a ',' outside quotes and angle brackets).
 */
static int from_scan(const char *v, size_t len, char *buf, size_t buflen, size_t *n)
{
	size_t i, depth = 0;
	int quoted = 0, angle = 0;

	*n = 0;
	for (i = 0; i < len; i++) {
		char c = v[i];
		if ((quoted || depth) && c == '\\') {
			i++;
			continue;
		}
		if (!quoted && c == '(') {
			depth++;
			continue;
		}
		if (!quoted && depth) {
			if (c == ')')
				depth--;
			continue;
		}
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted)
			continue;	/* a display name or a quoted local part: not needed */
		if (c == '<')
			angle = 1;
		else if (c == '>')
			angle = 0;
		else if (!angle && c == ',')
			return -1;
		if (*n + 1 >= buflen)
			return 0;
		buf[(*n)++] = c;
	}
	buf[*n] = '\0';
	return 1;
}

/* the domain after the last '@' of the address part, up to '>' or a blank */
static int from_domain_copy(const char *addr, char *dom, size_t domlen)
{
	const char *at = strrchr(addr, '@');
	size_t n = 0;

	if (!at)
		return 0;
	for (at++; *at == ' ' || *at == '\t' || *at == '\r' || *at == '\n'; at++)
		;
	for (; *at && !strchr("> \t\r\n", *at); at++) {
		char c = *at;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
		if (n + 1 >= domlen || n >= 253)
			return 0;
		dom[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	while (n && dom[n - 1] == '.')
		n--;
	dom[n] = '\0';
	return n > 0 && dom[0] != '.' && !strstr(dom, "..");
}

int msghdr_from_domain(const char *v, size_t len, char *dom, size_t domlen)
{
	char buf[1024];
	const char *lt, *gt;
	size_t n;
	int r = from_scan(v, len, buf, sizeof buf, &n);

	if (r <= 0 || !domlen)
		return r;
	lt = strchr(buf, '<');
	if (lt) {
		if (!(gt = strchr(lt, '>')))
			return 0;
		if (strchr(gt, '<'))
			return -1;	/* a second angle-addr */
		buf[gt - buf] = '\0';
		return from_domain_copy(lt + 1, dom, domlen);
	}
	return from_domain_copy(buf, dom, domlen);
}
