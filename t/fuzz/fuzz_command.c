/*
 * fuzz_command - smtpd's command line parser and MAIL parameters
 * (smtpd/command.c), the way session.c calls them: one line without its
 * CRLF, free of NUL and CR (the session refuses those before parsing).
 *
 * Checks: the argument lies within the line, NUL-terminated by it; a
 * path argument lies within the argument.
 */
#include "fuzz.h"
#include "addr.h"
#include "smtpd/command.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

static void path_check(const struct command *c, const char *prefix)
{
	struct mail_params p;
	struct addr a;
	const char *path;
	size_t len, used;

	if (command_path_arg(c, prefix, &path, &len) < 0)
		return;
	if (path < c->arg || path + len > c->arg + c->arglen)
		abort();
	if (addr_parse_path(path, len, ADDR_ALLOW_NULL | ADDR_UTF8, &a, &used) != ADDR_OK)
		return;
	if (used > len)
		abort();
	command_mail_params(path + used, len - used, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_params p;
	struct command c;
	char *line;

	if (size > 510 || memchr(data, 0, size) || memchr(data, '\r', size))
		return 0;
	line = fuzz_strdup(data, size);
	command_parse(line, size, &c);
	if (c.arg < line || c.arg + c.arglen > line + size || c.arg[c.arglen] != '\0')
		abort();
	path_check(&c, "FROM:");
	path_check(&c, "TO:");
	command_mail_params(line, size, &p);
	free(line);
	return 0;
}
