/*
 * fuzz_mailinput - sendmail's input handling (queue/mailinput.c): line-end
 * normalising, the header block, header fields and RFC 5322 address lists
 * (what sendmail -t reads recipients from).
 *
 * Input: one control byte (bit 0: a "." line ends the input, as sendmail
 * without -i; bits 1-7: where to cut the rest into two feeds), then the
 * message. Checks: the output has CRLF line ends only; the header block
 * and every field lie within it; every address handed out is a non-empty
 * string no longer than the field it came from.
 */
#include "fuzz.h"
#include "queue/mailinput.h"

struct span {
	const char *p;
	size_t n;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

/* An address is a NUL-terminated copy, no longer than the field it came from. */
static int address_check(void *ctx, const char *addr, size_t len)
{
	const struct span *f = ctx;

	if (len == 0 || len > f->n || addr[len] != '\0')
		abort();
	return 0;
}

static void crlf_check(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n')) ||
		    (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailinput m;
	struct mailinput_field f;
	struct str out = STR_INIT(0);
	const char *msg;
	size_t cut, scan = 0, hdr_len, body_start, pos = 0;
	int r;

	if (size < 1)
		return 0;
	mailinput_init(&m, data[0] & 1);
	cut = (size_t)(data[0] >> 1);
	data++;
	size--;
	if (cut > size)
		cut = size;
	r = mailinput_feed(&m, (const char *)data, cut, &out);
	if (r == 0)
		r = mailinput_feed(&m, (const char *)data + cut, size - cut, &out);
	if (r < 0 || mailinput_finish(&m, &out) < 0)
		abort();
	msg = str_cstr(&out);	/* as sendmail: never a NULL pointer */
	crlf_check(msg, out.len);
	if (!mailinput_header_end(msg, out.len, &scan, &hdr_len, &body_start)) {
		hdr_len = out.len;	/* sendmail takes a message without a body whole */
	} else if (hdr_len > body_start || body_start > out.len) {
		abort();
	}
	while (mailinput_field_next(msg, hdr_len, &pos, &f)) {
		struct span sp = { f.value, f.value_len };

		if (f.start + f.len > hdr_len || f.value < msg + f.start ||
		    f.value + f.value_len > msg + f.start + f.len)
			abort();
		mailinput_field_is(&f, "to");
		mailinput_addrlist(f.value, f.value_len, address_check, &sp);
	}
	str_free(&out);
	return 0;
}
