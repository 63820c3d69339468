#ifndef TERN_QUEUE_FRAME_H
#define TERN_QUEUE_FRAME_H
/*
 * NAME
 *	queue_frame - the frames of the queue session protocol between smtpd
 *	and inject -S (inject(8))
 * SYNOPSIS
 *	void queue_frame_header(unsigned char h[QUEUE_FRAME_HEADER_LEN],
 *	                        int type, size_t len);
 *	int queue_frame_header_parse(const unsigned char h[QUEUE_FRAME_HEADER_LEN],
 *	                             int *type, size_t *len);
 *	enum buf_result queue_frame_read_header(struct inbuf *in, int *type,
 *	                                        size_t *len, int *bad);
 *	enum buf_result queue_frame_read_payload(struct inbuf *in, void *p, size_t len);
 *	int queue_frame_next(struct queue_frame_grammar *g, int type);
 *	size_t queue_frame_reply_encode(char *buf, size_t cap, int code,
 *	                                const char *id, const char *text);
 *	int queue_frame_reply_decode(const char *p, size_t len, int *code,
 *	                             char *id, size_t idcap, char *text, size_t textcap);
 * DESCRIPTION
 *	A frame is a type byte, the payload length as 4 bytes big-endian, and
 *	the payload. smtpd sends inject, per message,
 *	  ATTR* DATA* (ENVELOPE | ABORT)
 *	ATTR ('A') one attribute NAME=value (queue_client_attr_valid(),
 *	  queue_client.h), at most QUEUE_CLIENT_ATTRS per message, all before
 *	  the first DATA; DATA ('M') 1 to QUEUE_FRAME_DATA_MAX message bytes;
 *	ENVELOPE ('E') the qmail-queue envelope (envelope.h), 1 to
 *	  ENVELOPE_MAX bytes: the message is complete, commit it and reply;
 *	ABORT ('X', empty) forget the message, nothing is committed and no
 *	  reply comes. inject answers each ENVELOPE with one
 *	REPLY ('R') 2 to QUEUE_FRAME_REPLY_MAX bytes: the qmail-queue exit
 *	  code of the message as one byte (0: committed), its queue id
 *	  ([A-Za-z0-9]{0,39}), a NUL, and a text of printable ASCII.
 *	Message bytes travel only inside DATA frames, so no message can run
 *	into the next whatever its bytes are.
 *
 *	queue_frame_header() fills h; len must be within the type's bounds.
 *	queue_frame_header_parse() decodes h and returns 0, or -1 when the
 *	type is unknown or the length outside its bounds (ABORT: 0 only).
 *	queue_frame_read_header() reads one header from in (its timeout and
 *	deadline bound each wait): BUF_OK with *bad 0, or BUF_OK with *bad 1
 *	for a header queue_frame_header_parse() refuses; BUF_EOF at a clean
 *	end before the header; a truncated header is BUF_ERROR with errno
 *	EPROTO. queue_frame_read_payload() reads exactly len bytes (EOF
 *	first: BUF_ERROR, errno EPROTO).
 *
 *	queue_frame_next() keeps the order of the request frames of one
 *	message in g (start it zeroed) and returns 0 when type may come next,
 *	-1 when it may not (an ATTR after DATA, too many ATTRs, a REPLY, an
 *	unknown type). After ENVELOPE or ABORT g is back at the start.
 *
 *	queue_frame_reply_encode() writes a REPLY payload to buf (code 0-255,
 *	id and text as above; text is cut to fit, bytes outside printable
 *	ASCII become '?') and returns its length, 0 when id is invalid or cap
 *	too small. queue_frame_reply_decode() checks and splits one: 0, or
 *	-1 when the payload is malformed or id or text would not fit.
 */
#include <stddef.h>

#include "buf.h"

#define QUEUE_FRAME_HEADER_LEN 5
#define QUEUE_FRAME_DATA_MAX 65536u
#define QUEUE_FRAME_REPLY_MAX 256u

enum queue_frame_type {
	QUEUE_FRAME_ATTR = 'A',
	QUEUE_FRAME_DATA = 'M',
	QUEUE_FRAME_ENVELOPE = 'E',
	QUEUE_FRAME_ABORT = 'X',
	QUEUE_FRAME_REPLY = 'R',
};

struct queue_frame_grammar {
	int in_data;		/* a DATA frame came: no more ATTR */
	unsigned attrs;		/* ATTR frames of this message */
};

void queue_frame_header(unsigned char h[QUEUE_FRAME_HEADER_LEN], int type, size_t len);
int queue_frame_header_parse(const unsigned char h[QUEUE_FRAME_HEADER_LEN], int *type,
			     size_t *len);
enum buf_result queue_frame_read_header(struct inbuf *in, int *type, size_t *len, int *bad);
enum buf_result queue_frame_read_payload(struct inbuf *in, void *p, size_t len);
int queue_frame_next(struct queue_frame_grammar *g, int type);
size_t queue_frame_reply_encode(char *buf, size_t cap, int code, const char *id,
				const char *text);
int queue_frame_reply_decode(const char *p, size_t len, int *code, char *id, size_t idcap,
			     char *text, size_t textcap);

#endif
