/*
 * test_queue_frame - lib/queue_frame.c, the session protocol's frames
 * between smtpd and inject -S: headers round-trip and are bounded per
 * type, the reader refuses truncation and reads exactly one frame, the
 * order of a message's frames, and the REPLY's encoding and every reject
 * branch of its decoder.
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "queue_client.h"
#include "queue_frame.h"

/* reader: an inbuf over a pipe holding the n bytes of p, then EOF */
static void reader(struct inbuf *in, char *mem, size_t size, const void *p, size_t n)
{
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], p, n), (ssize_t)n);
	close(fds[1]);
	inbuf_init(in, fds[0], mem, size);
	buf_set_timeout(in, 5000);
}

START_TEST(header_round_trip)
{
	static const struct { int type; size_t len; } ok[] = {
		{ 'A', 1 }, { 'A', QUEUE_CLIENT_ATTR_MAX }, { 'M', 1 }, { 'M', QUEUE_FRAME_DATA_MAX },
		{ 'E', 1 }, { 'E', ENVELOPE_MAX }, { 'X', 0 }, { 'R', 2 }, { 'R', QUEUE_FRAME_REPLY_MAX },
	};
	unsigned char h[QUEUE_FRAME_HEADER_LEN];
	size_t i, len;
	int type;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		queue_frame_header(h, ok[i].type, ok[i].len);
		ck_assert_int_eq(queue_frame_header_parse(h, &type, &len), 0);
		ck_assert_int_eq(type, ok[i].type);
		ck_assert_uint_eq(len, ok[i].len);
	}
	queue_frame_header(h, 'M', 0x01020304);
	ck_assert_int_eq(h[1], 1);
	ck_assert_int_eq(h[4], 4);	/* big-endian */
}
END_TEST

/* Every length outside its type's bounds, and every unknown type, is refused. */
START_TEST(header_refused)
{
	static const struct { int type; size_t len; } bad[] = {
		{ 'A', 0 }, { 'A', QUEUE_CLIENT_ATTR_MAX + 1 }, { 'M', 0 },
		{ 'M', QUEUE_FRAME_DATA_MAX + 1 }, { 'E', 0 }, { 'E', ENVELOPE_MAX + 1 },
		{ 'X', 1 }, { 'R', 1 }, { 'R', QUEUE_FRAME_REPLY_MAX + 1 }, { 'Z', 1 },
		{ 0, 0 }, { 'm', 5 }, { 'M', 0xffffffffu },
	};
	unsigned char h[QUEUE_FRAME_HEADER_LEN];
	size_t i, len;
	int type;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		queue_frame_header(h, bad[i].type, bad[i].len);
		ck_assert_int_eq(queue_frame_header_parse(h, &type, &len), -1);
	}
}
END_TEST

START_TEST(read_one_frame)
{
	static const char in_bytes[] = "M\0\0\0\3abcX\0\0\0\0";
	struct inbuf in;
	char mem[64], p[8];
	size_t len;
	int type, bad;

	reader(&in, mem, sizeof mem, in_bytes, sizeof in_bytes - 1);
	ck_assert_int_eq(queue_frame_read_header(&in, &type, &len, &bad), BUF_OK);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(type, 'M');
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(queue_frame_read_payload(&in, p, len), BUF_OK);
	ck_assert_int_eq(memcmp(p, "abc", 3), 0);
	ck_assert_int_eq(queue_frame_read_header(&in, &type, &len, &bad), BUF_OK);
	ck_assert_int_eq(type, 'X');
	ck_assert_int_eq(queue_frame_read_header(&in, &type, &len, &bad), BUF_EOF);
	close(in.fd);
}
END_TEST

START_TEST(read_truncated)
{
	struct inbuf in;
	char mem[64], p[8];
	size_t len;
	int type, bad;

	reader(&in, mem, sizeof mem, "M\0\0", 3);	/* a header cut short */
	ck_assert_int_eq(queue_frame_read_header(&in, &type, &len, &bad), BUF_ERROR);
	ck_assert_int_eq(errno, EPROTO);
	close(in.fd);
	reader(&in, mem, sizeof mem, "M\0\0\0\5ab", 7);	/* a payload cut short */
	ck_assert_int_eq(queue_frame_read_header(&in, &type, &len, &bad), BUF_OK);
	ck_assert_int_eq(queue_frame_read_payload(&in, p, len), BUF_ERROR);
	ck_assert_int_eq(errno, EPROTO);
	close(in.fd);
	reader(&in, mem, sizeof mem, "Q\0\0\0\5", 5);	/* unknown type: bad, nothing read on */
	ck_assert_int_eq(queue_frame_read_header(&in, &type, &len, &bad), BUF_OK);
	ck_assert_int_eq(bad, 1);
	close(in.fd);
}
END_TEST

START_TEST(grammar)
{
	struct queue_frame_grammar g = { 0, 0 };
	unsigned i;

	ck_assert_int_eq(queue_frame_next(&g, 'A'), 0);
	ck_assert_int_eq(queue_frame_next(&g, 'M'), 0);
	ck_assert_int_eq(queue_frame_next(&g, 'A'), -1);	/* ATTR after DATA */
	ck_assert_int_eq(queue_frame_next(&g, 'M'), 0);
	ck_assert_int_eq(queue_frame_next(&g, 'E'), 0);
	ck_assert_int_eq(queue_frame_next(&g, 'A'), 0);	/* a new message */
	ck_assert_int_eq(queue_frame_next(&g, 'X'), 0);
	ck_assert_int_eq(queue_frame_next(&g, 'R'), -1);	/* replies go the other way */
	ck_assert_int_eq(queue_frame_next(&g, 'Z'), -1);
	for (i = 0; i < QUEUE_CLIENT_ATTRS; i++)
		ck_assert_int_eq(queue_frame_next(&g, 'A'), 0);
	ck_assert_int_eq(queue_frame_next(&g, 'A'), -1);	/* one too many */
	ck_assert_int_eq(queue_frame_next(&g, 'E'), 0);	/* an empty message is allowed */
}
END_TEST

START_TEST(reply_round_trip)
{
	char buf[QUEUE_FRAME_REPLY_MAX], id[40], text[QUEUE_FRAME_REPLY_MAX];
	size_t n = queue_frame_reply_encode(buf, sizeof buf, 0, "06B1abc", "queued\x01");
	int code;

	ck_assert_uint_eq(n, 1 + 7 + 1 + 7);
	ck_assert_int_eq(queue_frame_reply_decode(buf, n, &code, id, sizeof id, text, sizeof text), 0);
	ck_assert_int_eq(code, 0);
	ck_assert_str_eq(id, "06B1abc");
	ck_assert_str_eq(text, "queued?");	/* never a control byte */
	n = queue_frame_reply_encode(buf, sizeof buf, 91, "", "");
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(queue_frame_reply_decode(buf, n, &code, id, sizeof id, text, sizeof text), 0);
	ck_assert_int_eq(code, 91);
	ck_assert_str_eq(id, "");
	ck_assert_uint_eq(queue_frame_reply_encode(buf, sizeof buf, 0, "a/b", ""), 0);
	ck_assert_uint_eq(queue_frame_reply_encode(buf, sizeof buf, 256, "a", ""), 0);
}
END_TEST

START_TEST(reply_refused)
{
	static const struct { const char *p; size_t len; } bad[] = {
		{ "\0", 1 },			/* too short */
		{ "\0abc", 4 },			/* no NUL after the id */
		{ "\0a/b\0x", 6 },		/* id not letters and digits */
		{ "\0ab\0x\ny", 7 },		/* a control byte in the text */
		{ "\0ab\0\x7f", 5 },
		{ "\0" "0123456789012345678901234567890123456789\0", 42 },	/* id of 40 */
	};
	char id[40], text[16];
	size_t i;
	int code;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_int_eq(queue_frame_reply_decode(bad[i].p, bad[i].len, &code, id, sizeof id,
							  text, sizeof text), -1);
	/* a text that would not fit the caller's buffer */
	ck_assert_int_eq(queue_frame_reply_decode("\0a\0" "0123456789abcdef", 19, &code, id,
						  sizeof id, text, sizeof text), -1);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("queue_frame");
	TCase *tc = tcase_create("queue_frame");

	tcase_add_test(tc, header_round_trip);
	tcase_add_test(tc, header_refused);
	tcase_add_test(tc, read_one_frame);
	tcase_add_test(tc, read_truncated);
	tcase_add_test(tc, grammar);
	tcase_add_test(tc, reply_round_trip);
	tcase_add_test(tc, reply_refused);
	suite_add_tcase(s, tc);
	return s;
}
