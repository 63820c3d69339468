/*
 * checkpw - a checkpassword program (the qmail interface) for smtpd's AUTH:
 * user, password and timestamp on fd 3, checked against auth-password-file;
 * on success it runs the program named by its arguments. Only main() and
 * the fd 3 protocol are here; the file and crypt(3) are passwd.c. See
 * checkpw(8).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "passwd.h"
#include "usage.h"

#define INPUT_MAX 4096		/* checkpassword's 512, and room for long passwords */
#define INPUT_TIMEOUT_MS 30000

static const char checkpw_usage[] =
	"usage: checkpw PROGRAM [ARG...] 3<INPUT\n"
	"Checks the user and password on fd 3 (user\\0password\\0timestamp\\0, qmail's\n"
	"checkpassword interface) against auth-password-file; runs PROGRAM (an absolute\n"
	"path) when they are right. Exit 1: wrong; 111: temporary failure.\n"
	"  --help  print this text and exit (only as the first argument)\n"
	"See checkpw(8), tern.conf(5).\n";

enum { EXIT_GOOD = 0, EXIT_BAD = 1, EXIT_USAGE = 2, EXIT_TEMP = 111 };

/* Everything on fd 3 up to EOF: at most INPUT_MAX octets, within the deadline. */
static size_t checkpw_read_input(char *buf, size_t max)
{
	long long end = clock_ms() + INPUT_TIMEOUT_MS;
	struct pollfd p = { .fd = 3, .events = POLLIN, .revents = 0 };
	size_t n = 0;
	ssize_t r;

	for (;;) {
		long long left = end - clock_ms();
		if (left <= 0)
			log_die(EXIT_TEMP, "fd 3: timed out");
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			log_die(EXIT_TEMP, "fd 3: poll: %s", strerror(errno));
		r = read(3, buf + n, max - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			log_die(EXIT_TEMP, "fd 3: read: %s", strerror(errno));
		if (r == 0)
			return n;
		n += (size_t)r;
		if (n == max)
			log_die(EXIT_TEMP, "fd 3: more than %d octets", INPUT_MAX - 1);
	}
}

/* The subprogram runs without our group (checkpassword: exec on success). */
static void checkpw_exec(char **argv)
{
	if (setgid(getgid()) < 0)
		log_die(EXIT_TEMP, "setgid: %s", strerror(errno));
	execv(argv[0], argv);
	log_die(EXIT_TEMP, "exec %s: %s", argv[0], strerror(errno));
}

static const char *checkpw_password_file(void)
{
	static struct config cfg;
	char err[512];

	if (config_load(config_dir(), &cfg, err, sizeof err) < 0)
		log_die(EXIT_TEMP, "configuration: %s", err);
	return cfg.auth_password_file;
}

int main(int argc, char **argv)
{
	static char input[INPUT_MAX], hash[PASSWD_LINE_MAX + 1];
	char err[600];
	const char *user, *password, *nul;
	size_t n;
	int found, ok;

	log_init("checkpw");
	/* only checkpw's own argument: the rest belongs to PROGRAM */
	if (argc >= 2 && strcmp(argv[1], "--help") == 0)
		usage_help(2, argv, checkpw_usage);
	if (argc < 2 || argv[1][0] != '/')
		usage_die(EXIT_USAGE, checkpw_usage);
	n = checkpw_read_input(input, sizeof input);
	close(3);
	user = input;
	nul = memchr(input, '\0', n);
	if (!nul || !memchr(nul + 1, '\0', n - (size_t)(nul + 1 - input)))
		log_die(EXIT_USAGE, "fd 3: want user\\0password\\0timestamp\\0");
	password = nul + 1;
	found = passwd_lookup(checkpw_password_file(), user, hash, sizeof hash, err, sizeof err);
	if (found < 0) {
		explicit_bzero(input, sizeof input);
		log_die(EXIT_TEMP, "%s", err);
	}
	ok = passwd_verify(password, found ? hash : NULL) && user[0];
	explicit_bzero(input, sizeof input);
	explicit_bzero(hash, sizeof hash);
	if (!ok)
		return EXIT_BAD;
	checkpw_exec(argv + 1);
}
