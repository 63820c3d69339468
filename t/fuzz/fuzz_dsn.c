/*
 * fuzz_dsn - the bounce composer (relay/dsn.c, with relay/hdrscan.c for the
 * original's header section): recipients' stored replies (as a remote
 * server's text makes them), addresses, times and the original message.
 *
 * Input: parts separated by "\n%%\n" (t/fuzz/fuzz.h): the original
 * message; the original sender ("" for a postmaster notice); body_max in
 * decimal; "ARRIVAL NOW LAST_TRY" in seconds; then address and stored
 * reply, alternately, per recipient (at most 50).
 * Checks: the notice has CRLF line ends only, and its first two parts
 * (the text for people and the delivery-status report) only printable
 * ASCII, whatever the replies and addresses held.
 */
#include "fuzz.h"
#include "relay/dsn.h"

#define RCPT_MAX 50

static int msg_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	msg_fd = fuzz_memfd("original");
	return 0;
}

static void notice_check(const char *p, size_t n, const char *boundary)
{
	char third[128];
	const char *end;
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n')) ||
		    (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')))
			abort();
	snprintf(third, sizeof third, "\r\n--%s\r\nContent-Type: %s", boundary,
		 "message/delivery-status");
	end = memmem(p, n, third, strlen(third));
	if (!end)
		abort();
	snprintf(third, sizeof third, "\r\n--%s\r\n", boundary);
	end = memmem(end + 2, n - (size_t)(end + 2 - p), third, strlen(third));
	if (!end)
		abort();
	for (i = 0; i < (size_t)(end - p); i++)
		if ((p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' && p[i] != '\t') ||
		    (unsigned char)p[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[4 + 2 * RCPT_MAX];
	size_t len[4 + 2 * RCPT_MAX], nparts = 0, i;
	struct dsn_rcpt rcpt[RCPT_MAX];
	char *str[4 + 2 * RCPT_MAX];
	long long t[3] = { 0, 0, 0 };
	struct str out = STR_INIT(0);
	struct dsn d;

	while (nparts < 4 + 2 * RCPT_MAX && fuzz_split(&data, &size, &part[nparts], &len[nparts]))
		nparts++;
	if (nparts < 6)
		return 0;
	for (i = 0; i < nparts; i++)
		str[i] = fuzz_strdup(part[i], len[i]);
	sscanf(str[3], "%lld %lld %lld", &t[0], &t[1], &t[2]);
	for (i = 0; 4 + 2 * i + 1 < nparts; i++)
		rcpt[i] = (struct dsn_rcpt){ str[4 + 2 * i], str[5 + 2 * i], t[2] };
	d = (struct dsn){
		.hostname = "mx.example.test", .queue_id = "1a2b3c",
		.to = *str[1] ? str[1] : "postmaster@mx.example.test",
		.orig_sender = str[1], .boundary = "b.1234/mx.example.test",
		.arrival = t[0], .now = t[1], .rcpt = rcpt, .nrcpt = i,
		.body_max = strtoull(str[2], NULL, 10),
	};
	fuzz_memfd_set(msg_fd, part[0], len[0]);
	if (dsn_compose(&out, &d, msg_fd, len[0]) == 0)
		notice_check(out.s, out.len, d.boundary);
	str_free(&out);
	for (i = 0; i < nparts; i++)
		free(str[i]);
	return 0;
}
