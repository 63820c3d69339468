/*
 * dataenc - CRLF-only, dot-stuffed SMTP DATA encoding with lines of at
 * most 998 octets (see dataenc.h).
 */
#include "dataenc.h"

void dataenc_init(struct dataenc *e)
{
	e->line_start = 1;
	e->pending_cr = 0;
	e->in_header = 1;
	e->line_len = 0;
	e->stuff = 1;
}

void dataenc_init_unstuffed(struct dataenc *e)
{
	dataenc_init(e);
	e->stuff = 0;
}

/* A line break of the input: CR LF. */
static size_t dataenc_break(struct dataenc *e, char *out)
{
	out[0] = '\r';
	out[1] = '\n';
	/* RFC 5322 §2.1: the first empty line ends the header section */
	if (e->in_header && e->line_len == 0)
		e->in_header = 0;
	e->line_start = 1;
	e->line_len = 0;
	return 2;
}

/* One byte of line content, after a break of our own if the line is full. */
static size_t dataenc_byte(struct dataenc *e, char c, char *out)
{
	size_t o = 0;

	/* RFC 5321 §4.5.3.1.6: at most 998 octets and CR LF */
	if (e->line_len >= DATAENC_LINE_MAX) {
		out[o++] = '\r';
		out[o++] = '\n';
		e->line_start = 1;
		e->line_len = 0;
		if (e->in_header) {
			/* RFC 5322 §2.2.3: CR LF before white space folds the field */
			out[o++] = ' ';
			e->line_start = 0;
			e->line_len = 1;
		}
	}
	/* RFC 5321 §4.5.2: a line starting with "." gets one more, not counted */
	if (e->stuff && e->line_start && c == '.')
		out[o++] = '.';
	out[o++] = c;
	e->line_start = 0;
	e->line_len++;
	return o;
}

size_t dataenc_chunk(struct dataenc *e, const char *in, size_t n, char *out)
{
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		char c = in[i];

		if (e->pending_cr) {
			/* CR LF, or a bare CR: either way one line break */
			o += dataenc_break(e, out + o);
			e->pending_cr = 0;
			if (c == '\n')
				continue;
		}
		if (c == '\r')
			e->pending_cr = 1;
		else if (c == '\n')
			o += dataenc_break(e, out + o);
		else
			o += dataenc_byte(e, c, out + o);
	}
	return o;
}

size_t dataenc_end(struct dataenc *e, char *out)
{
	size_t o = 0;

	if (e->pending_cr || !e->line_start) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	e->pending_cr = 0;
	e->line_start = 1;
	return o;
}

size_t dataenc_finish(struct dataenc *e, char *out)
{
	size_t o = dataenc_end(e, out);

	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	dataenc_init(e);
	return o;
}
