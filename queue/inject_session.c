/*
 * inject_session - inject -S: every message of one SMTP session, in the
 * frames of queue_frame.h on fd 0, one REPLY per committed message on fd 1
 * (inject(8)). The frames come from smtpd, which is not trusted: every
 * length is bounded by its type before a byte is read, the order of a
 * message's frames is checked, and each wait is bounded by tern.conf's
 * timeouts (session-timeout between messages, data-timeout within one).
 * Anything wrong ends the process with the classic exit code, after
 * removing the message being written: smtpd answers that message by the
 * code and starts another inject for the next.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "queue/inject_private.h"
#include "queue_frame.h"

static char inmem[16384];

/* ms: seconds as a buf.h timeout, capped */
static int ms(unsigned seconds)
{
	return seconds > INT_MAX / 1000 ? INT_MAX : (int)(seconds * 1000);
}

static void frame_read_failed(enum buf_result r, const char *what)
{
	if (r == BUF_TIMEOUT)
		inject_fail(EXIT_TIMEOUT, "session: smtpd sent nothing in time (%s)", what);
	if (r == BUF_EOF)
		inject_fail(EXIT_READ, "session: premature end of %s", what);
	inject_fail(EXIT_READ, "session: read %s: %s", what,
		    errno == EPROTO ? "premature end" : strerror(errno));
}

/* session_data: a DATA frame's payload, straight into the message buffer. */
static void session_data(struct inbuf *in, size_t len, int *open)
{
	enum buf_result r;

	if (!*open) {
		inject_message_new();
		*open = 1;
	}
	while (len > 0) {
		size_t room, n;
		char *p = inject_message_space(&room);

		n = len < room ? len : room;
		if ((r = queue_frame_read_payload(in, p, n)) != BUF_OK)
			frame_read_failed(r, "message data");
		inject_message_wrote(n);	/* writes the buffer out when full */
		len -= n;
	}
}

static void session_attr(struct inbuf *in, size_t len)
{
	char a[1024];	/* QUEUE_CLIENT_ATTR_MAX: the header's bound */
	enum buf_result r;

	if (len > sizeof a)
		inject_fail(EXIT_FORMAT, "session: attribute of %zu bytes", len);
	if ((r = queue_frame_read_payload(in, a, len)) != BUF_OK)
		frame_read_failed(r, "attribute");
	inject_attr_add(a, len);	/* exit 91 unless NAME=value */
}

static void session_envelope(struct inbuf *in, size_t len, int *open)
{
	enum buf_result r;
	char *env = malloc(len);	/* at most ENVELOPE_MAX: the header's bound */

	if (!env)
		inject_fail(EXIT_NOMEM, "session: envelope: out of memory");
	if ((r = queue_frame_read_payload(in, env, len)) != BUF_OK)
		frame_read_failed(r, "envelope");
	if (!*open)
		inject_message_new();	/* an empty message */
	inject_message_commit(env, len);	/* the REPLY, or an exit */
	free(env);
	*open = 0;
}

void inject_session_run(void)
{
	struct queue_frame_grammar g = { 0, 0 };
	struct inbuf in;
	enum buf_result r;
	size_t len;
	int type, bad, open = 0, mid;

	/* ours alone: a REPLY smtpd does not read cannot block us for ever */
	fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
	inbuf_init(&in, 0, inmem, sizeof inmem);
	for (;;) {
		mid = open || g.attrs > 0;
		buf_set_timeout(&in, ms(mid ? inject_setup.data_timeout : inject_setup.idle_timeout));
		r = queue_frame_read_header(&in, &type, &len, &bad);
		if (r == BUF_EOF && !mid)
			return;	/* smtpd's session ended: exit 0 */
		if (r != BUF_OK)
			frame_read_failed(r, "frame");
		if (bad || queue_frame_next(&g, type) < 0)
			inject_fail(EXIT_FORMAT, "session: frame out of place or malformed "
				    "(type 0x%02x, %zu bytes)", (unsigned)type & 0xffu, len);
		switch (type) {
		case QUEUE_FRAME_ATTR:
			session_attr(&in, len);
			break;
		case QUEUE_FRAME_DATA:
			session_data(&in, len, &open);
			break;
		case QUEUE_FRAME_ENVELOPE:
			session_envelope(&in, len, &open);
			break;
		default:	/* QUEUE_FRAME_ABORT: queue_frame_next() let nothing else by */
			inject_message_abort();
			open = 0;
			break;
		}
	}
}
