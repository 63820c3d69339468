/*
 * fuzz_envelope - the qmail-queue envelope decoder (lib/envelope.c), the
 * bytes inject reads on fd 1 from whoever runs it.
 *
 * Checks: a decoded envelope encodes back to exactly the input (one
 * straight path: nothing is accepted that is not the canonical form), and
 * holds no CR or LF in any address.
 */
#include "fuzz.h"
#include "envelope.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope e;
	struct str out = STR_INIT(0);
	size_t i;

	if (envelope_decode((const char *)data, size, &e) != ENVELOPE_OK)
		return 0;
	if (e.nrcpt == 0 || strpbrk(e.sender, "\r\n"))
		abort();
	for (i = 0; i < e.nrcpt; i++)
		if (!e.rcpt[i][0] || strpbrk(e.rcpt[i], "\r\n"))
			abort();
	if (envelope_encode(&out, e.sender, (const char *const *)e.rcpt, e.nrcpt) < 0)
		abort();
	if (out.len != size || memcmp(out.s, data, size) != 0)
		abort();
	str_free(&out);
	envelope_free(&e);
	return 0;
}
