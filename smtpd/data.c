/*
 * data - the DATA body reader (see data.h): a byte-at-a-time state machine,
 * so that CR and LF are judged exactly where they are, whatever line length
 * or read size brought them. It works in the inbuf's window in place
 * (in->mem[in->start .. in->end)) and advances in->start only over what it
 * consumed, so a pipelined command after the end of data is not lost.
 */
#include <errno.h>
#include <string.h>

#include "data.h"

enum data_state {
	DATA_START_CLEAN,	/* line start after CRLF (or the start of data) */
	DATA_IN_LINE,		/* also after a bare LF: see data_in_line() */
	DATA_CR,		/* saw CR inside a line */
	DATA_DOT,		/* saw "." at a clean line start */
	DATA_DOT_CR,		/* saw ".\r" at a clean line start */
	DATA_END,
};

struct data_reader {
	enum data_state state;
	size_t line_len;
	unsigned long long max_size;
	struct outbuf *out;
	struct data_result *r;
	char chunk[512];
	size_t chunk_len;
};

static int data_refused(const struct data_result *r)
{
	return r->too_big || r->bare_cr || r->nul || r->long_line || r->write_failed;
}

static void data_flush_chunk(struct data_reader *d)
{
	if (d->chunk_len && !data_refused(d->r) &&
	    outbuf_put(d->out, d->chunk, d->chunk_len) < 0) {
		d->r->write_failed = 1;
		d->r->write_errno = errno;
	}
	d->chunk_len = 0;
}

static void data_emit(struct data_reader *d, const char *p, size_t n)
{
	d->r->size += n;
	if (d->r->size > d->max_size)
		d->r->too_big = 1;
	if (d->chunk_len + n > sizeof d->chunk)
		data_flush_chunk(d);
	memcpy(d->chunk + d->chunk_len, p, n);
	d->chunk_len += n;
}

/* One octet of text inside a line (§4.5.3.1.6 counts it). */
static void data_text(struct data_reader *d, char ch)
{
	if (++d->line_len > DATA_LINE_MAX)
		d->r->long_line = 1;
	if (ch == '\0')	/* RFC 5322 §2.1, §3.5: no NUL in a message */
		d->r->nul = 1;
	data_emit(d, &ch, 1);
}

static void data_line_end(struct data_reader *d, enum data_state next)
{
	data_emit(d, "\r\n", 2);
	d->line_len = 0;
	d->state = next;
}

/* A byte in DATA_IN_LINE (also where the other states hand a byte back). */
static void data_in_line(struct data_reader *d, char ch)
{
	if (ch == '\r') {
		d->state = DATA_CR;
	} else if (ch == '\n') {
		/*
		 * Normalised to CRLF in what is queued, but no line start for
		 * SMTP (only CRLF ends a line, RFC 5321 §2.3.8): a "." after it
		 * is text, neither §4.5.2 stuffing nor an end of data.
		 */
		d->r->bare_lf++;
		data_line_end(d, DATA_IN_LINE);
	} else {
		d->state = DATA_IN_LINE;
		data_text(d, ch);
	}
}

/* A CR that is not followed by LF: refused (RFC 5321 §2.3.8). */
static void data_bare_cr(struct data_reader *d)
{
	d->r->bare_cr = 1;
	data_text(d, '\r');
	d->state = DATA_IN_LINE;
}

static void data_byte(struct data_reader *d, char ch)
{
	switch (d->state) {
	case DATA_START_CLEAN:
		if (ch == '.') {
			d->line_len = 1;
			d->state = DATA_DOT;
			return;
		}
		data_in_line(d, ch);
		return;
	case DATA_IN_LINE:
		data_in_line(d, ch);
		return;
	case DATA_CR:
		if (ch == '\n') {
			data_line_end(d, DATA_START_CLEAN);
			return;
		}
		data_bare_cr(d);
		data_in_line(d, ch);
		return;
	case DATA_DOT:
		if (ch == '\r') {
			d->state = DATA_DOT_CR;
			return;
		}
		d->state = DATA_IN_LINE;	/* the dot was stuffing: dropped */
		data_in_line(d, ch);
		return;
	case DATA_DOT_CR:
		if (ch == '\n') {
			d->state = DATA_END;	/* CRLF "." CRLF */
			return;
		}
		data_bare_cr(d);
		data_in_line(d, ch);
		return;
	case DATA_END:
		return;
	}
}

/* One read from the client within the pace's budget (see data.h). */
static enum buf_result data_fill(struct inbuf *in, const struct data_pace *pace,
				 long long *budget)
{
	long long start = clock_ms(), end = start + *budget;
	unsigned long long earned;
	enum buf_result br;

	if (pace->deadline_ms && pace->deadline_ms < end)
		end = pace->deadline_ms;
	buf_set_timeout(in, -1);	/* the deadline bounds the wait */
	buf_set_deadline(in, end);
	br = inbuf_fill(in);
	*budget -= clock_ms() - start;
	if (br != BUF_OK)
		return br;
	earned = pace->min_rate ? inbuf_pending(in) * 1000ULL / pace->min_rate :
		 (unsigned long long)pace->budget_ms;
	if (earned > (unsigned long long)pace->budget_ms)
		earned = (unsigned long long)pace->budget_ms;
	*budget += (long long)earned;
	if (*budget > pace->budget_ms)
		*budget = pace->budget_ms;
	return BUF_OK;
}

enum buf_result data_read(struct inbuf *in, struct outbuf *out,
			  unsigned long long max_size, const struct data_pace *pace,
			  struct data_result *r)
{
	struct data_reader d;
	enum buf_result br;
	long long budget = pace->budget_ms;

	memset(r, 0, sizeof *r);
	memset(&d, 0, sizeof d);
	d.state = DATA_START_CLEAN;
	d.max_size = max_size;
	d.out = out;
	d.r = r;
	while (d.state != DATA_END) {
		if (inbuf_pending(in) == 0 && (br = data_fill(in, pace, &budget)) != BUF_OK)
			return br;
		while (in->start < in->end && d.state != DATA_END)
			data_byte(&d, in->mem[in->start++]);
	}
	data_flush_chunk(&d);
	if (!data_refused(r) && outbuf_flush(out) < 0) {
		r->write_failed = 1;
		r->write_errno = errno;
	}
	return BUF_OK;
}
