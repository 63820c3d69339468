/*
 * newmap - compile address maps into their cdb databases: main() only;
 * see newmap(8) and map_build.h.
 *
 *	newmap SOURCE...	write SOURCE.cdb from each SOURCE
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "map_build.h"
#include "usage.h"

static const char usage[] =
	"usage: newmap SOURCE...\n"
	"Compile each address map SOURCE (the recipients and aliases files of\n"
	"tern.conf) into SOURCE.cdb, atomically: the database smtpd reads.\n"
	"  SOURCE   lines of KEY [TARGET...]: KEY an address or @domain\n"
	"  --help   print this text and exit\n"
	"See newmap(8), tern.conf(5).\n";

int main(int argc, char **argv)
{
	char err[1024];
	size_t n;
	int i, status = 0;

	log_init("newmap");
	usage_help(argc, argv, usage);
	if (argc < 2 || argv[1][0] == '-')
		usage_die(100, usage);
	for (i = 1; i < argc; i++) {
		if (map_build(argv[i], &n, err, sizeof err) < 0) {
			log_msg(LOG_ERR, "%s", err);
			status = 111;
			continue;
		}
		printf("newmap: %s.cdb: %zu keys\n", argv[i], n);
	}
	return status;
}
