/*
 * fuzz_reply - the relay's SMTP/LMTP reply reader (relay/reply.c), fed a
 * server's bytes, and what the scheduler does with each reply: store it as
 * dsn_reply_format() writes it and split it again with dsn_reply_parse()
 * for a bounce (relay/dsn.c).
 *
 * Checks of each reply read: the code is 200..599; the text is what
 * reply.h promises (bounded, no control byte); the enhanced code is empty
 * or of the code's class; each line given to the callback lies within the
 * line buffer. The stored form parses back to the same host and, for a
 * 4xx or 5xx, a status of the reply's class.
 */
#include "fuzz.h"
#include "buf.h"
#include "relay/dsn.h"
#include "relay/reply.h"

static int in_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	in_fd = fuzz_memfd("server");
	return 0;
}

/* Touch every byte, so that ASan sees a line that is not all in the buffer. */
static void line_seen(void *arg, const char *text, size_t len)
{
	volatile unsigned sum = 0;
	size_t i;

	(void)arg;
	if (len > REPLY_LINE_MAX)
		abort();
	for (i = 0; i < len; i++)
		sum += (unsigned char)text[i];
	(void)sum;
}

static void reply_check(const struct reply *r)
{
	char mta[256], status[16];
	struct str stored = STR_INIT(0);
	const char *diag;
	size_t i;

	if (r->code < 200 || r->code > 599 || r->textlen != strlen(r->text) ||
	    r->textlen >= REPLY_TEXT_MAX || strlen(r->enhanced) >= sizeof r->enhanced ||
	    (r->enhanced[0] && r->enhanced[0] != '0' + r->code / 100))
		abort();
	for (i = 0; i < r->textlen; i++)
		if ((unsigned char)r->text[i] < 0x20 || r->text[i] == 0x7f)
			abort();
	if (dsn_reply_format(&stored, "mx.example.test", r->code, r->enhanced, r->text) < 0)
		abort();
	dsn_reply_parse(str_cstr(&stored), mta, sizeof mta, &diag, status);
	/* a bounce's status is of the reply's class (a 2xx is never bounced) */
	if (strcmp(mta, "mx.example.test") != 0 || strlen(status) >= sizeof status ||
	    (r->code >= 400 && status[0] != '0' + r->code / 100))
		abort();
	str_free(&stored);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char mem[4096];
	struct inbuf in;
	struct reply r;
	int n = 0;

	fuzz_memfd_set(in_fd, data, size);
	inbuf_init(&in, in_fd, mem, sizeof mem);
	while (n++ < 1000 && reply_read(&in, 1000, &r, line_seen, NULL) == REPLY_OK)
		reply_check(&r);
	return 0;
}
