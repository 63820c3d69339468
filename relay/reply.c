/*
 * reply - read and parse SMTP/LMTP server replies (see reply.h).
 *
 * One straight path per line: code, separator, optional enhanced code on
 * the first line, text. Anything else is REPLY_MALFORMED, which the SMTP
 * client treats like a broken connection: a peer never aborts us.
 */
#include <string.h>

#include "reply.h"

void reply_init(struct reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	r->text[0] = '\0';
	r->textlen = 0;
	r->nlines = 0;
}

void reply_set(struct reply *r, int code, const char *enhanced, const char *text)
{
	reply_init(r);
	r->code = code;
	if (enhanced && strlen(enhanced) < sizeof r->enhanced)
		strcpy(r->enhanced, enhanced);
	r->nlines = 1;
	if (text) {
		size_t n = strlen(text);
		if (n >= sizeof r->text)
			n = sizeof r->text - 1;
		memcpy(r->text, text, n);
		r->text[n] = '\0';
		r->textlen = n;
	}
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits at p (1 to 3 of them, RFC 3463 §2); returns how many, 0 if none or too many. */
static size_t digits(const char *p, size_t len)
{
	size_t n = 0;

	while (n < len && is_digit(p[n]))
		n++;
	return n >= 1 && n <= 3 ? n : 0;
}

/*
 * RFC 3463 §2: class "." subject "." detail, class 2, 4 or 5 and equal to
 * the reply code's first digit (RFC 2034 §4). Returns the length used
 * (including one following space), or 0 if text does not start with one.
 */
static size_t enhanced_parse(struct reply *r, const char *p, size_t len)
{
	size_t i = 0, n;

	if (len < 5 || p[0] != (char)('0' + r->code / 100) || p[1] != '.')
		return 0;
	i = 2;
	if (!(n = digits(p + i, len - i)) || i + n >= len || p[i + n] != '.')
		return 0;
	i += n + 1;
	if (!(n = digits(p + i, len - i)))
		return 0;
	i += n;
	if (i < len && p[i] != ' ')
		return 0;
	memcpy(r->enhanced, p, i);
	r->enhanced[i] = '\0';
	return i < len ? i + 1 : i;
}

/* Append text to r->text, joined by one space, bytes below 0x20 and 0x7f as '?'. */
static void text_append(struct reply *r, const char *p, size_t len)
{
	size_t room = sizeof r->text - 1 - r->textlen;
	size_t i;

	if (r->textlen && room) {
		r->text[r->textlen++] = ' ';
		room--;
	}
	if (len > room)
		len = room;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		r->text[r->textlen++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	r->text[r->textlen] = '\0';
}

enum reply_status reply_feed(struct reply *r, const char *line, size_t len)
{
	int code;
	int last;
	size_t skip;

	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (len > REPLY_LINE_MAX || r->nlines >= REPLY_LINES_MAX)
		return REPLY_MALFORMED;
	/* RFC 5321 §4.2: Reply-code is %x32-35 %x30-35 %x30-39 */
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5'
	    || !is_digit(line[2]))
		return REPLY_MALFORMED;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return REPLY_MALFORMED;
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines && code != r->code)
		return REPLY_MALFORMED;
	last = len == 3 || line[3] == ' ';
	line += len > 3 ? 4 : 3;
	len -= len > 3 ? 4 : 3;
	if (!r->nlines) {
		r->code = code;
		skip = enhanced_parse(r, line, len);
	} else {
		/* continuation lines repeat the enhanced code: drop it */
		size_t el = strlen(r->enhanced);
		skip = el && len >= el && !memcmp(line, r->enhanced, el)
			&& (len == el || line[el] == ' ') ? (len == el ? el : el + 1) : 0;
	}
	text_append(r, line + skip, len - skip);
	r->nlines++;
	return last ? REPLY_OK : REPLY_MORE;
}

enum reply_status reply_read(struct inbuf *in, int timeout_ms, struct reply *r,
			     reply_line_fn *fn, void *arg)
{
	char line[REPLY_LINE_MAX + 2];
	size_t len;
	enum reply_status st;

	reply_init(r);
	buf_set_timeout(in, timeout_ms);
	for (;;) {
		switch (inbuf_getline(in, line, sizeof line, &len)) {
		case BUF_OK:
			break;
		case BUF_TOOLONG:
			return REPLY_MALFORMED;
		case BUF_EOF:
			return REPLY_EOF;
		case BUF_TIMEOUT:
			return REPLY_TIMEOUT;
		default:
			return REPLY_ERROR;
		}
		if (!len || line[len - 1] != '\n')
			return REPLY_EOF;	/* a partial last line: the peer closed */
		st = reply_feed(r, line, len);
		if (st == REPLY_MALFORMED)
			return st;
		if (fn) {
			size_t n = len;
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				n--;
			fn(arg, n > 4 ? line + 4 : "", n > 4 ? n - 4 : 0);
		}
		if (st == REPLY_OK)
			return REPLY_OK;
	}
}
