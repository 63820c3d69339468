/*
 * test_smtpd_data - smtpd's DATA: the queued bytes exactly, dot-unstuffing,
 * bare LF and bare CR, every SMTP smuggling variant, the 1000-octet line and
 * size limits, the Received: line, every injector exit code, a crash, a hang,
 * an injector that stops reading, and timeouts in DATA.
 */
#include <sys/wait.h>
#include "t/unit/check_main.h"

#include "smtpd/received.h"
#include "smtpd_harness.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

/* Under valgrind (make valgrind); 0 where its header is missing. */
static int under_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
	return RUNNING_ON_VALGRIND != 0;
#else
	return 0;
#endif
}

#define TX "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\n"
#define TX_REPLIES GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" \
	"354 End data with <CR><LF>.<CR><LF>\r\n"
#define ENVELOPE "Fa@b.test\0Tx@example.test\0"	/* + the final NUL */

/* Run TX + body; return the queued message's body (after Received:), or NULL. */
static char *run_body(struct harness *h, const char *body, size_t len)
{
	size_t n = strlen(TX) + len + 6, mlen;
	char *in = malloc(n + 1), *msg, *copy;

	ck_assert_ptr_nonnull(in);
	memcpy(in, TX, strlen(TX));
	memcpy(in + strlen(TX), body, len);
	memcpy(in + strlen(TX) + len, "QUIT\r\n", 6);
	harness_run_n(h, in, n);
	free(in);
	msg = harness_file(h, "message", &mlen);
	if (!msg || strncmp(msg, "Received: ", 10) != 0) {
		free(msg);	/* a refused message may never have reached the injector */
		return NULL;
	}
	copy = strdup(harness_body(msg));
	free(msg);
	return copy;
}

static void assert_queued(struct harness *h)
{
	char want[512], *id = harness_file(h, "id", NULL);
	char *env;
	size_t n;

	ck_assert_ptr_nonnull(id);
	snprintf(want, sizeof want, TX_REPLIES "250 2.0.0 Ok: queued as %s\r\n" BYE, id);
	ck_assert_out(h, want);
	env = harness_file(h, "envelope", &n);
	ck_assert_uint_eq(n, sizeof ENVELOPE);
	ck_assert(memcmp(env, ENVELOPE, n) == 0);
	free(env);
	free(id);
}

static void assert_refused(struct harness *h, const char *reply)
{
	char want[512], *env;
	size_t n = 0;

	snprintf(want, sizeof want, TX_REPLIES "%s\r\n" BYE, reply);
	ck_assert_out(h, want);
	env = harness_file(h, "envelope", &n);	/* no envelope: nothing committed */
	ck_assert_uint_eq(n, 0);
	free(env);
}

START_TEST(exact_bytes_and_unstuffing)
{
	static const char body[] = "Subject: t\r\n\r\n..leading dot\r\n...two\r\n.\tx\r\n"
				   "middle . dot\r\n..\r\nend\r\n.\r\n";
	struct harness h;
	char *got;

	harness_init(&h, NULL, NULL);
	got = run_body(&h, body, sizeof body - 1);
	ck_assert_str_eq(got, "Subject: t\r\n\r\n.leading dot\r\n..two\r\n\tx\r\n"
			 "middle . dot\r\n.\r\nend\r\n");
	assert_queued(&h);
	ck_assert_int_eq(harness_runs(&h), 1);
	free(got);
	harness_free(&h);
}
END_TEST

START_TEST(empty_message)
{
	struct harness h;
	char *got;

	harness_init(&h, NULL, NULL);
	got = run_body(&h, ".\r\n", 3);
	ck_assert_str_eq(got, "");
	assert_queued(&h);
	free(got);
	harness_free(&h);
}
END_TEST

START_TEST(bare_lf_normalised)
{
	/* a "." after a bare LF is kept, one after CRLF is unstuffed (issue 9 #7) */
	static const char body[] = "a\nb\r\nc\n\nd\r\ne\n.f\n..g\r\n..h\r\n.\r\n";
	struct harness h;
	char *got;

	harness_init(&h, NULL, NULL);
	got = run_body(&h, body, sizeof body - 1);
	ck_assert_str_eq(got, "a\r\nb\r\nc\r\n\r\nd\r\ne\r\n.f\r\n..g\r\n.h\r\n");
	assert_queued(&h);
	free(got);
	harness_free(&h);
}
END_TEST

/* A last line without a line break before the end: "x" CRLF "." CRLF only. */
START_TEST(bare_cr_refused)
{
	static const char body[] = "a\rb\r\n.\r\n";
	struct harness h;
	char *got;

	harness_init(&h, NULL, NULL);
	got = run_body(&h, body, sizeof body - 1);
	assert_refused(&h, "550 5.6.0 Error: message has a bare CR (RFC 5321 2.3.8)");
	free(got);
	harness_free(&h);
}
END_TEST

/* A NUL anywhere, also where a dot is unstuffed or after a bare LF (issue 9
 * #3: it was queued): refused after the end of data, nothing queued, and
 * the session goes on (the pipelined QUIT after the dot is answered). */
START_TEST(nul_refused)
{
#define B(s) { s, sizeof s - 1 }
	static const struct { const char *body; size_t len; } t[] = {
		B("a\0b\r\n.\r\n"), B("\0\r\n.\r\n"), B("ok\r\n.\0\r\n.\r\n"),
		B("ok\n\0\r\n.\r\n"),
	};
#undef B
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct harness h;
		char *got;

		harness_init(&h, NULL, NULL);
		got = run_body(&h, t[i].body, t[i].len);
		assert_refused(&h, "554 5.6.0 Error: message has a NUL octet (RFC 5322 2.1)");
		free(got);
		harness_free(&h);
	}
}
END_TEST

/*
 * SMTP smuggling (smtpd(8)): each variant is followed by a complete second
 * transaction. It must never become a second message: at most one injector
 * run, and the smuggled text is inside the one message (or it was refused).
 */
#define SMUGGLED "MAIL FROM:<evil@b.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\nsmuggled\r\n"

struct smuggle {
	const char *body;
	const char *want_body;	/* NULL: refused with want_reply */
	const char *want_reply;
};

static const struct smuggle smuggles[] = {
	{ "one\n.\n" SMUGGLED ".\r\n",	/* the dot after a bare LF is text */
	  "one\r\n.\r\n" SMUGGLED, NULL },
	{ "one\n.\r\n" SMUGGLED ".\r\n",
	  "one\r\n.\r\n" SMUGGLED, NULL },
	{ "one\r\n.\n" SMUGGLED ".\r\n",
	  "one\r\n\r\n" SMUGGLED, NULL },
	{ "one\r.\r" SMUGGLED ".\r\n", NULL,
	  "550 5.6.0 Error: message has a bare CR (RFC 5321 2.3.8)" },
	{ "one\r\n.\r" SMUGGLED ".\r\n", NULL,
	  "550 5.6.0 Error: message has a bare CR (RFC 5321 2.3.8)" },
	{ "one\r\n\r.\r\n" SMUGGLED ".\r\n", NULL,
	  "550 5.6.0 Error: message has a bare CR (RFC 5321 2.3.8)" },
	{ "one\r\n .\r\n" SMUGGLED ".\r\n",
	  "one\r\n .\r\n" SMUGGLED, NULL },
	{ "one\n\r\n.\r\n",	/* LF then CRLF.CRLF: a real end */
	  "one\r\n\r\n", NULL },
};

START_TEST(smuggling)
{
	const struct smuggle *t = &smuggles[_i];
	struct harness h;
	char *got;

	harness_init(&h, NULL, NULL);
	got = run_body(&h, t->body, strlen(t->body));
	ck_assert_int_eq(harness_runs(&h), 1);
	if (t->want_body) {
		ck_assert_str_eq(got, t->want_body);
		assert_queued(&h);
	} else {
		assert_refused(&h, t->want_reply);
	}
	free(got);
	harness_free(&h);
}
END_TEST

/* §4.5.3.1.6: 998 octets + CRLF pass, 999 are refused after reading to the end */
START_TEST(text_line_1000)
{
	static char body[3000];
	struct harness h;
	char *got;

	harness_init(&h, NULL, NULL);
	memset(body, 'x', 998);
	strcpy(body + 998, "\r\n.\r\n");
	got = run_body(&h, body, strlen(body));
	ck_assert_uint_eq(strlen(got), 1000);
	assert_queued(&h);
	free(got);
	memset(body, 'y', 999);
	strcpy(body + 999, "\r\nafter\r\n.\r\n");
	got = run_body(&h, body, strlen(body));
	assert_refused(&h, "554 5.5.2 Error: message has a line longer than 1000 octets (RFC 5321 4.5.3.1.6)");
	free(got);
	/* a stuffed dot counts: "." + 998 octets is 999 on the wire */
	body[0] = '.';
	memset(body + 1, 'z', 998);
	strcpy(body + 999, "\r\n.\r\n");
	got = run_body(&h, body, strlen(body));
	assert_refused(&h, "554 5.5.2 Error: message has a line longer than 1000 octets (RFC 5321 4.5.3.1.6)");
	free(got);
	harness_free(&h);
}
END_TEST

/* A long line ended by a bare LF and then "." CRLF: not an end, whatever its length */
START_TEST(long_line_then_smuggle)
{
	static char body[5000];
	struct harness h;
	char *got;

	harness_init(&h, NULL, NULL);
	memset(body, 'x', 3000);
	strcpy(body + 3000, "\n.\r\n" SMUGGLED ".\r\n");
	got = run_body(&h, body, strlen(body));
	ck_assert_int_eq(harness_runs(&h), 1);
	assert_refused(&h, "554 5.5.2 Error: message has a line longer than 1000 octets (RFC 5321 4.5.3.1.6)");
	free(got);
	harness_free(&h);
}
END_TEST

START_TEST(size_at_end_of_data)
{
	static char body[4000];
	struct harness h;
	char *got, *env;

	harness_init(&h, "max-message-size 1k\n", NULL);
	memset(body, 'x', 500);
	memcpy(body + 500, "\r\n", 2);
	memset(body + 502, 'x', 520);
	strcpy(body + 1022, "\r\n.\r\n");	/* exactly 1024 queued octets */
	got = run_body(&h, body, strlen(body));
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(strlen(got), 1024);
	free(got);
	/* the EHLO reply says SIZE 1024 */
	ck_assert_ptr_nonnull(strstr(h.out, "250-SIZE 1024\r\n"));
	memset(body, 'x', 900);
	strcpy(body + 900, "\r\n");
	memset(body + 902, 'y', 200);
	strcpy(body + 1102, "\r\n.\r\n");
	got = run_body(&h, body, strlen(body));
	{
		static const char tail[] = "354 End data with <CR><LF>.<CR><LF>\r\n"
			"552 5.3.4 Error: message exceeds fixed maximum message size\r\n" BYE;
		ck_assert_uint_ge(strlen(h.out), strlen(tail));
		ck_assert_str_eq(h.out + strlen(h.out) - strlen(tail), tail);
	}
	env = harness_file(&h, "envelope", NULL);
	ck_assert_ptr_null(env ? strstr(h.out, "250 2.0.0") : NULL);
	free(env);
	free(got);
	harness_free(&h);
}
END_TEST

/* A quoted local part that imitates a trace clause gets no "for" (issue 9 #7). */
START_TEST(received_for_quoted)
{
	struct harness h;
	char *msg, want[512], *id;

	harness_init(&h, NULL, NULL);
	ck_assert_int_eq(client_set(&h.o.client, "192.0.2.9", "25", NULL), 0);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\n"
		    "RCPT TO:<\"x>; by forged.example (tern) with ESMTP id 1\"@example.test>\r\n"
		    "DATA\r\nbody\r\n.\r\nQUIT\r\n");
	msg = harness_file(&h, "message", NULL);
	id = harness_file(&h, "id", NULL);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(id);
	snprintf(want, sizeof want, "Received: from c ([192.0.2.9])\r\n"
		 "\tby mx.example.test (tern) with ESMTP id %s;\r\n\t", id);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "got %s", msg);
	ck_assert_ptr_null(strstr(msg, "forged"));
	free(msg);
	free(id);
	harness_free(&h);
	ck_assert(received_for_safe("x@example.test"));
	ck_assert(received_for_safe("j\xc3\xb6rg+tag@[IPv6:2001:db8::1]"));
	ck_assert(!received_for_safe("\"x\"@example.test"));
	ck_assert(!received_for_safe("x>;y@example.test"));
	ck_assert(!received_for_safe("x(y)@example.test"));
	ck_assert(!received_for_safe("x y@example.test"));
}
END_TEST

START_TEST(received_line)
{
	struct harness h;
	char *msg, want[512], *id;

	harness_init(&h, NULL, NULL);
	ck_assert_int_eq(client_set(&h.o.client, "::ffff:192.0.2.9", "25", "client.example"), 0);
	harness_run(&h, "EHLO evil(trusted [10.0.0.1])\r\nEHLO h\xc3\xa9lo_(x)\r\n"
		    "MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\nbody\r\n.\r\nQUIT\r\n");
	msg = harness_file(&h, "message", NULL);
	id = harness_file(&h, "id", NULL);
	ck_assert_ptr_nonnull(id);
	snprintf(want, sizeof want, "Received: from h??lo_?x? (client.example [192.0.2.9])\r\n"
		 "\tby mx.example.test (tern) with ESMTP id %s\r\n\tfor <x@example.test>;\r\n\t", id);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "got %s", msg);
	ck_assert_str_eq(harness_body(msg), "body\r\n");
	free(msg);
	free(id);
	/* HELO, two recipients, IPv6, no reverse name */
	ck_assert_int_eq(client_set(&h.o.client, "2001:db8::1", NULL, NULL), 0);
	harness_run(&h, "HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<x@example.test>\r\n"
		    "RCPT TO:<y@example.test>\r\nDATA\r\nbody\r\n.\r\nQUIT\r\n");
	msg = harness_file(&h, "message", NULL);
	id = harness_file(&h, "id", NULL);
	ck_assert_ptr_nonnull(id);
	snprintf(want, sizeof want, "Received: from c ([IPv6:2001:db8::1])\r\n"
		 "\tby mx.example.test (tern) with SMTP id %s;\r\n\t", id);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "got %s", msg);
	free(msg);
	free(id);
	/* SMTPUTF8 transaction, unknown client */
	client_set(&h.o.client, NULL, NULL, NULL);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<\xc3\xa9@b.test> SMTPUTF8\r\nRCPT TO:<x@example.test>\r\n"
		    "DATA\r\nbody\r\n.\r\nQUIT\r\n");
	msg = harness_file(&h, "message", NULL);
	id = harness_file(&h, "id", NULL);
	ck_assert_ptr_nonnull(id);
	snprintf(want, sizeof want, "Received: from c (unknown)\r\n"
		 "\tby mx.example.test (tern) with UTF8SMTP id %s\r\n\tfor <x@example.test>;\r\n\t", id);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "got %s", msg);
	/* the date: "Www, DD Mmm YYYY HH:MM:SS +ZZZZ" then CRLF and the body */
	const char *date = msg + strlen(want);
	ck_assert_msg(strlen(date) > 31 && date[3] == ',' && (date[26] == '+' || date[26] == '-') &&
		      strncmp(date + 31, "\r\nbody\r\n", 8) == 0, "date %s", date);
	free(msg);
	free(id);
	harness_free(&h);
}
END_TEST

/* Implicit TLS (TERN_TLS_*): ESMTPS and Postfix's "using" comment (RFC 3848) */
START_TEST(received_line_tls)
{
	struct harness h;
	char *msg, want[512], *id;

	harness_init(&h, NULL, NULL);
	ck_assert_int_eq(client_set(&h.o.client, "192.0.2.9", "25", NULL), 0);
	ck_assert_int_eq(tls_state_set(&h.o.tls, "TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"), 0);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\n"
		    "DATA\r\nbody\r\n.\r\nQUIT\r\n");
	msg = harness_file(&h, "message", NULL);
	id = harness_file(&h, "id", NULL);
	ck_assert_ptr_nonnull(id);
	snprintf(want, sizeof want, "Received: from c ([192.0.2.9])\r\n"
		 "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
		 "\tby mx.example.test (tern) with ESMTPS id %s\r\n\tfor <x@example.test>;\r\n\t", id);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "got %s", msg);
	free(msg);
	free(id);
	/* HELO over TLS stays SMTP (RFC 3848 names no SMTPS); the comment tells TLS */
	harness_run(&h, "HELO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\n"
		    "DATA\r\nb\r\n.\r\nQUIT\r\n");
	msg = harness_file(&h, "message", NULL);
	ck_assert_ptr_nonnull(strstr(msg, "(256/256 bits))\r\n\tby mx.example.test (tern) with SMTP id "));
	free(msg);
	harness_free(&h);
}
END_TEST

START_TEST(injector_env_and_id)
{
	struct harness h;
	char *id;
	size_t i;

	harness_init(&h, NULL, NULL);
	free(run_body(&h, "x\r\n.\r\n", 6));
	id = harness_file(&h, "id", NULL);
	ck_assert_uint_ge(strlen(id), 1);
	ck_assert_uint_le(strlen(id), 32);
	for (i = 0; id[i]; i++)
		ck_assert(strchr("0123456789ABCDEF", id[i]) != NULL);	/* a queue id too */
	free(id);
	harness_free(&h);
}
END_TEST

struct exit_case {
	const char *mode;
	const char *reply;	/* NULL: 250 queued */
};

static const struct exit_case exits[] = {
	{ "exit 0", NULL },
	{ "exit 11", "554 5.1.3 Error: address too long" },
	{ "exit 31", "554 5.3.0 Error: message permanently refused by the queue" },
	{ "exit 91", "554 5.6.0 Error: envelope format error" },
	{ "exit 51", "451 4.3.0 Error: queue program out of memory" },
	{ "exit 52", "451 4.3.0 Error: queue program timed out" },
	{ "exit 53", "451 4.3.0 Error: queue write error (disk full?)" },
	{ "exit 54", "451 4.3.0 Error: queue program could not read the message or envelope" },
	{ "exit 55", "451 4.3.0 Error: queue program could not read its configuration" },
	{ "exit 56", "451 4.3.0 Error: queue program could not make a network connection" },
	{ "exit 61", "451 4.3.0 Error: problem with the queue program's home directory" },
	{ "exit 62", "451 4.3.0 Error: problem with the queue directory" },
	{ "exit 63", "451 4.3.0 Error: problem with a queue subdirectory" },
	{ "exit 66", "451 4.3.0 Error: problem with a queue subdirectory" },
	{ "exit 71", "451 4.3.0 Error: mail server temporarily rejected the message" },
	{ "exit 72", "451 4.4.1 Error: connection to mail server timed out" },
	{ "exit 73", "451 4.4.1 Error: connection to mail server rejected" },
	{ "exit 74", "451 4.4.2 Error: communication with mail server failed" },
	{ "exit 81", "451 4.3.0 Error: internal error in the queue program" },
	{ "exit 1", "451 4.3.0 Error: queue program failed (exit 1)" },
	{ "exit 100", "451 4.3.0 Error: queue program failed (exit 100)" },
	{ "exit 111", "451 4.3.0 Error: queue program failed (exit 111)" },
	{ "exit 12", "554 5.3.0 Error: queue program refused the message (exit 12)" },
	{ "exit 40", "554 5.3.0 Error: queue program refused the message (exit 40)" },
	{ "exit 41", "451 4.3.0 Error: queue program failed (exit 41)" },
	{ "kill", "451 4.3.0 Error: queue program crashed (signal 9)" },
	{ "hang", "451 4.3.0 Error: queue program timed out" },
	{ "noread 31", "554 5.3.0 Error: message permanently refused by the queue" },
	{ "noread 53", "451 4.3.0 Error: queue write error (disk full?)" },
};

START_TEST(injector_exit_codes)
{
	const struct exit_case *t = &exits[_i];
	char want[512];
	struct harness h;

	harness_init(&h, "data-timeout 1s\n", t->mode);
	free(run_body(&h, "hello\r\n.\r\n", 10));
	ck_assert_int_eq(harness_runs(&h), 1);
	if (!t->reply) {
		assert_queued(&h);
	} else {
		snprintf(want, sizeof want, TX_REPLIES "%s\r\n" BYE, t->reply);
		ck_assert_out(&h, want);
	}
	harness_free(&h);
}
END_TEST

/* An injector that reads nothing while a big message streams: EPIPE, never 250. */
START_TEST(injector_epipe_big_message)
{
	size_t n = 100 * 20000, i;
	char *body = malloc(n + 8);
	struct harness h;

	ck_assert_ptr_nonnull(body);
	for (i = 0; i < n; i++)
		body[i] = (i % 100 == 98) ? '\r' : (i % 100 == 99) ? '\n' : 'm';
	strcpy(body + n, ".\r\n");
	harness_init(&h, "data-timeout 2s\n", "noread 0");
	free(run_body(&h, body, n + 3));
	ck_assert_out(&h, TX_REPLIES "451 4.3.0 Error: queue program did not take the envelope\r\n" BYE);
	free(body);
	harness_free(&h);
}
END_TEST

/* A big message streams through whole (and the last line has no dot issue). */
START_TEST(big_message_streams)
{
	size_t n = 80 * 50000, i, len;
	char *body = malloc(n + 8), *msg;
	struct harness h;

	ck_assert_ptr_nonnull(body);
	for (i = 0; i < n; i++)
		body[i] = (i % 80 == 78) ? '\r' : (i % 80 == 79) ? '\n' : (char)('a' + i % 26);
	strcpy(body + n, ".\r\n");
	harness_init(&h, NULL, NULL);
	free(run_body(&h, body, n + 3));
	assert_queued(&h);
	msg = harness_file(&h, "message", &len);
	const char *b = harness_body(msg);
	ck_assert_uint_eq(len - (size_t)(b - msg), n);
	ck_assert(memcmp(b, body, n) == 0);
	free(msg);
	free(body);
	harness_free(&h);
}
END_TEST

/* A descriptor the launcher left open (not close-on-exec) never reaches the queue program. */
START_TEST(injector_gets_only_0_to_2)
{
	struct harness h;
	char *state;
	int fd = open("/dev/null", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 42), 42);
	close(fd);
	harness_init(&h, NULL, NULL);
	harness_write(h.dir, "checkfd", "42", 2);
	free(run_body(&h, "x\r\n.\r\n", 6));
	state = harness_file(&h, "fdstate", NULL);
	ck_assert_str_eq(state, "closed\n");
	ck_assert_int_eq(fcntl(42, F_GETFD), FD_CLOEXEC);	/* still open in smtpd */
	free(state);
	close(42);
	harness_free(&h);
}
END_TEST

START_TEST(injector_missing)
{
	struct harness h;

	harness_init(&h, NULL, NULL);
	h.o.injector = "/nonexistent/inject";
	free(run_body(&h, "x\r\n.\r\n", 6));
	if (under_valgrind()) {
		/* valgrind runs posix_spawn's CLONE_VM|CLONE_VFORK clone as a
		 * fork, so glibc never sees the child's exec error: the program
		 * seems to start and its exit 127 is the answer to the data */
		ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
			      "354 End data with <CR><LF>.<CR><LF>\r\n"
			      "451 4.3.0 Error: queue program failed (exit 127)\r\n" BYE);
		harness_free(&h);
		return;
	}
	/* posix_spawn reports the failed exec: 451 instead of 354; this blind
	 * client's "x" and "." are then commands (RFC 5321 §4.1.1.4: no data
	 * may follow a DATA that did not get 354) */
	ck_assert_out(&h, GREETING EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
		      "451 4.3.0 Error: cannot run the queue program\r\n"
		      "500 5.5.2 Error: command not recognized\r\n"
		      "500 5.5.2 Error: command not recognized\r\n" BYE);
	harness_free(&h);
}
END_TEST

/*
 * DATA slower than data-min-rate once data-timeout's budget is spent: a byte
 * every 250 ms (4 bytes/s against 1000) earns 1 ms each, so the 1 s budget
 * runs out after about 1.3 s, long before the end of data (the old
 * per-read timeout of 1 s never ran out). Nothing is queued.
 */
START_TEST(data_min_rate)
{
	struct harness h;
	char *env;
	size_t n = 0;

	harness_init(&h, "data-timeout 1s\ndata-min-rate 1000\n", NULL);
	harness_run_slow(&h, TX, "Subject: slow\r\n\r\nbody body body body\r\n.\r\nQUIT\r\n",
			 250);
	ck_assert_out(&h, TX_REPLIES "421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
	ck_assert_int_eq(h.rc, 1);
	env = harness_file(&h, "envelope", &n);
	ck_assert_uint_eq(n, 0);
	free(env);
	harness_free(&h);
}
END_TEST

/* data-min-rate 0: each wait is bounded alone, a slow client gets through. */
START_TEST(data_min_rate_off)
{
	struct harness h;

	harness_init(&h, "data-timeout 2s\ndata-min-rate 0\n", NULL);
	harness_run_slow(&h, TX, "Subject: slow\r\n\r\nbody\r\n.\r\nQUIT\r\n", 100);
	ck_assert_msg(strstr(h.out, "\r\n250 2.0.0 Ok: queued as ") != NULL, "%s", h.out);
	ck_assert_int_eq(h.rc, 0);
	harness_free(&h);
}
END_TEST

START_TEST(data_timeout)
{
	struct harness h;
	char *env;
	size_t n = 0;

	harness_init(&h, "data-timeout 1s\n", NULL);
	harness_run_pipe(&h, TX "partial body\r\nno end");
	ck_assert_out(&h, TX_REPLIES "421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
	ck_assert_int_eq(h.rc, 1);
	env = harness_file(&h, "envelope", &n);
	ck_assert_uint_eq(n, 0);
	free(env);
	harness_free(&h);
}
END_TEST

START_TEST(eof_in_data)
{
	struct harness h;
	char *env;
	size_t n = 0;

	harness_init(&h, NULL, NULL);
	harness_run(&h, TX "partial body\r\n.");
	ck_assert_out(&h, TX_REPLIES);
	ck_assert_int_eq(h.rc, 0);
	env = harness_file(&h, "envelope", &n);
	ck_assert_uint_eq(n, 0);
	free(env);
	harness_free(&h);
}
END_TEST

/* After a refused message the session goes on: a second message in the same session. */
START_TEST(two_messages)
{
	struct harness h;

	harness_init(&h, "max-message-size 10\n", NULL);
	harness_run(&h, "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\n"
		    "0123456789abc\r\n.\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.test>\r\n"
		    "DATA\r\nshort\r\n.\r\nQUIT\r\n");
	ck_assert_int_eq(harness_runs(&h), 2);
	ck_assert_ptr_nonnull(strstr(h.out, "552 5.3.4 "));
	ck_assert_ptr_nonnull(strstr(h.out, "250 2.0.0 Ok: queued as "));
	harness_free(&h);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("smtpd_data");
	TCase *tc = tcase_create("data");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exact_bytes_and_unstuffing);
	tcase_add_test(tc, empty_message);
	tcase_add_test(tc, bare_lf_normalised);
	tcase_add_test(tc, bare_cr_refused);
	tcase_add_test(tc, nul_refused);
	tcase_add_loop_test(tc, smuggling, 0, (int)(sizeof smuggles / sizeof smuggles[0]));
	tcase_add_test(tc, text_line_1000);
	tcase_add_test(tc, long_line_then_smuggle);
	tcase_add_test(tc, size_at_end_of_data);
	tcase_add_test(tc, received_line);
	tcase_add_test(tc, received_line_tls);
	tcase_add_test(tc, received_for_quoted);
	tcase_add_test(tc, injector_env_and_id);
	tcase_add_loop_test(tc, injector_exit_codes, 0, (int)(sizeof exits / sizeof exits[0]));
	tcase_add_test(tc, injector_epipe_big_message);
	tcase_add_test(tc, big_message_streams);
	tcase_add_test(tc, injector_missing);
	tcase_add_test(tc, injector_gets_only_0_to_2);
	tcase_add_test(tc, data_timeout);
	tcase_add_test(tc, data_min_rate);
	tcase_add_test(tc, data_min_rate_off);
	tcase_add_test(tc, eof_in_data);
	tcase_add_test(tc, two_messages);
	suite_add_tcase(s, tc);
	return s;
}
