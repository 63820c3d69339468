/*
 * queue_frame - the session protocol's frames (queue_frame.h, inject(8)):
 * bounds per type, the order of a message's frames, the reply. The reader
 * runs in inject, which is setuid: every length is checked against its
 * type's bound before a byte of payload is read.
 */
#include <errno.h>
#include <string.h>

#include "envelope.h"
#include "queue_client.h"
#include "queue_frame.h"

/* frame_bounds: the payload lengths type allows; -1 for an unknown type. */
static int frame_bounds(int type, size_t *min, size_t *max)
{
	switch (type) {
	case QUEUE_FRAME_ATTR:
		*min = 1, *max = QUEUE_CLIENT_ATTR_MAX;
		return 0;
	case QUEUE_FRAME_DATA:
		*min = 1, *max = QUEUE_FRAME_DATA_MAX;
		return 0;
	case QUEUE_FRAME_ENVELOPE:
		*min = 1, *max = ENVELOPE_MAX;
		return 0;
	case QUEUE_FRAME_ABORT:
		*min = 0, *max = 0;
		return 0;
	case QUEUE_FRAME_REPLY:
		*min = 2, *max = QUEUE_FRAME_REPLY_MAX;
		return 0;
	default:
		return -1;
	}
}

void queue_frame_header(unsigned char h[QUEUE_FRAME_HEADER_LEN], int type, size_t len)
{
	h[0] = (unsigned char)type;
	h[1] = (unsigned char)(len >> 24);
	h[2] = (unsigned char)(len >> 16);
	h[3] = (unsigned char)(len >> 8);
	h[4] = (unsigned char)len;
}

int queue_frame_header_parse(const unsigned char h[QUEUE_FRAME_HEADER_LEN], int *type,
			     size_t *len)
{
	size_t min, max;

	*type = h[0];
	*len = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
	if (frame_bounds(*type, &min, &max) < 0 || *len < min || *len > max)
		return -1;
	return 0;
}

/* read_exact: len bytes or an error; a short read is EPROTO (truncated). */
static enum buf_result read_exact(struct inbuf *in, void *p, size_t len, int eof_ok)
{
	char *s = p;
	size_t got = 0, n;
	enum buf_result r;

	while (got < len) {
		r = inbuf_read(in, s + got, len - got, &n);
		if (r == BUF_EOF && got == 0 && eof_ok)
			return BUF_EOF;
		if (r == BUF_EOF) {
			errno = EPROTO;
			return BUF_ERROR;
		}
		if (r != BUF_OK)
			return r;
		got += n;
	}
	return BUF_OK;
}

enum buf_result queue_frame_read_header(struct inbuf *in, int *type, size_t *len, int *bad)
{
	unsigned char h[QUEUE_FRAME_HEADER_LEN];
	enum buf_result r = read_exact(in, h, sizeof h, 1);

	*bad = 0;
	if (r != BUF_OK)
		return r;
	*bad = queue_frame_header_parse(h, type, len) < 0;
	return BUF_OK;
}

enum buf_result queue_frame_read_payload(struct inbuf *in, void *p, size_t len)
{
	return read_exact(in, p, len, 0);
}

int queue_frame_next(struct queue_frame_grammar *g, int type)
{
	switch (type) {
	case QUEUE_FRAME_ATTR:
		if (g->in_data || g->attrs >= QUEUE_CLIENT_ATTRS)
			return -1;
		g->attrs++;
		return 0;
	case QUEUE_FRAME_DATA:
		g->in_data = 1;
		return 0;
	case QUEUE_FRAME_ENVELOPE:
	case QUEUE_FRAME_ABORT:
		g->in_data = 0;
		g->attrs = 0;
		return 0;
	default:	/* REPLY goes the other way; anything else is unknown */
		return -1;
	}
}

static int id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

#define REPLY_ID_MAX 39		/* queue ids: 1 to 39 letters and digits, queue(5) */

size_t queue_frame_reply_encode(char *buf, size_t cap, int code, const char *id,
				const char *text)
{
	size_t idlen = strlen(id), pos = 0, i;

	if (idlen > REPLY_ID_MAX || cap < idlen + 2 || code < 0 || code > 255)
		return 0;
	if (cap > QUEUE_FRAME_REPLY_MAX)
		cap = QUEUE_FRAME_REPLY_MAX;
	for (i = 0; i < idlen; i++)
		if (!id_char(id[i]))
			return 0;
	buf[pos++] = (char)code;
	memcpy(buf + pos, id, idlen);
	pos += idlen;
	buf[pos++] = '\0';
	for (i = 0; text[i] && pos < cap; i++)
		buf[pos++] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	return pos;
}

int queue_frame_reply_decode(const char *p, size_t len, int *code, char *id, size_t idcap,
			     char *text, size_t textcap)
{
	const char *nul;
	size_t idlen, textlen, i;

	if (len < 2 || len > QUEUE_FRAME_REPLY_MAX || !(nul = memchr(p + 1, '\0', len - 1)))
		return -1;
	idlen = (size_t)(nul - (p + 1));
	textlen = len - 2 - idlen;
	if (idlen > REPLY_ID_MAX || idlen >= idcap || textlen >= textcap)
		return -1;
	for (i = 0; i < idlen; i++)
		if (!id_char(p[1 + i]))
			return -1;
	for (i = 0; i < textlen; i++)
		if (nul[1 + i] < 0x20 || nul[1 + i] >= 0x7f)
			return -1;
	*code = (unsigned char)p[0];
	memcpy(id, p + 1, idlen);
	id[idlen] = '\0';
	memcpy(text, nul + 1, textlen);
	text[textlen] = '\0';
	return 0;
}
