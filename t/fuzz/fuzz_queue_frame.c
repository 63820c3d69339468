/*
 * fuzz_queue_frame - the frame reader of inject -S (lib/queue_frame.c):
 * the bytes a setuid inject reads on fd 0 from smtpd, which it does not
 * trust. The input is the stream, read to its end through an inbuf as
 * inject reads it: header, the order of a message's frames, the payload.
 *
 * Checks: a header is never accepted with a length beyond its type's
 * bound (so no read is sized by the peer beyond that); an ATTR that
 * queue_client_attr_valid() takes holds no CR, LF or NUL; an ENVELOPE
 * that envelope_decode() takes encodes back to exactly its bytes; a REPLY
 * payload that decodes encodes back to exactly its bytes.
 */
#include "fuzz.h"
#include "envelope.h"
#include "queue_client.h"
#include "queue_frame.h"

static int in_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	in_fd = fuzz_memfd("frames");
	return 0;
}

static void check_attr(const char *p, size_t len)
{
	if (queue_client_attr_valid(p, len) && (memchr(p, '\r', len) || memchr(p, '\n', len) ||
						memchr(p, '\0', len)))
		abort();
}

static void check_envelope(const char *p, size_t len)
{
	struct envelope e;
	struct str out = STR_INIT(0);

	if (envelope_decode(p, len, &e) != ENVELOPE_OK)
		return;
	if (envelope_encode(&out, e.sender, (const char *const *)e.rcpt, e.nrcpt) < 0 ||
	    out.len != len || memcmp(out.s, p, len) != 0)
		abort();
	str_free(&out);
	envelope_free(&e);
}

static void check_reply(const char *p, size_t len)
{
	char id[40], text[QUEUE_FRAME_REPLY_MAX], again[QUEUE_FRAME_REPLY_MAX];
	int code;
	size_t n;

	if (queue_frame_reply_decode(p, len, &code, id, sizeof id, text, sizeof text) < 0)
		return;
	n = queue_frame_reply_encode(again, sizeof again, code, id, text);
	if (n != len || memcmp(again, p, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char payload[1 << 16];
	struct queue_frame_grammar g = { 0, 0 };
	char mem[4096];
	struct inbuf in;
	size_t len, min_ok;
	int type, bad;

	fuzz_memfd_set(in_fd, data, size);
	inbuf_init(&in, in_fd, mem, sizeof mem);
	buf_set_timeout(&in, 1000);
	for (;;) {
		if (queue_frame_read_header(&in, &type, &len, &bad) != BUF_OK)
			return 0;
		if (bad || queue_frame_next(&g, type) < 0)
			return 0;	/* inject exits 91 here */
		min_ok = type == QUEUE_FRAME_ENVELOPE ? ENVELOPE_MAX
		       : type == QUEUE_FRAME_ATTR ? QUEUE_CLIENT_ATTR_MAX
		       : type == QUEUE_FRAME_REPLY ? QUEUE_FRAME_REPLY_MAX : QUEUE_FRAME_DATA_MAX;
		if (len > min_ok)
			abort();
		if (len > sizeof payload)	/* an envelope longer than the input can hold */
			return 0;
		if (queue_frame_read_payload(&in, payload, len) != BUF_OK)
			return 0;
		if (type == QUEUE_FRAME_ATTR)
			check_attr(payload, len);
		else if (type == QUEUE_FRAME_ENVELOPE)
			check_envelope(payload, len);
		check_reply(payload, len);	/* the decoder on any bytes */
	}
}
