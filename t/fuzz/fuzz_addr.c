/*
 * fuzz_addr - the RFC 5321 address parser (lib/addr.c).
 *
 * Input: one flags byte (bit 0 ADDR_ALLOW_NULL, bit 1 ADDR_UTF8), then the
 * text. Besides the sanitizers it checks what addr.h promises of a parse
 * that succeeds: consumed within the input and through a ">", the text
 * within ADDR_PATH_MAX and free of CR, LF and NUL, the local part and the
 * domain within their limits, no byte above 0x7f without ADDR_UTF8, and
 * that the mailbox it produced parses again to itself (what the envelope
 * decoder in inject will do with it).
 */
#include "fuzz.h"
#include "addr.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

static void addr_check(const struct addr *a, int flags)
{
	struct addr again;
	size_t i;

	if (a->len != strlen(a->text) || a->len > ADDR_PATH_MAX)
		abort();
	if (strpbrk(a->text, "\r\n"))
		abort();
	if (a->len == 0)
		return;		/* the null path */
	if (a->local_len > ADDR_LOCAL_MAX || a->text[a->local_len] != '@' ||
	    a->domain != a->text + a->local_len + 1 || strlen(a->domain) > ADDR_DOMAIN_MAX)
		abort();
	for (i = 0; !(flags & ADDR_UTF8) && i < a->len; i++)
		if ((unsigned char)a->text[i] >= 0x80)
			abort();
	if (addr_parse_mailbox(a->text, a->len, ADDR_UTF8, &again) != ADDR_OK ||
	    strcmp(again.text, a->text) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr a;
	size_t used = (size_t)-1;
	int flags;
	const char *s;

	if (size < 1)
		return 0;
	flags = data[0] & 3;
	s = (const char *)data + 1;
	size--;
	if (addr_parse_path(s, size, flags, &a, &used) == ADDR_OK) {
		if (used > size || used < 2 || s[used - 1] != '>')
			abort();
		addr_check(&a, flags);
	}
	if (addr_parse_mailbox(s, size, flags & ADDR_UTF8, &a) == ADDR_OK) {
		if (a.len == 0)
			abort();	/* a mailbox is never null */
		addr_check(&a, flags);
	}
	addr_domain_valid(s, size);
	addr_literal_valid(s, size);
	return 0;
}
