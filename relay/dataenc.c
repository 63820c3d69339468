/*
 * dataenc - CRLF-only, dot-stuffed SMTP DATA encoding (see dataenc.h).
 */
#include "dataenc.h"

void dataenc_init(struct dataenc *e)
{
	e->line_start = 1;
	e->pending_cr = 0;
}

size_t dataenc_chunk(struct dataenc *e, const char *in, size_t n, char *out)
{
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		char c = in[i];

		if (e->pending_cr) {
			/* CR LF, or a bare CR: either way one line break */
			out[o++] = '\r';
			out[o++] = '\n';
			e->pending_cr = 0;
			e->line_start = 1;
			if (c == '\n')
				continue;
		}
		if (c == '\r') {
			e->pending_cr = 1;
			continue;
		}
		if (c == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			e->line_start = 1;
			continue;
		}
		/* RFC 5321 §4.5.2: a line starting with "." gets one more */
		if (e->line_start && c == '.')
			out[o++] = '.';
		out[o++] = c;
		e->line_start = 0;
	}
	return o;
}

size_t dataenc_finish(struct dataenc *e, char *out)
{
	size_t o = 0;

	if (e->pending_cr || !e->line_start) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	e->pending_cr = 0;
	e->line_start = 1;
	return o;
}
