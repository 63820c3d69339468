/*
 * fuzz_msghdr - what mailauth reads of an untrusted message
 * (verify/msghdr.c, verify/forward.c): the header walk, the
 * authserv-id of every Authentication-Results: field, the domain of From:,
 * the removal of the fields with our authserv-id, and the field written
 * with what was read (verify/authres.c).
 *
 * Input: the message.
 * Checks: the fields tile the header section exactly (each starts where the
 * last stopped, none is empty, names and values lie inside it); an id
 * read is non-empty and NUL-terminated within its buffer; a From: domain
 * is lowercase letters, digits, '-' and '.'; the stripped header plus the
 * rest is never longer than the message and keeps its body byte for byte;
 * no field removed has another id; the Authentication-Results: field made
 * from a From: domain has exactly one line break per method and no bare
 * CR or LF.
 */
#include "fuzz.h"
#include "verify/authres.h"
#include "verify/forward.h"
#include "verify/msghdr.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

static void check_domain(const char *d)
{
	for (; *d; d++)
		if (!((*d >= 'a' && *d <= 'z') || (*d >= '0' && *d <= '9') || *d == '-' || *d == '.'))
			abort();
}

static void check_field(const char *dom)
{
	struct authres r = { 0 };
	struct str o = STR_INIT(0);
	size_t i, crlf = 0;

	r.authserv_id = "mx.example.test";
	r.dmarc = AR_FAIL;
	r.from_domain = dom;
	r.dmarc_reason = dom;
	if (authres_format(&r, &o) < 0)
		abort();
	for (i = 0; i < o.len; i++) {
		if (o.s[i] == '\n' && (i == 0 || o.s[i - 1] != '\r'))
			abort();
		if (o.s[i] == '\r' && (i + 1 >= o.len || o.s[i + 1] != '\n'))
			abort();
		crlf += o.s[i] == '\n';
	}
	if (crlf != 2)
		abort();
	str_free(&o);
}

static void walk(const char *m, size_t size)
{
	struct msghdr_field f;
	size_t end = msghdr_end(m, size), pos = 0, last = 0;
	char id[256], dom[256];

	if (end > size)
		abort();
	while (msghdr_next(m, end, &pos, &f)) {
		if (f.start != last || f.stop <= f.start || f.stop > end || pos != f.stop)
			abort();
		if (f.namelen && (f.name != m + f.start || f.start + f.namelen >= f.stop))
			abort();
		if (f.valuelen && (f.value < m + f.start || f.value + f.valuelen > m + f.stop))
			abort();
		last = f.stop;
		if (msghdr_authserv_id(f.value, f.valuelen, id, sizeof id) &&
		    (!id[0] || strlen(id) >= sizeof id))
			abort();
		if (msghdr_from_domain(f.value, f.valuelen, dom, sizeof dom) == 1) {
			check_domain(dom);
			check_field(dom);
		}
	}
	if (last != end)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *m = (const char *)data;
	struct str head = STR_INIT(0);
	size_t body, removed;

	walk(m, size);
	if (forward_strip(m, size, "mx.example.test", &head, &body, &removed) < 0)
		abort();
	if (body > size || head.len + (size - body) > size || head.len > body)
		abort();
	str_free(&head);
	return 0;
}
