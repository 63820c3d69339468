#ifndef TERN_MAILINPUT_H
#define TERN_MAILINPUT_H
/*
 * NAME
 *	mailinput - sendmail's input: line-end normalising, the header block,
 *	RFC 5322 address lists
 * SYNOPSIS
 *	void mailinput_init(struct mailinput *m, int dot_ends);
 *	int mailinput_feed(struct mailinput *m, const char *p, size_t n, struct str *out);
 *	int mailinput_finish(struct mailinput *m, struct str *out);
 *	int mailinput_header_end(const char *p, size_t len, size_t *scan,
 *	                         size_t *hdr_len, size_t *body_start);
 *	int mailinput_field_next(const char *p, size_t len, size_t *pos,
 *	                         struct mailinput_field *f);
 *	int mailinput_field_is(const struct mailinput_field *f, const char *name);
 *	int mailinput_addrlist(const char *p, size_t n,
 *	                       int (*fn)(void *ctx, const char *addr, size_t len), void *ctx);
 * DESCRIPTION
 *	mailinput_feed() appends the n input bytes to out with every line end
 *	(CRLF, LF, or a CR not followed by LF) written as CRLF, the form the
 *	queue stores (queue(5)). With dot_ends (sendmail without -i/-oi), a
 *	line holding only "." ends the input: feed returns 1 and ignores what
 *	follows. mailinput_finish() ends the input at EOF: a last line without
 *	a line end gets CRLF.
 *
 *	mailinput_header_end() looks at normalised bytes from *scan (advanced
 *	past complete lines already judged) for the end of the header block: an
 *	empty line (body_start after it), or a line that is neither a header
 *	field (RFC 5322 §2.2: printable name without spaces, then ":") nor a
 *	continuation (body_start at it). It returns 1 and sets *hdr_len (the
 *	fields, CRLF-terminated) and *body_start when found, else 0.
 *
 *	mailinput_field_next() steps over the header block one field at a time
 *	(a field with its continuation lines). mailinput_field_is() compares
 *	the field name ignoring case.
 *
 *	mailinput_addrlist() calls fn for each address of an RFC 5322 §3.4
 *	address-list: "Name <a@b>", bare addr-specs, groups "g: a@b, c@d;",
 *	comments in parentheses and quoted strings skipped; the address is the
 *	text inside <> or the element with comments and outer space removed.
 * DIAGNOSTICS
 *	feed and finish return -1 when out cannot grow (errno from str);
 *	fn's nonzero return stops mailinput_addrlist() and is returned.
 */
#include <stddef.h>
#include "str.h"

struct mailinput {
	int dot_ends;
	int prev_cr;		/* a CR was seen; its line end is pending */
	int at_bol;		/* the next byte starts a line */
	int dot_pending;	/* the line so far is exactly "." (withheld) */
	int done;
};

struct mailinput_field {
	const char *name;	/* field start */
	size_t name_len;
	const char *value;	/* after ":" up to the field's final CRLF */
	size_t value_len;
	size_t start, len;	/* the whole field with its final CRLF */
};

void mailinput_init(struct mailinput *m, int dot_ends);
int mailinput_feed(struct mailinput *m, const char *p, size_t n, struct str *out);
int mailinput_finish(struct mailinput *m, struct str *out);
int mailinput_header_end(const char *p, size_t len, size_t *scan, size_t *hdr_len,
			 size_t *body_start);
int mailinput_field_next(const char *p, size_t len, size_t *pos, struct mailinput_field *f);
int mailinput_field_is(const struct mailinput_field *f, const char *name);
int mailinput_addrlist(const char *p, size_t n,
		       int (*fn)(void *ctx, const char *addr, size_t len), void *ctx);

#endif
