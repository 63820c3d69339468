/* test_reply - reply parsing (relay/reply.c) and DATA encoding (relay/dataenc.c) */
#include <check.h>
#include "t/unit/check_main.h"
#include <string.h>
#include <unistd.h>

#include "relay/reply.h"
#include "relay/dataenc.h"
#include "guarded.h"

static enum reply_status feed_all(struct reply *r, const char *const *lines)
{
	enum reply_status st = REPLY_MORE;

	reply_init(r);
	for (; *lines; lines++) {
		st = reply_feed(r, *lines, strlen(*lines));
		if (st != REPLY_MORE)
			return st;
	}
	return st;
}

START_TEST(single_line_enhanced)
{
	struct reply r;
	const char *l[] = { "250 2.1.5 Ok, recipient\r\n", NULL };

	ck_assert_int_eq(feed_all(&r, l), REPLY_OK);
	ck_assert_int_eq(r.code, 250);
	ck_assert_str_eq(r.enhanced, "2.1.5");
	ck_assert_str_eq(r.text, "Ok, recipient");
}
END_TEST

/* Every prefix of each line, ending at an unreadable page (a bare code is a
 * whole reply): nothing past the given length is read. */
START_TEST(prefixes_read_nothing_past_the_end)
{
	static const char *const lines[] = {
		"550 5.1.1 user unknown\r\n", "550-5.1.1 first\r\n", "550\r\n", "550 \r\n",
		"550 5.1\r\n", "550 5.1.\r\n", "550 5..1 x\r\n", "250 2.0.0\r\n",
	};
	struct reply r;
	size_t i, k;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		for (k = 0; k <= strlen(lines[i]); k++) {
			reply_init(&r);
			reply_feed(&r, guarded_mem(lines[i], k), k);
			/* a continuation after a first line with an enhanced code */
			reply_init(&r);
			ck_assert_int_eq(reply_feed(&r, "550-5.1.1 a\r\n", 13), REPLY_MORE);
			reply_feed(&r, guarded_mem(lines[i], k), k);
			guarded_free();
		}
}
END_TEST

START_TEST(multi_line)
{
	struct reply r;
	const char *l[] = { "550-5.1.1 The email account\r\n", "550-5.1.1 does not\r\n",
			    "550 5.1.1 exist.\r\n", NULL };

	ck_assert_int_eq(feed_all(&r, l), REPLY_OK);
	ck_assert_int_eq(r.code, 550);
	ck_assert_str_eq(r.enhanced, "5.1.1");
	ck_assert_str_eq(r.text, "The email account does not exist.");
	ck_assert_uint_eq(r.nlines, 3);
}
END_TEST

START_TEST(multi_line_incomplete)
{
	struct reply r;
	const char *l[] = { "250-mx.example\r\n", "250-PIPELINING\r\n", NULL };

	ck_assert_int_eq(feed_all(&r, l), REPLY_MORE);
}
END_TEST

START_TEST(bare_code_and_no_enhanced)
{
	struct reply r;
	const char *l[] = { "354\r\n", NULL };
	const char *m[] = { "451 try 4.3.0 later\n", NULL };

	ck_assert_int_eq(feed_all(&r, l), REPLY_OK);
	ck_assert_int_eq(r.code, 354);
	ck_assert_str_eq(r.text, "");
	ck_assert_int_eq(feed_all(&r, m), REPLY_OK);
	ck_assert_str_eq(r.enhanced, "");
	ck_assert_str_eq(r.text, "try 4.3.0 later");
}
END_TEST

START_TEST(enhanced_class_must_match)
{
	struct reply r;
	const char *l[] = { "250 5.1.1 odd\r\n", NULL };
	const char *m[] = { "550 5.1.1234 odd\r\n", NULL };
	const char *n[] = { "550 5.1.10\r\n", NULL };

	ck_assert_int_eq(feed_all(&r, l), REPLY_OK);
	ck_assert_str_eq(r.enhanced, "");
	ck_assert_str_eq(r.text, "5.1.1 odd");
	ck_assert_int_eq(feed_all(&r, m), REPLY_OK);
	ck_assert_str_eq(r.enhanced, "");
	ck_assert_int_eq(feed_all(&r, n), REPLY_OK);
	ck_assert_str_eq(r.enhanced, "5.1.10");
	ck_assert_str_eq(r.text, "");
}
END_TEST

START_TEST(malformed)
{
	struct reply r;
	const char *bad[][3] = {
		{ "hello\r\n", NULL, NULL },
		{ "25\r\n", NULL, NULL },
		{ "650 no\r\n", NULL, NULL },
		{ "160 no\r\n", NULL, NULL },
		{ "260 no\r\n", NULL, NULL },
		{ "25a no\r\n", NULL, NULL },
		{ "250xno\r\n", NULL, NULL },
		{ "250-a\r\n", "251 b\r\n", NULL },
		{ "250-a\r\n", "junk\r\n", NULL },
		{ "\r\n", NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(feed_all(&r, bad[i]) == REPLY_MALFORMED, "case %zu", i);
}
END_TEST

START_TEST(too_long_and_too_many)
{
	struct reply r;
	static char line[REPLY_LINE_MAX + 10];
	size_t i;

	memset(line, 'a', sizeof line);
	memcpy(line, "250 ", 4);
	reply_init(&r);
	ck_assert_int_eq(reply_feed(&r, line, REPLY_LINE_MAX + 1), REPLY_MALFORMED);
	ck_assert_int_eq(reply_feed(&r, line, REPLY_LINE_MAX), REPLY_OK);
	ck_assert_uint_eq(r.textlen, REPLY_TEXT_MAX - 1);
	reply_init(&r);
	for (i = 0; i < REPLY_LINES_MAX; i++)
		ck_assert_int_eq(reply_feed(&r, "250-x", 5), REPLY_MORE);
	ck_assert_int_eq(reply_feed(&r, "250 x", 5), REPLY_MALFORMED);
}
END_TEST

START_TEST(control_bytes_sanitised)
{
	struct reply r;
	char l[] = "550 5.7.1 a\rb\x01" "c\x7f" "d\0e";

	reply_init(&r);
	ck_assert_int_eq(reply_feed(&r, l, sizeof l - 1), REPLY_OK);
	ck_assert_str_eq(r.text, "a?b?c?d?e");
}
END_TEST

static void collect(void *arg, const char *t, size_t n)
{
	char *out = arg;
	strncat(out, t, n);
	strcat(out, "|");
}

START_TEST(read_from_fd)
{
	int p[2];
	struct inbuf in;
	char mem[64], seen[256] = "";
	struct reply r;
	const char *s = "250-mx.example hello\r\n250-SIZE 1000\r\n250 PIPELINING\r\n421 bye\r\n25";

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], s, strlen(s)), (ssize_t)strlen(s));
	close(p[1]);
	inbuf_init(&in, p[0], mem, sizeof mem);
	ck_assert_int_eq(reply_read(&in, 1000, &r, collect, seen), REPLY_OK);
	ck_assert_str_eq(seen, "mx.example hello|SIZE 1000|PIPELINING|");
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(reply_read(&in, 1000, &r, NULL, NULL), REPLY_OK);
	ck_assert_int_eq(r.code, 421);
	ck_assert_int_eq(reply_read(&in, 1000, &r, NULL, NULL), REPLY_EOF);
	close(p[0]);
}
END_TEST

START_TEST(read_timeout)
{
	int p[2];
	struct inbuf in;
	char mem[64];
	struct reply r;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "250-a\r\n", 7), 7);
	inbuf_init(&in, p[0], mem, sizeof mem);
	ck_assert_int_eq(reply_read(&in, 50, &r, NULL, NULL), REPLY_TIMEOUT);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* encode in, split at every position into two chunks, expect the same out */
static void enc_check(const char *in, size_t n, const char *want)
{
	char out[256];
	size_t split, o;
	struct dataenc e;

	for (split = 0; split <= n; split++) {
		dataenc_init(&e);
		o = dataenc_chunk(&e, in, split, out);
		ck_assert_uint_le(o, DATAENC_OUT_MAX(split));
		o += dataenc_chunk(&e, in + split, n - split, out + o);
		o += dataenc_finish(&e, out + o);
		out[o] = '\0';
		ck_assert_msg(o == strlen(want) && !memcmp(out, want, o),
			      "split %zu: got \"%s\"", split, out);
	}
}

#define ENC(in, want) enc_check(in, sizeof(in) - 1, want)

START_TEST(encode_line_breaks)
{
	ENC("", ".\r\n");
	ENC("a", "a\r\n.\r\n");
	ENC("a\r\n", "a\r\n.\r\n");
	ENC("a\n", "a\r\n.\r\n");
	ENC("a\r", "a\r\n.\r\n");
	ENC("a\n\r", "a\r\n\r\n.\r\n");
	ENC("a\r\rb", "a\r\n\r\nb\r\n.\r\n");
	ENC("a\r\n\nb", "a\r\n\r\nb\r\n.\r\n");
	ENC("a\n\nb\r\r\n", "a\r\n\r\nb\r\n\r\n.\r\n");
}
END_TEST

START_TEST(encode_dots)
{
	ENC(".", "..\r\n.\r\n");
	ENC(".\r\n", "..\r\n.\r\n");
	ENC("a\r\n.\r\n", "a\r\n..\r\n.\r\n");
	ENC("a\n.\n", "a\r\n..\r\n.\r\n");
	/* the notqmail smuggling case: <CR>.<CR><LF> */
	ENC("a\r.\r\nb", "a\r\n..\r\nb\r\n.\r\n");
	ENC("a\r\n..x\r.y\n.", "a\r\n...x\r\n..y\r\n..\r\n.\r\n");
	ENC("a.b\r\n x.", "a.b\r\n x.\r\n.\r\n");
}
END_TEST

/* every string of up to 4 bytes over {a, ., CR, LF}: no bare CR/LF, stuffed */
START_TEST(encode_exhaustive)
{
	const char alpha[] = { 'a', '.', '\r', '\n' };
	char in[4], out[64];
	size_t len, k, i, o;
	struct dataenc e;

	for (len = 0; len <= 4; len++) {
		size_t total = 1;
		for (i = 0; i < len; i++)
			total *= 4;
		for (k = 0; k < total; k++) {
			size_t v = k;
			for (i = 0; i < len; i++, v /= 4)
				in[i] = alpha[v % 4];
			dataenc_init(&e);
			o = dataenc_chunk(&e, in, len, out);
			o += dataenc_finish(&e, out + o);
			for (i = 0; i < o; i++) {
				if (out[i] == '\r')
					ck_assert(i + 1 < o && out[i + 1] == '\n');
				if (out[i] == '\n')
					ck_assert(i > 0 && out[i - 1] == '\r');
				/* a line starting with '.' in the output is stuffed, except the end */
				if ((i == 0 || out[i - 1] == '\n') && out[i] == '.' && i + 3 != o)
					ck_assert(out[i + 1] == '.');
			}
			ck_assert(o >= 3 && !memcmp(out + o - 3, ".\r\n", 3));
			ck_assert(o == 3 || (out[o - 5] == '\r' && out[o - 4] == '\n'));
		}
	}
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("reply");
	TCase *t = tcase_create("reply");

	tcase_add_test(t, single_line_enhanced);
	tcase_add_test(t, multi_line);
	tcase_add_test(t, prefixes_read_nothing_past_the_end);
	tcase_add_test(t, multi_line_incomplete);
	tcase_add_test(t, bare_code_and_no_enhanced);
	tcase_add_test(t, enhanced_class_must_match);
	tcase_add_test(t, malformed);
	tcase_add_test(t, too_long_and_too_many);
	tcase_add_test(t, control_bytes_sanitised);
	tcase_add_test(t, read_from_fd);
	tcase_add_test(t, read_timeout);
	suite_add_tcase(s, t);
	t = tcase_create("dataenc");
	tcase_add_test(t, encode_line_breaks);
	tcase_add_test(t, encode_dots);
	tcase_add_test(t, encode_exhaustive);
	suite_add_tcase(s, t);
	return s;
}
