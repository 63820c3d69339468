/*
 * addr - the RFC 5321 address parser with RFC 6531 UTF-8 (see addr.h).
 *
 * One straight path: each function consumes what its ABNF rule allows and
 * returns the first problem; there is no second, more lenient attempt.
 * The grammar (RFC 5321 §4.1.2, §4.1.3; RFC 6531 §3.3):
 *
 *   Path       = "<" [ A-d-l ":" ] Mailbox ">"
 *   A-d-l      = At-domain *( "," At-domain )     ; parsed, then discarded
 *   At-domain  = "@" Domain
 *   Mailbox    = Local-part "@" ( Domain / address-literal )
 *   Local-part = Dot-string / Quoted-string
 *   Dot-string = Atom *( "." Atom ), Atom = 1*atext (=/ UTF8-non-ascii)
 *   Quoted-string = DQUOTE *( qtextSMTP / quoted-pairSMTP ) DQUOTE
 *   Domain     = sub-domain *( "." sub-domain )
 *   sub-domain = Let-dig [ Ldh-str ]               (=/ U-label)
 *
 * CR, LF and NUL belong to none of these character classes, so they are
 * refused wherever they appear.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "str.h"

#define LABEL_MAX 63

/* The parser's position in s[0..len). */
struct cursor {
	const unsigned char *s;
	size_t len;
	size_t pos;
	int flags;
	int utf8_seen;
};

static int cursor_peek(const struct cursor *c)
{
	return c->pos < c->len ? c->s[c->pos] : -1;
}

/*
 * Consume one UTF8-non-ascii character at the cursor (RFC 6531 §3.3).
 * Returns ADDR_OK, ADDR_SYNTAX for invalid UTF-8, or ADDR_UTF8_NOT_ALLOWED
 * when the client did not give SMTPUTF8.
 */
static enum addr_result cursor_take_utf8(struct cursor *c)
{
	size_t n = str_utf8_len(c->s + c->pos, c->len - c->pos);

	if (!n)
		return ADDR_SYNTAX;
	if (!(c->flags & ADDR_UTF8))
		return ADDR_UTF8_NOT_ALLOWED;
	c->pos += n;
	c->utf8_seen = 1;
	return ADDR_OK;
}

/* RFC 5322 §3.2.3 atext, as RFC 5321 §4.1.2 uses it */
static int is_atext(int ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
		return 1;
	return ch > 0 && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL;
}

static int is_letdig(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* Dot-string: one or more atoms separated by single dots. */
static enum addr_result parse_dot_string(struct cursor *c)
{
	size_t atom = 0;
	enum addr_result r;
	int ch;

	for (;;) {
		ch = cursor_peek(c);
		if (ch >= 0x80) {
			if ((r = cursor_take_utf8(c)) != ADDR_OK)
				return r;
			atom++;
		} else if (ch >= 0 && is_atext(ch)) {
			c->pos++;
			atom++;
		} else if (ch == '.' && atom) {
			c->pos++;
			atom = 0;
		} else {
			break;
		}
	}
	return atom ? ADDR_OK : ADDR_SYNTAX;	/* empty, or a trailing dot */
}

/* Quoted-string: qtextSMTP is %d32-33 / %d35-91 / %d93-126, pairs %d92 %d32-126. */
static enum addr_result parse_quoted_string(struct cursor *c)
{
	enum addr_result r;
	int ch;

	c->pos++;	/* the opening DQUOTE */
	for (;;) {
		ch = cursor_peek(c);
		if (ch == '"') {
			c->pos++;
			return ADDR_OK;
		}
		if (ch == '\\') {
			c->pos++;
			ch = cursor_peek(c);
			if (ch < 32 || ch > 126)
				return ADDR_SYNTAX;
			c->pos++;
		} else if (ch >= 0x80) {
			if ((r = cursor_take_utf8(c)) != ADDR_OK)
				return r;
		} else if (ch >= 32 && ch <= 126) {
			c->pos++;
		} else {
			return ADDR_SYNTAX;	/* controls, CR, LF, NUL, or the end */
		}
	}
}

static enum addr_result parse_local_part(struct cursor *c)
{
	size_t start = c->pos;
	enum addr_result r;

	if (cursor_peek(c) == '"')
		r = parse_quoted_string(c);
	else
		r = parse_dot_string(c);
	if (r != ADDR_OK)
		return r;
	return c->pos - start > ADDR_LOCAL_MAX ? ADDR_LOCAL_TOO_LONG : ADDR_OK;	/* §4.5.3.1.1 */
}

/* sub-domain: letters, digits, inner hyphens (and UTF-8 with the flag), <= 63 octets */
static enum addr_result parse_label(struct cursor *c)
{
	size_t start = c->pos;
	enum addr_result r;
	int ch, last = -1;

	for (;;) {
		ch = cursor_peek(c);
		if (ch >= 0x80) {
			if ((r = cursor_take_utf8(c)) != ADDR_OK)
				return r;
		} else if (ch >= 0 && (is_letdig(ch) || (ch == '-' && c->pos > start))) {
			c->pos++;
		} else {
			break;
		}
		last = ch;
	}
	if (c->pos == start || last == '-')
		return ADDR_SYNTAX;
	return c->pos - start > LABEL_MAX ? ADDR_SYNTAX : ADDR_OK;
}

static enum addr_result parse_domain(struct cursor *c)
{
	size_t start = c->pos;
	enum addr_result r;

	for (;;) {
		if ((r = parse_label(c)) != ADDR_OK)
			return r;
		if (cursor_peek(c) != '.')
			break;
		c->pos++;
	}
	return c->pos - start > ADDR_DOMAIN_MAX ? ADDR_DOMAIN_TOO_LONG : ADDR_OK;	/* §4.5.3.1.2 */
}

/*
 * address-literal (§4.1.3): "[" IPv4-address-literal "]" or "[IPv6:" ... "]",
 * checked with inet_pton. A General-address-literal (another tag) is refused.
 */
static enum addr_result parse_address_literal(struct cursor *c)
{
	char text[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];
	const char *close;
	size_t n;
	int family = AF_INET;

	c->pos++;	/* "[" */
	close = memchr(c->s + c->pos, ']', c->len - c->pos);
	if (!close)
		return ADDR_SYNTAX;
	n = (size_t)((const unsigned char *)close - (c->s + c->pos));
	if (n >= sizeof text)
		return ADDR_BAD_LITERAL;
	memcpy(text, c->s + c->pos, n);
	text[n] = '\0';
	if (memchr(text, '\0', n))
		return ADDR_BAD_LITERAL;
	if (n >= 5 && strncasecmp(text, "IPv6:", 5) == 0)
		family = AF_INET6;
	if (inet_pton(family, family == AF_INET6 ? text + 5 : text, bin) != 1)
		return ADDR_BAD_LITERAL;
	c->pos += n + 1;
	return ADDR_OK;
}

/* Mailbox at the cursor; on ADDR_OK a->text etc. are filled. */
static enum addr_result parse_mailbox_at(struct cursor *c, struct addr *a)
{
	size_t start = c->pos, at, n;
	enum addr_result r;

	if ((r = parse_local_part(c)) != ADDR_OK)
		return r;
	if (cursor_peek(c) != '@')
		return ADDR_SYNTAX;
	at = c->pos++;
	a->is_literal = cursor_peek(c) == '[';
	r = a->is_literal ? parse_address_literal(c) : parse_domain(c);
	if (r != ADDR_OK)
		return r;
	n = c->pos - start;
	if (n + 2 > ADDR_PATH_MAX)	/* §4.5.3.1.3, counting "<" and ">" */
		return ADDR_PATH_TOO_LONG;
	memcpy(a->text, c->s + start, n);
	a->text[n] = '\0';
	a->len = n;
	a->local_len = at - start;
	a->domain = a->text + a->local_len + 1;
	a->utf8 = c->utf8_seen;
	return ADDR_OK;
}

/* A-d-l ":" — a source route, accepted and discarded (§4.1.1.3, Appendix C) */
static enum addr_result parse_source_route(struct cursor *c)
{
	enum addr_result r;

	for (;;) {
		c->pos++;	/* "@" */
		if ((r = parse_domain(c)) != ADDR_OK)
			return r;
		if (cursor_peek(c) == ':') {
			c->pos++;
			return ADDR_OK;
		}
		if (cursor_peek(c) != ',')
			return ADDR_SYNTAX;
		c->pos++;
		if (cursor_peek(c) != '@')
			return ADDR_SYNTAX;
	}
}

static void addr_clear(struct addr *a)
{
	a->text[0] = '\0';
	a->len = 0;
	a->local_len = 0;
	a->domain = a->text;
	a->is_literal = 0;
	a->utf8 = 0;
}

enum addr_result addr_parse_path(const char *s, size_t len, int flags,
				 struct addr *a, size_t *consumed)
{
	struct cursor c = { (const unsigned char *)s, len, 0, flags, 0 };
	enum addr_result r;

	addr_clear(a);
	*consumed = 0;
	if (cursor_peek(&c) != '<')
		return ADDR_SYNTAX;
	c.pos++;
	if (cursor_peek(&c) == '>' && (flags & ADDR_ALLOW_NULL)) {
		*consumed = 2;
		return ADDR_OK;
	}
	if (cursor_peek(&c) == '@' && (r = parse_source_route(&c)) != ADDR_OK)
		return r;
	if ((r = parse_mailbox_at(&c, a)) != ADDR_OK)
		goto fail;
	r = ADDR_SYNTAX;
	if (cursor_peek(&c) != '>')
		goto fail;
	c.pos++;
	r = ADDR_PATH_TOO_LONG;
	if (c.pos > ADDR_PATH_MAX)
		goto fail;
	*consumed = c.pos;
	return ADDR_OK;
fail:
	addr_clear(a);
	return r;
}

enum addr_result addr_parse_mailbox(const char *s, size_t len, int flags, struct addr *a)
{
	struct cursor c = { (const unsigned char *)s, len, 0, flags, 0 };
	enum addr_result r;

	addr_clear(a);
	r = parse_mailbox_at(&c, a);
	if (r == ADDR_OK && c.pos != len)
		r = ADDR_SYNTAX;
	if (r != ADDR_OK)
		addr_clear(a);
	return r;
}

const char *addr_result_text(enum addr_result r)
{
	switch (r) {
	case ADDR_OK:
		return "address ok";
	case ADDR_SYNTAX:
		return "address syntax error";
	case ADDR_LOCAL_TOO_LONG:
		return "local part longer than 64 octets";
	case ADDR_DOMAIN_TOO_LONG:
		return "domain longer than 255 octets";
	case ADDR_PATH_TOO_LONG:
		return "path longer than 256 octets";
	case ADDR_UTF8_NOT_ALLOWED:
		return "non-ASCII address without SMTPUTF8";
	case ADDR_BAD_LITERAL:
		return "bad address literal";
	}
	return "unknown address error";
}

int addr_domain_equal(const char *a, const char *b)
{
	unsigned char x, y;

	do {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	} while (x);
	return 1;
}

int addr_domain_valid(const char *s, size_t len)
{
	struct cursor c = { (const unsigned char *)s, len, 0, 0, 0 };

	return parse_domain(&c) == ADDR_OK && c.pos == len;
}

int addr_literal_valid(const char *s, size_t len)
{
	struct cursor c = { (const unsigned char *)s, len, 0, 0, 0 };

	return cursor_peek(&c) == '[' && parse_address_literal(&c) == ADDR_OK && c.pos == len;
}
