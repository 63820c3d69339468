#ifndef TERN_DATAENC_H
#define TERN_DATAENC_H
/*
 * NAME
 *	dataenc - encode a message for SMTP DATA: CRLF only, dot-stuffed,
 *	lines of at most 998 octets
 * SYNOPSIS
 *	void dataenc_init(struct dataenc *e);
 *	void dataenc_init_unstuffed(struct dataenc *e);
 *	size_t dataenc_chunk(struct dataenc *e, const char *in, size_t n, char *out);
 *	size_t dataenc_end(struct dataenc *e, char *out);
 *	size_t dataenc_finish(struct dataenc *e, char *out);
 * DESCRIPTION
 *	The message is fed in chunks of any size; the output is what goes on
 *	the wire between "354" and the end. Every line break of the input - CR
 *	LF, a bare LF, or a bare CR - is written as CR LF (RFC 5321 §2.3.8), and
 *	a "." that starts a line after any of them, or starts the message, is
 *	doubled (RFC 5321 §4.5.2). So the output never holds a bare CR or LF
 *	and its only CR LF "." CR LF is the one dataenc_finish() writes
 *	(notqmail turned a stray CR into a line break without dot-stuffing,
 *	so a body CR "." CR LF went out as an end of data). A CR at the end
 *	of a chunk is held until the next byte shows whether an LF follows.
 *
 *	A line longer than DATAENC_LINE_MAX octets (RFC 5321 §4.5.3.1.6: 1000
 *	with the CR LF, not counting the doubled dot) is split by a CR LF after
 *	every DATAENC_LINE_MAX octets. In the header section (up to the first
 *	empty line, RFC 5322 §2.1) the break is CR LF SP, so that the rest stays
 *	part of the same, folded, field (RFC 5322 §2.2.3); in the body a "."
 *	after the inserted break is doubled like any other at a line start.
 *	Removing each inserted CR LF (and in the header its SP) gives back the
 *	original line.
 *
 *	dataenc_init_unstuffed() starts the same encoding without the doubled
 *	dots: the message as the receiver will have it once it removed them,
 *	which is what a DKIM signature covers (RFC 6376 §5.3: the signer signs
 *	the message after any transport encoding is undone); dataenc_end() then
 *	writes only the line break dataenc_finish() adds to an unterminated
 *	last line (at most 2 bytes), without the final dot. The DKIM signer
 *	encodes the queue file with these, so that it signs exactly the lines
 *	a worker sends, long-line splits included.
 *
 *	dataenc_chunk() writes at most DATAENC_OUT_MAX(n) bytes to out and
 *	returns how many. dataenc_finish() ends the last line if the message
 *	did not end with a line break and writes ".\r\n": at most
 *	DATAENC_FINISH_MAX bytes.
 * DIAGNOSTICS
 *	None.
 */
#include <stddef.h>

#define DATAENC_LINE_MAX 998
/*
 * Each input byte gives at most 2 bytes, plus 2 for a CR held from the
 * previous chunk; an inserted break adds at most 2 more (CR LF SP before a
 * byte, or CR LF before a doubled dot), at most once per 997 input bytes
 * and once more at the start.
 */
#define DATAENC_OUT_MAX(n) (2 * (n) + 4 + 2 * ((n) / (DATAENC_LINE_MAX - 1)))
#define DATAENC_FINISH_MAX 7

struct dataenc {
	int line_start;		/* next byte starts a line on the wire */
	int pending_cr;		/* a CR was seen, its LF (if any) not yet */
	int in_header;		/* still in the header section */
	size_t line_len;	/* octets of the current output line, no stuffed dot */
	int stuff;		/* double a leading dot (SMTP); 0 for signing */
};

void dataenc_init(struct dataenc *e);
void dataenc_init_unstuffed(struct dataenc *e);
size_t dataenc_chunk(struct dataenc *e, const char *in, size_t n, char *out);
size_t dataenc_end(struct dataenc *e, char *out);
size_t dataenc_finish(struct dataenc *e, char *out);

#endif
