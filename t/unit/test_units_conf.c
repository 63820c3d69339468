/*
 * test_units_conf: units/tern.conf, the commented default configuration that
 * make install puts in CONFDIR, says true things. As shipped (all comments)
 * it loads; every "#key value" line, uncommented alone, loads too; and every
 * line that claims to show a default changes nothing in config_print().
 * Run from the checkout root (t/run does).
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define SHIPPED "units/tern.conf"

/* Keys whose commented line in units/tern.conf shows the compiled default. */
static const char *const default_keys[] = {
	"max-message-size", "max-recipients", "command-timeout", "data-timeout",
	"data-min-rate", "session-timeout", "smtpd-user", "queue-program", "queue-dir", "queue-user",
	"relay-user", "maildir-user", "smtp-port", "retry-min", "retry-max", "queue-lifetime",
	"concurrency", "destination-concurrency", "bounce-body-max", "tls-handshake-timeout",
	"tls-program", "auth-program", "auth-password-file", "auth-timeout", "auth-failure-delay",
	"auth-failure-limit", "mailauth-queue-program", "spf-reject", "dmarc-reject",
	"mailauth-timeout", "public-suffix-list", NULL
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ck_assert(m != NULL);
	int c;
	while ((c = getc(f)) != EOF)
		putc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

static void write_conf(const char *dir, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/tern.conf", dir);
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* load_print: config_load(dir) must succeed; returns config_print's text. */
static char *load_print(const char *dir, const char *what)
{
	struct config c;
	char err[512] = "";
	ck_assert_msg(config_load(dir, &c, err, sizeof err) == 0, "%s: %s", what, err);
	char tmpl[] = "/tmp/test_units_conf.XXXXXX";
	int fd = mkstemp(tmpl);
	ck_assert(fd >= 0);
	unlink(tmpl);
	config_print(&c, fd);
	config_free(&c);
	off_t n = lseek(fd, 0, SEEK_END);
	ck_assert(n > 0);
	char *out = calloc(1, (size_t)n + 1);
	ck_assert(out != NULL);
	ck_assert_int_eq(pread(fd, out, (size_t)n, 0), n);
	close(fd);
	return out;
}

static char dir[] = "/tmp/test_units_conf.d.XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/test_units_conf.d.XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/tern.conf", dir);
	unlink(path);
	rmdir(dir);
}

START_TEST(shipped_loads)
{
	struct config c;
	char err[512] = "";
	ck_assert_msg(config_load("units", &c, err, sizeof err) == 0, "%s", err);
	/* Fails closed: as installed, no domain is accepted. */
	ck_assert_uint_eq(c.naccept, 0);
	ck_assert_uint_eq(c.nrelay_nets, 0);
	ck_assert(!config_accepts_domain(&c, "example.org"));
	config_free(&c);
}
END_TEST

/* Every "#key value" line, uncommented alone, is a valid setting; a line that
 * shows a default leaves config_print()'s output as it was. */
START_TEST(each_line_valid)
{
	char *text = slurp(SHIPPED);
	write_conf(dir, text);
	char *base = load_print(dir, "shipped copy");
	unsigned tried = 0, defaults = 0;
	for (char *line = text; *line; ) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > 1 && line[0] == '#' && line[1] >= 'a' && line[1] <= 'z') {
			char one[512];
			ck_assert(len < sizeof one);
			memcpy(one, line + 1, len - 1);
			one[len - 1] = '\0';
			char conf[600];
			snprintf(conf, sizeof conf, "%s\n", one);
			write_conf(dir, conf);
			char *got = load_print(dir, one);
			int is_default = 0;
			for (const char *const *k = default_keys; *k; k++) {
				size_t kl = strlen(*k);
				if (strncmp(one, *k, kl) == 0 && one[kl] == ' ')
					is_default = 1;
			}
			if (is_default) {
				ck_assert_msg(strcmp(got, base) == 0,
					      "\"%s\" claims to be the default but changes the effective configuration", one);
				defaults++;
			}
			free(got);
			tried++;
		}
		line += len + (end != NULL);
	}
	ck_assert_uint_ge(tried, 25);
	ck_assert_uint_eq(defaults, sizeof default_keys / sizeof *default_keys - 1);
	free(base);
	free(text);
}
END_TEST

/* The check can fail: a bad line is refused with file and line. */
START_TEST(bad_line_refused)
{
	write_conf(dir, "#hostname x\nmax-recipients many\n");
	struct config c;
	char err[512] = "";
	ck_assert_int_eq(config_load(dir, &c, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "tern.conf:2") != NULL, "%s", err);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("units_conf");
	TCase *tc = tcase_create("default tern.conf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shipped_loads);
	tcase_add_test(tc, each_line_valid);
	tcase_add_test(tc, bad_line_refused);
	suite_add_tcase(s, tc);
	return s;
}
