/* test_cdb - lib/cdb.c, cdb_make.c, map.c, map_build.c: round trips (100,000
 * keys), corrupt files, the map source syntax, newmap's atomic rebuild. */
#include <check.h>
#include "t/unit/check_main.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdb.h"
#include "map.h"
#include "map_build.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/test_cdb.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	path_in(p, sizeof p, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Build a database of n keys "keyI" -> "valueI" (key 0 also given twice). */
static void build(const char *name, size_t n)
{
	struct cdb_make m;
	char p[128], k[32], v[32];
	size_t i;
	int fd;

	path_in(p, sizeof p, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(cdb_make_start(&m, fd), 0);
	for (i = 0; i < n; i++) {
		snprintf(k, sizeof k, "key%zu", i);
		snprintf(v, sizeof v, "value%zu", i);
		ck_assert_int_eq(cdb_make_add(&m, k, strlen(k), v, strlen(v)), 0);
	}
	ck_assert_int_eq(cdb_make_add(&m, "key0", 4, "second", 6), 0);
	ck_assert_int_eq(cdb_make_add(&m, "", 0, "empty key", 9), 0);
	ck_assert_int_eq(cdb_make_finish(&m), 0);
	cdb_make_free(&m);
	close(fd);
}

static int find(struct cdb *db, const char *key, char *val, size_t max)
{
	uint32_t pos, len;
	int r = cdb_find(db, key, strlen(key), &pos, &len);

	if (r == 1) {
		ck_assert_uint_lt(len, max);
		ck_assert_int_eq(cdb_read(db, val, len, pos), 0);
		val[len] = '\0';
	}
	return r;
}

START_TEST(hash_known_values)
{
	/* djb's hash: h = 5381, h = h * 33 ^ c */
	ck_assert_uint_eq(cdb_hash("", 0), 5381);
	ck_assert_uint_eq(cdb_hash("a", 1), (5381u * 33) ^ 'a');
	ck_assert_uint_eq(cdb_hash("ab", 2), (((5381u * 33) ^ 'a') * 33) ^ 'b');
}
END_TEST

START_TEST(round_trip_100000)
{
	struct cdb db;
	char p[128], k[32], v[64], want[32];
	size_t i;

	build("big.cdb", 100000);
	path_in(p, sizeof p, "big.cdb");
	ck_assert_int_eq(cdb_open(&db, AT_FDCWD, p), 0);
	for (i = 0; i < 100000; i++) {
		snprintf(k, sizeof k, "key%zu", i);
		snprintf(want, sizeof want, "value%zu", i);
		ck_assert_int_eq(find(&db, k, v, sizeof v), 1);
		ck_assert_str_eq(v, want);
	}
	ck_assert_int_eq(find(&db, "key0", v, sizeof v), 1);
	ck_assert_str_eq(v, "value0");	/* the first of a repeated key */
	ck_assert_int_eq(find(&db, "", v, sizeof v), 1);
	ck_assert_str_eq(v, "empty key");
	ck_assert_int_eq(find(&db, "key100000", v, sizeof v), 0);
	ck_assert_int_eq(find(&db, "KEY1", v, sizeof v), 0);
	ck_assert_int_eq(find(&db, "nothing", v, sizeof v), 0);
	cdb_close(&db);
}
END_TEST

START_TEST(empty_database)
{
	struct cdb_make m;
	struct cdb db;
	char p[128], v[8];
	int fd;

	path_in(p, sizeof p, "empty.cdb");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_eq(cdb_make_start(&m, fd), 0);
	ck_assert_int_eq(cdb_make_finish(&m), 0);
	cdb_make_free(&m);
	close(fd);
	ck_assert_int_eq(cdb_open(&db, AT_FDCWD, p), 0);
	ck_assert_uint_eq(db.size, 2048);
	ck_assert_int_eq(find(&db, "x", v, sizeof v), 0);
	cdb_close(&db);
}
END_TEST

/* Truncated and corrupt files: errors, never reads out of bounds or loops. */
START_TEST(corrupt_files)
{
	struct cdb db;
	char p[128], v[64];
	unsigned char slot[8] = { 0 };
	uint32_t h;
	int fd;

	path_in(p, sizeof p, "short.cdb");
	write_file("short.cdb", "too short for a header");
	errno = 0;
	ck_assert_int_eq(cdb_open(&db, AT_FDCWD, p), -1);
	ck_assert_int_eq(errno, EPROTO);
	path_in(p, sizeof p, "missing.cdb");
	ck_assert_int_eq(cdb_open(&db, AT_FDCWD, p), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(cdb_open(&db, AT_FDCWD, dir), -1);	/* a directory */

	build("cut.cdb", 1000);
	path_in(p, sizeof p, "cut.cdb");
	ck_assert_int_eq(truncate(p, 4096), 0);	/* tables cut off */
	ck_assert_int_eq(cdb_open(&db, AT_FDCWD, p), 0);
	ck_assert_int_eq(find(&db, "key1", v, sizeof v), -1);
	ck_assert_int_eq(errno, EPROTO);
	cdb_close(&db);

	/* a table whose every slot is taken (it points at the records, whose
	 * bytes are all non-zero): the search gives up after one pass */
	build("full.cdb", 10);
	path_in(p, sizeof p, "full.cdb");
	fd = open(p, O_RDWR);
	h = cdb_hash("absent", 6);
	slot[0] = 0x00;
	slot[1] = 0x08;	/* position 2048 */
	slot[4] = 4;	/* 4 slots */
	ck_assert_int_eq(pwrite(fd, slot, 8, (h & 255) * 8), 8);
	close(fd);
	ck_assert_int_eq(cdb_open(&db, AT_FDCWD, p), 0);
	ck_assert_int_eq(find(&db, "absent", v, sizeof v), 0);
	cdb_close(&db);
}
END_TEST

START_TEST(map_lines)
{
	struct str k = STR_INIT(0), v = STR_INIT(0);
	char err[256];
	const char *line;

	ck_assert_int_eq(map_line_parse("", 0, &k, &v, err, sizeof err), 0);
	line = "   # only a comment";
	ck_assert_int_eq(map_line_parse(line, strlen(line), &k, &v, err, sizeof err), 0);
	line = "Alice@Example.TEST";
	ck_assert_int_eq(map_line_parse(line, strlen(line), &k, &v, err, sizeof err), 1);
	ck_assert_str_eq(str_cstr(&k), "alice@example.test");
	ck_assert_uint_eq(v.len, 0);
	line = "info@example.test\tA@x.test, b@y.test,c@z.test  d@w.test # staff";
	ck_assert_int_eq(map_line_parse(line, strlen(line), &k, &v, err, sizeof err), 1);
	ck_assert_str_eq(str_cstr(&k), "info@example.test");
	ck_assert_uint_eq(v.len, 36);
	ck_assert_int_eq(memcmp(v.s, "A@x.test\0b@y.test\0c@z.test\0d@w.test\0", 36), 0);
	line = "@Example.Net";
	ck_assert_int_eq(map_line_parse(line, strlen(line), &k, &v, err, sizeof err), 1);
	ck_assert_str_eq(str_cstr(&k), "@example.net");
	line = "a@b.test @c.test";	/* @domain is a key, never a target */
	ck_assert_int_eq(map_line_parse(line, strlen(line), &k, &v, err, sizeof err), -1);
	ck_assert_str_eq(err, "'@c.test': not an address");
	line = "no-at-sign";
	ck_assert_int_eq(map_line_parse(line, strlen(line), &k, &v, err, sizeof err), -1);
	ck_assert_str_eq(err, "'no-at-sign': not an address");
	line = "@bad_domain";
	ck_assert_int_eq(map_line_parse(line, strlen(line), &k, &v, err, sizeof err), -1);
	ck_assert_str_eq(err, "'@bad_domain': not @domain");
	ck_assert_int_eq(map_line_parse("a@b.test\x01", 9, &k, &v, err, sizeof err), -1);
	ck_assert_str_eq(err, "control byte 0x01");
	str_free(&k);
	str_free(&v);
}
END_TEST

START_TEST(map_build_and_lookup)
{
	struct str v = STR_INIT(0);
	struct map m;
	struct stat st;
	char src[128], db[128], err[512];
	size_t n;

	write_file("aliases", "# aliases\r\ninfo@example.test a@example.test, B@remote.test\n"
		   "a@example.test\n\n@other.test catch@example.test\n");
	path_in(src, sizeof src, "aliases");
	ck_assert_int_eq(map_build(src, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 3);
	path_in(db, sizeof db, "aliases.cdb");
	ck_assert_int_eq(stat(db, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(map_open(&m, src), 0);
	ck_assert_int_eq(map_lookup(&m, "info@example.test", &v), 1);
	ck_assert_uint_eq(v.len, 29);
	ck_assert_int_eq(memcmp(v.s, "a@example.test\0B@remote.test\0", 29), 0);
	ck_assert_int_eq(map_lookup(&m, "a@example.test", &v), 1);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(map_lookup(&m, "@other.test", &v), 1);
	ck_assert_int_eq(map_lookup(&m, "b@example.test", &v), 0);
	map_close(&m);
	str_free(&v);
}
END_TEST

/* A bad source leaves the old database as it was and no temporary file. */
START_TEST(map_build_errors_keep_old)
{
	char src[128], db[128], err[512], cmd[256];
	struct stat before, after;
	size_t n;

	write_file("rcpt", "a@example.test\n");
	path_in(src, sizeof src, "rcpt");
	path_in(db, sizeof db, "rcpt.cdb");
	ck_assert_int_eq(map_build(src, &n, err, sizeof err), 0);
	ck_assert_int_eq(stat(db, &before), 0);

	write_file("rcpt", "a@example.test\nb@example.test\nA@Example.test\n");
	ck_assert_int_eq(map_build(src, &n, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "rcpt:3: key 'a@example.test' given twice (first on line 1)"));
	write_file("rcpt", "a@example.test\nbroken@\n");
	ck_assert_int_eq(map_build(src, &n, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "rcpt:2: 'broken@': not an address"));

	ck_assert_int_eq(stat(db, &after), 0);
	ck_assert_uint_eq(after.st_ino, before.st_ino);
	snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) = 2", dir);	/* rcpt, rcpt.cdb */
	ck_assert_int_eq(system(cmd), 0);
	path_in(src, sizeof src, "absent");
	ck_assert_int_eq(map_build(src, &n, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "absent: open: No such file or directory"));
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("cdb");
	TCase *tc = tcase_create("cdb");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hash_known_values);
	tcase_add_test(tc, round_trip_100000);
	tcase_add_test(tc, empty_database);
	tcase_add_test(tc, corrupt_files);
	tcase_add_test(tc, map_lines);
	tcase_add_test(tc, map_build_and_lookup);
	tcase_add_test(tc, map_build_errors_keep_old);
	suite_add_tcase(s, tc);
	return s;
}
