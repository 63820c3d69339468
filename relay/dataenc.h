#ifndef TERN_DATAENC_H
#define TERN_DATAENC_H
/*
 * NAME
 *	dataenc - encode a message body for SMTP DATA: CRLF only, dot-stuffed
 * SYNOPSIS
 *	void dataenc_init(struct dataenc *e);
 *	size_t dataenc_chunk(struct dataenc *e, const char *in, size_t n, char *out);
 *	size_t dataenc_finish(struct dataenc *e, char *out);
 * DESCRIPTION
 *	The body is fed in chunks of any size; the output is what goes on the
 *	wire between "354" and the end. Every line break of the input - CR LF,
 *	a bare LF, or a bare CR - is written as CR LF (RFC 5321 §2.3.8), and a
 *	"." that starts a line after any of them, or starts the body, is doubled
 *	(RFC 5321 §4.5.2). So the output never holds a bare CR or LF and its
 *	only CR LF "." CR LF is the one dataenc_finish() writes (DESIGN.md: the
 *	notqmail lesson). A CR at the end of a chunk is held until the next
 *	byte shows whether an LF follows.
 *
 *	dataenc_chunk() writes at most DATAENC_OUT_MAX(n) bytes to out and
 *	returns how many. dataenc_finish() ends the last line if the body did
 *	not end with a line break and writes ".\r\n": at most DATAENC_FINISH_MAX
 *	bytes.
 * DIAGNOSTICS
 *	None.
 */
#include <stddef.h>

#define DATAENC_OUT_MAX(n) (2 * (n) + 2)
#define DATAENC_FINISH_MAX 7

struct dataenc {
	int line_start;		/* next byte starts a line */
	int pending_cr;		/* a CR was seen, its LF (if any) not yet */
};

void dataenc_init(struct dataenc *e);
size_t dataenc_chunk(struct dataenc *e, const char *in, size_t n, char *out);
size_t dataenc_finish(struct dataenc *e, char *out);

#endif
