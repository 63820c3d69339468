/* test_recipient - smtpd/recipient.c: valid recipients, alias expansion
 * (several targets, remote ones, catch-alls), loops, the depth limit,
 * the expansion limit, a missing database failing closed. */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "map_build.h"
#include "smtpd/recipient.h"

static char dir[64];
static struct config cfg;
static struct recipient_maps maps;
static struct recipient_list out;

static void write_map(const char *name, const char *text)
{
	char p[128], err[512];
	size_t n;
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_msg(map_build(p, &n, err, sizeof err) == 0, "%s", err);
}

static char *accept_list[] = { "example.test", "other.test" };

static void setup(void)
{
	strcpy(dir, "/tmp/test_recipient.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(&cfg, 0, sizeof cfg);
	cfg.accept = accept_list;
	cfg.naccept = 2;
	snprintf(cfg.recipients, sizeof cfg.recipients, "%s/recipients", dir);
	snprintf(cfg.aliases, sizeof cfg.aliases, "%s/aliases", dir);
	write_map("recipients", "alice@example.test\nbob@example.test\ncarol@example.test\n"
		  "@other.test\n");
	write_map("aliases",
		  "info@example.test alice@example.test, bob@example.test, x@remote.test\n"
		  "self@example.test self@example.test, alice@example.test\n"
		  "loop1@example.test loop2@example.test\n"
		  "loop2@example.test loop3@example.test\n"
		  "loop3@example.test alice@example.test loop1@example.test\n"
		  "team@example.test info@example.test carol@example.test\n"
		  "broken@example.test alice@example.test nobody@example.test\n"
		  "d0@example.test d1@example.test\nd1@example.test d2@example.test\n"
		  "d2@example.test d3@example.test\nd3@example.test d4@example.test\n"
		  "d4@example.test d5@example.test\nd5@example.test d6@example.test\n"
		  "d6@example.test d7@example.test\nd7@example.test d8@example.test\n"
		  "d8@example.test d9@example.test\nd9@example.test d10@example.test\n"
		  "d10@example.test alice@example.test\n"
		  "e1@example.test d1@example.test\n"
		  "box@example.test\n");
	memset(&maps, 0, sizeof maps);
	memset(&out, 0, sizeof out);
}

static void teardown(void)
{
	char cmd[128];

	recipient_maps_close(&maps);
	recipient_list_free(&out);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Resolve a and join the result with spaces. */
static enum recipient_result resolve(const char *a, char *joined, size_t max)
{
	enum recipient_result r;
	size_t i;

	recipient_list_free(&out);
	r = recipient_resolve(&maps, &cfg, a, &out);
	joined[0] = '\0';
	for (i = 0; i < out.n; i++) {
		if (i)
			strncat(joined, " ", max - strlen(joined) - 1);
		strncat(joined, out.a[i], max - strlen(joined) - 1);
	}
	return r;
}

START_TEST(valid_and_unknown)
{
	char j[1024];

	ck_assert_int_eq(recipient_maps_used(&cfg), 1);
	ck_assert_int_eq(resolve("alice@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "alice@example.test");
	ck_assert_int_eq(resolve("Alice@EXAMPLE.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "Alice@EXAMPLE.test");	/* the address as given */
	ck_assert_int_eq(resolve("mallory@example.test", j, sizeof j), RECIPIENT_UNKNOWN);
	ck_assert_str_eq(recipient_reply(RECIPIENT_UNKNOWN), "550 5.1.1 Error: unknown recipient");
	ck_assert_int_eq(resolve("anyone@other.test", j, sizeof j), RECIPIENT_OK);	/* @domain */
	ck_assert_int_eq(resolve("someone@remote.test", j, sizeof j), RECIPIENT_OK);	/* not ours */
	ck_assert_str_eq(j, "someone@remote.test");
}
END_TEST

START_TEST(aliases_expand)
{
	char j[1024];

	ck_assert_int_eq(resolve("info@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "alice@example.test bob@example.test x@remote.test");
	ck_assert_int_eq(resolve("INFO@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "alice@example.test bob@example.test x@remote.test");
	/* nested, each address once */
	ck_assert_int_eq(resolve("team@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "alice@example.test bob@example.test x@remote.test carol@example.test");
	/* an alias listing itself keeps its own mailbox */
	ck_assert_int_eq(resolve("self@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "self@example.test alice@example.test");
	/* a key without targets is a mailbox, even without a recipients entry */
	ck_assert_int_eq(resolve("box@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "box@example.test");
	/* an unknown local target refuses the whole address */
	ck_assert_int_eq(resolve("broken@example.test", j, sizeof j), RECIPIENT_UNKNOWN);
}
END_TEST

START_TEST(loops_and_depth)
{
	char j[1024];

	ck_assert_int_eq(resolve("loop1@example.test", j, sizeof j), RECIPIENT_LOOP);
	ck_assert_int_eq(resolve("loop3@example.test", j, sizeof j), RECIPIENT_LOOP);
	ck_assert_str_eq(recipient_reply(RECIPIENT_LOOP), "451 4.4.6 Error: alias loop, try again later");
	/* d1 .. d10: ten expansions reach alice; d0 needs eleven */
	ck_assert_int_eq(resolve("d1@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "alice@example.test");
	ck_assert_int_eq(resolve("e1@example.test", j, sizeof j), RECIPIENT_TOO_DEEP);
	ck_assert_int_eq(resolve("d0@example.test", j, sizeof j), RECIPIENT_TOO_DEEP);
}
END_TEST

START_TEST(expansion_limit)
{
	char *text = malloc(64 * 1100 + 64), j[64];
	size_t i, off;

	ck_assert_ptr_nonnull(text);
	off = (size_t)sprintf(text, "many@example.test");
	for (i = 0; i < RECIPIENT_EXPAND_MAX + 1; i++)
		off += (size_t)sprintf(text + off, " r%zu@remote.test", i);
	strcpy(text + off, "\n");
	write_map("aliases", text);
	free(text);
	ck_assert_int_eq(resolve("many@example.test", j, sizeof j), RECIPIENT_TOO_MANY);
}
END_TEST

START_TEST(missing_database_fails_closed)
{
	char j[64], p[128];

	snprintf(p, sizeof p, "%s/recipients.cdb", dir);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(resolve("alice@example.test", j, sizeof j), RECIPIENT_MAP_ERROR);
	ck_assert_int_eq(resolve("info@example.test", j, sizeof j), RECIPIENT_MAP_ERROR);
	ck_assert_str_eq(recipient_reply(RECIPIENT_MAP_ERROR),
			 "451 4.3.0 Error: recipient database unavailable, try again later");
}
END_TEST

START_TEST(aliases_only)
{
	char j[1024];

	cfg.recipients[0] = '\0';	/* no recipients map: every local part valid */
	ck_assert_int_eq(resolve("mallory@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "mallory@example.test");
	ck_assert_int_eq(resolve("info@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "alice@example.test bob@example.test x@remote.test");
	cfg.aliases[0] = '\0';
	ck_assert_int_eq(recipient_maps_used(&cfg), 0);
}
END_TEST

START_TEST(catch_all_alias)
{
	char j[1024];

	write_map("aliases", "@example.test carol@example.test\n");
	/* an exact mailbox wins over the catch-all */
	ck_assert_int_eq(resolve("alice@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "alice@example.test");
	ck_assert_int_eq(resolve("whoever@example.test", j, sizeof j), RECIPIENT_OK);
	ck_assert_str_eq(j, "carol@example.test");
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("recipient");
	TCase *tc = tcase_create("recipient");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_and_unknown);
	tcase_add_test(tc, aliases_expand);
	tcase_add_test(tc, loops_and_depth);
	tcase_add_test(tc, expansion_limit);
	tcase_add_test(tc, missing_database_fails_closed);
	tcase_add_test(tc, aliases_only);
	tcase_add_test(tc, catch_all_alias);
	suite_add_tcase(s, tc);
	return s;
}
