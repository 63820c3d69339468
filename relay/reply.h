#ifndef TERN_REPLY_H
#define TERN_REPLY_H
/*
 * NAME
 *	reply - read and parse SMTP/LMTP server replies (RFC 5321 §4.2, RFC 3463)
 * SYNOPSIS
 *	void reply_init(struct reply *r);
 *	enum reply_status reply_feed(struct reply *r, const char *line, size_t len);
 *	enum reply_status reply_read(struct inbuf *in, int timeout_ms, struct reply *r,
 *	                             reply_line_fn *fn, void *arg);
 *	void reply_set(struct reply *r, int code, const char *enhanced, const char *text);
 * DESCRIPTION
 *	A reply is one or more lines "NNN-text" ending with "NNN text" (or a
 *	bare "NNN"), all with the same code, whose first digit is 2 to 5
 *	(RFC 5321 §4.2.1). reply_feed() takes one line (its CR LF, if any, is
 *	ignored) and returns REPLY_MORE until the last line, then REPLY_OK.
 *	r->code is the code; r->enhanced the RFC 3463 enhanced status code of
 *	the first line when it is present and its class agrees with the code
 *	("" otherwise); r->text the text of every line (enhanced code removed)
 *	joined by single spaces, truncated to REPLY_TEXT_MAX - 1 bytes, with
 *	CR, LF, NUL and other control bytes replaced by '?'.
 *
 *	reply_read() reads lines from in, each wait at most timeout_ms, and
 *	feeds them; fn, if not NULL, is called with the text of each line
 *	(after "NNN-" or "NNN ") so that EHLO keywords can be collected.
 *	reply_set() fills a reply made here rather than by a server.
 * DIAGNOSTICS
 *	REPLY_OK, REPLY_MORE (reply_feed only), REPLY_MALFORMED (no code, code
 *	out of range, codes differ between lines, a line longer than
 *	REPLY_LINE_MAX, more than REPLY_LINES_MAX lines), REPLY_TIMEOUT,
 *	REPLY_EOF, REPLY_ERROR (errno set).
 */
#include <stddef.h>
#include "buf.h"

#define REPLY_LINE_MAX 2048	/* RFC 5321 §4.5.3.1.5 says 512; be tolerant, not unbounded */
#define REPLY_LINES_MAX 100
#define REPLY_TEXT_MAX 512

enum reply_status {
	REPLY_OK,
	REPLY_MORE,
	REPLY_MALFORMED,
	REPLY_TIMEOUT,
	REPLY_EOF,
	REPLY_ERROR,
};

struct reply {
	int code;
	char enhanced[16];
	char text[REPLY_TEXT_MAX];
	size_t textlen;
	size_t nlines;
};

typedef void reply_line_fn(void *arg, const char *text, size_t len);

void reply_init(struct reply *r);
enum reply_status reply_feed(struct reply *r, const char *line, size_t len);
enum reply_status reply_read(struct inbuf *in, int timeout_ms, struct reply *r,
			     reply_line_fn *fn, void *arg);
void reply_set(struct reply *r, int code, const char *enhanced, const char *text);

#endif
