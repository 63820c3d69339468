/*
 * test_dataenc - relay/dataenc.c: lines longer than 998 octets are split
 * (RFC 5321 §4.5.3.1.6), folded with CR LF SP in the header section (RFC
 * 5322 §2.2.3), dot-stuffed at every line start; the same output for any
 * chunking of the input, within DATAENC_OUT_MAX. (Line breaks and dots of
 * short lines: test_reply.c.)
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <stdlib.h>
#include <string.h>

#include "relay/dataenc.h"

#define BIG 16384

/* A byte string built by pieces. */
struct bytes {
	char s[BIG];
	size_t n;
};

static void put(struct bytes *b, const char *s)
{
	size_t n = strlen(s);

	ck_assert_uint_lt(b->n + n, BIG);
	memcpy(b->s + b->n, s, n);
	b->n += n;
}

/* n octets of c, then the string then. */
static void put_run(struct bytes *b, size_t n, char c, const char *then)
{
	ck_assert_uint_lt(b->n + n, BIG);
	memset(b->s + b->n, c, n);
	b->n += n;
	put(b, then);
}

/* Encodes in, cut at split and then into chunks of step; returns the length. */
static size_t encode(const struct bytes *in, size_t split, size_t step, char *out)
{
	struct dataenc e;
	size_t o = 0, i = 0, k, w;

	dataenc_init(&e);
	while (i < in->n) {
		k = i < split && split - i < step ? split - i : step;
		if (k > in->n - i)
			k = in->n - i;
		w = dataenc_chunk(&e, in->s + i, k, out + o);
		ck_assert_uint_le(w, DATAENC_OUT_MAX(k));
		o += w;
		i += k;
	}
	w = dataenc_finish(&e, out + o);
	ck_assert_uint_le(w, DATAENC_FINISH_MAX);
	return o + w;
}

/* Every line of out is at most 998 octets before its CR LF (a doubled
 * leading dot not counted); no bare CR or LF. */
static void check_lines(const char *out, size_t n)
{
	size_t start = 0, i, len;

	for (i = 0; i < n; i++) {
		if (out[i] == '\r')
			ck_assert(i + 1 < n && out[i + 1] == '\n');
		if (out[i] != '\n')
			continue;
		ck_assert(i > 0 && out[i - 1] == '\r');
		len = i - 1 - start;
		if (len >= 2 && out[start] == '.' && out[start + 1] == '.')
			len--;
		ck_assert_msg(len <= DATAENC_LINE_MAX, "line of %zu octets at %zu", len, start);
		start = i + 1;
	}
}

static size_t first_difference(const char *out, size_t n, const struct bytes *want)
{
	size_t i;

	for (i = 0; i < n && i < want->n; i++)
		if (out[i] != want->s[i])
			break;
	return i;
}

/* in encodes to want + ".\r\n" wherever the input is cut. */
static void check_enc(const struct bytes *in, struct bytes *want)
{
	static char out[2 * BIG + 64];
	size_t steps[] = { 1, 2, 3, 997, 998, 999, 1000, BIG };
	size_t split, s, o;

	put(want, ".\r\n");
	for (s = 0; s < sizeof steps / sizeof *steps; s++)
		for (split = 0; split <= in->n; split += steps[s] == BIG ? 1 : in->n + 1) {
			o = encode(in, split, steps[s], out);
			ck_assert_msg(o == want->n && !memcmp(out, want->s, o),
				      "step %zu split %zu: %zu bytes, want %zu; first difference at %zu",
				      steps[s], split, o, want->n, first_difference(out, o, want));
			check_lines(out, o);
		}
}

START_TEST(body_998_kept)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	put(&in, "\r\n");
	put_run(&in, 998, 'a', "\r\n");
	want = in;
	check_enc(&in, &want);
}
END_TEST

START_TEST(body_999_split)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	put(&in, "\r\n");
	put_run(&in, 999, 'a', "\nz");
	put(&want, "\r\n");
	put_run(&want, 998, 'a', "\r\na\r\nz\r\n");
	check_enc(&in, &want);
}
END_TEST

START_TEST(body_3000_split)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };
	int i;

	put(&in, "H: v\r\n\r\n");
	put_run(&in, 3000, 'b', "");
	put(&want, "H: v\r\n\r\n");
	for (i = 0; i < 3; i++)
		put_run(&want, 998, 'b', "\r\n");
	put_run(&want, 6, 'b', "\r\n");
	check_enc(&in, &want);
}
END_TEST

START_TEST(body_dot_after_split)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	/* RFC 5321 §4.5.2 at the line start the split makes */
	put(&in, "\n");
	put_run(&in, 998, 'a', ".\r\n");
	put(&want, "\r\n");
	put_run(&want, 998, 'a', "\r\n..\r\n");
	check_enc(&in, &want);
}
END_TEST

START_TEST(body_stuffed_dot_not_counted)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	/* §4.5.3.1.6: the doubled dot is not part of the 1000 */
	put(&in, "\r\n.");
	put_run(&in, 997, 'a', "\r\n.");
	put_run(&in, 998, 'a', "");
	put(&want, "\r\n..");
	put_run(&want, 997, 'a', "\r\n..");
	put_run(&want, 997, 'a', "\r\na\r\n");
	check_enc(&in, &want);
}
END_TEST

START_TEST(header_998_kept)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	put(&in, "Subject: ");
	put_run(&in, 998 - 9, 's', "\r\n\r\nbody\r\n");
	want = in;
	check_enc(&in, &want);
}
END_TEST

START_TEST(header_999_folded)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	put(&in, "Subject: ");
	put_run(&in, 999 - 9, 's', "\r\n\r\nbody\r\n");
	put(&want, "Subject: ");
	put_run(&want, 998 - 9, 's', "\r\n s\r\n\r\nbody\r\n");
	check_enc(&in, &want);
}
END_TEST

START_TEST(header_3000_folded)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	/* continuation lines are " " and 997 octets of the field */
	put(&in, "X: ");
	put_run(&in, 2997, 'h', "\n\n");
	put_run(&in, 999, 'b', "");
	put(&want, "X: ");
	put_run(&want, 995, 'h', "\r\n ");
	put_run(&want, 997, 'h', "\r\n ");
	put_run(&want, 997, 'h', "\r\n ");
	put_run(&want, 8, 'h', "\r\n\r\n");
	/* the empty line ended the header section: the body splits plainly */
	put_run(&want, 998, 'b', "\r\nb\r\n");
	check_enc(&in, &want);
}
END_TEST

START_TEST(header_dot_after_fold)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	/* the continuation starts with the space: its dot is no line start */
	put(&in, "X: ");
	put_run(&in, 995, 'h', ".h\r\n");
	put(&want, "X: ");
	put_run(&want, 995, 'h', "\r\n .h\r\n");
	check_enc(&in, &want);
}
END_TEST

START_TEST(header_ends_at_first_empty_line)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	/* no header section at all: the message starts with the empty line */
	put(&in, "\r\n");
	put_run(&in, 999, 'b', "");
	put(&want, "\r\n");
	put_run(&want, 998, 'b', "\r\nb\r\n");
	check_enc(&in, &want);

	/* a bare CR and a bare LF make the empty line too */
	in.n = want.n = 0;
	put(&in, "A: 1\r\r");
	put_run(&in, 999, 'b', "");
	put(&want, "A: 1\r\n\r\n");
	put_run(&want, 998, 'b', "\r\nb\r\n");
	check_enc(&in, &want);
}
END_TEST

START_TEST(line_break_at_the_limit)
{
	struct bytes in = { .n = 0 }, want = { .n = 0 };

	/* CR LF, bare CR, bare LF right after 998 octets: no break inserted,
	 * wherever the chunks cut the CR from its LF */
	put(&in, "\r\n");
	put_run(&in, 998, 'a', "\r\n");
	put_run(&in, 998, 'b', "\r.");
	put_run(&in, 997, 'c', "\n");
	put_run(&in, 998, 'd', "");
	put(&want, "\r\n");
	put_run(&want, 998, 'a', "\r\n");
	put_run(&want, 998, 'b', "\r\n..");
	put_run(&want, 997, 'c', "\r\n");
	put_run(&want, 998, 'd', "\r\n");
	check_enc(&in, &want);
}
END_TEST

/* The worst cases for the output bound: every line break or dot costs. */
START_TEST(output_bound)
{
	static const char *const units[] = { ".", "\r.", "\n.", "\r", "\r\n", "." };
	struct bytes in = { .n = 0 };
	static char out[2 * BIG + 64];
	size_t u, step, o;

	for (u = 0; u < sizeof units / sizeof *units; u++) {
		in.n = 0;
		put_run(&in, 997, 'x', "");
		while (in.n + 4 < BIG / 2)
			put(&in, units[u]);
		for (step = 1; step <= 2048; step *= 2) {
			o = encode(&in, 0, step, out);
			check_lines(out, o);
		}
	}
	in.n = 0;
	put(&in, "H: ");
	put_run(&in, BIG / 2, '.', "\n\n");
	put_run(&in, BIG / 2 - 8, '.', "");
	for (step = 1; step <= BIG; step *= 2) {
		o = encode(&in, 0, step, out);
		check_lines(out, o);
	}
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("dataenc");
	TCase *t = tcase_create("long lines");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, body_998_kept);
	tcase_add_test(t, body_999_split);
	tcase_add_test(t, body_3000_split);
	tcase_add_test(t, body_dot_after_split);
	tcase_add_test(t, body_stuffed_dot_not_counted);
	tcase_add_test(t, header_998_kept);
	tcase_add_test(t, header_999_folded);
	tcase_add_test(t, header_3000_folded);
	tcase_add_test(t, header_dot_after_fold);
	tcase_add_test(t, header_ends_at_first_empty_line);
	tcase_add_test(t, line_break_at_the_limit);
	tcase_add_test(t, output_bound);
	suite_add_tcase(s, t);
	return s;
}
