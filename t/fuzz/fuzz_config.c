/*
 * fuzz_config - the configuration reader (lib/config.c, with
 * lib/nexthop.c and lib/cidr.c for routes and networks): the input is
 * written to tern.conf in a temporary directory and loaded.
 *
 * Checks: a refused file gives a message naming the file; a loaded one
 * prints (config_print(), what `smtpd -n`-style checks show) as a
 * tern.conf that loads again to the same printout.
 */
#include <sys/stat.h>

#include "fuzz.h"
#include "config.h"

static char dir[64];
static int dir_fd, print_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_tmpdir(dir, "config");
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		abort();
	print_fd = fuzz_memfd("print");
	return 0;
}

/* config_print() of c, NUL-terminated; free it. */
static char *printout(const struct config *c, size_t *len)
{
	struct stat st;
	char *s;

	if (ftruncate(print_fd, 0) < 0 || lseek(print_fd, 0, SEEK_SET) != 0)
		abort();
	config_print(c, print_fd);
	if (fstat(print_fd, &st) < 0 || !(s = malloc((size_t)st.st_size + 1)) ||
	    pread(print_fd, s, (size_t)st.st_size, 0) != st.st_size)
		abort();
	s[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, again;
	char err[512], *p1, *p2;
	size_t n1, n2;

	fuzz_write(dir_fd, "tern.conf", data, size);
	if (config_load(dir, &c, err, sizeof err) < 0) {
		if (!strstr(err, "tern.conf"))
			abort();
		return 0;
	}
	p1 = printout(&c, &n1);
	fuzz_write(dir_fd, "tern.conf", p1, n1);
	if (config_load(dir, &again, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_config: the printout does not load: %s\n%s", err, p1);
		abort();
	}
	p2 = printout(&again, &n2);
	if (n1 != n2 || memcmp(p1, p2, n1) != 0)
		abort();
	free(p1);
	free(p2);
	config_free(&c);
	config_free(&again);
	return 0;
}
