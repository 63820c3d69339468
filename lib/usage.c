/*
 * usage - "--help" on standard output, misuse on standard error (usage.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "usage.h"

void usage_help(int argc, char **argv, const char *text)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0)
			exit(fd_write_all(1, text, strlen(text)) < 0 ? 1 : 0);
}

void usage_die(int exitcode, const char *text)
{
	const char *name = log_program();

	if (fd_write_all(2, name, strlen(name)) == 0 && fd_write_all(2, ": ", 2) == 0)
		fd_write_all(2, text, strlen(text));
	exit(exitcode);
}
