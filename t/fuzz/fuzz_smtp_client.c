/*
 * fuzz_smtp_client - the relay's SMTP and LMTP client (relay/smtp_client.c,
 * relay/smtp_tx.c, relay/dataenc.c, relay/reply.c) against a server whose
 * every byte is the input: greeting, EHLO/LHLO keywords (PIPELINING, SIZE,
 * 8BITMIME, SMTPUTF8), replies to MAIL, RCPT, DATA and the dot, LMTP's
 * per-recipient replies, recipient limits, and a second transaction on the
 * same connection.
 *
 * The server is a thread on a unix socket in a temporary directory: it
 * accepts, writes the whole input (after the first byte), shuts its
 * sending side and reads what the client sends until it closes. Input:
 * one byte of flags (bit 0 LMTP, bit 1 SMTPUTF8 envelope, bits 2-3 the
 * job's 8-bit flag -1/0/1), then the server's bytes.
 * Checks: after SMTP_DONE every recipient's result has a code 200..599,
 * "again" only with a 4xx, an enhanced code of its class or none, and text
 * without control bytes.
 */
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz.h"
#include "relay/smtp_client.h"

#define NRCPT 3

static struct sockaddr_un sun;
static int listen_fd, body_fd;
static const uint8_t *server_data;
static size_t server_size;
static struct smtp_timeouts timeouts = { 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000 };
static const char body[] = "Subject: fuzz\r\n\r\nline\r\n.leading dot\r\n\xc3\xa9 8 bit\r\nlast";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[64];

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_tmpdir(dir, "smtp");
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/sock", dir);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sun, sizeof sun) < 0 ||
	    listen(listen_fd, 4) < 0)
		abort();
	body_fd = fuzz_memfd("body");
	fuzz_memfd_set(body_fd, (const uint8_t *)body, sizeof body - 1);
	return 0;
}

static void *server(void *arg)
{
	char sink[16384];
	int fd = accept(listen_fd, NULL, NULL);

	(void)arg;
	if (fd < 0)
		abort();
	if (server_size && write(fd, server_data, server_size) != (ssize_t)server_size)
		abort();	/* -max_len keeps the input below the socket buffer */
	shutdown(fd, SHUT_WR);
	while (read(fd, sink, sizeof sink) > 0)
		;
	close(fd);
	return NULL;
}

static void results_check(const struct deliver_rcpt_result *res)
{
	size_t i;
	const char *p;

	for (i = 0; i < NRCPT; i++) {
		if (res[i].code < 200 || res[i].code > 599 ||
		    (res[i].again && res[i].code / 100 != 4) ||
		    (res[i].enhanced[0] && res[i].enhanced[0] != '0' + res[i].code / 100))
			abort();
		for (p = res[i].text; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rcpt[NRCPT] = { "a@example.test", "b@example.test",
						 "c@example.test" };
	struct deliver_job job = {
		"1a2b", "example.test", "sender@example.org", rcpt, NRCPT, body_fd,
		sizeof body - 1, 0, 0, NULL, 0,
	};
	struct deliver_rcpt_result res[NRCPT];
	struct mx_target t;
	struct smtp_conn s;
	struct reply why;
	pthread_t th;
	int lmtp, tx;

	if (size < 1)
		return 0;
	lmtp = data[0] & 1;
	job.utf8 = (data[0] >> 1) & 1;
	job.eightbit = (int)((data[0] >> 2) % 3) - 1;
	server_data = data + 1;
	server_size = size - 1;
	memset(&t, 0, sizeof t);
	strcpy(t.host, "mx.example.test");
	memcpy(&t.ss, &sun, sizeof sun);
	t.sslen = sizeof sun;
	if (pthread_create(&th, NULL, server, NULL) != 0)
		abort();
	if (smtp_open(&s, &t, lmtp, &timeouts, "me.example.test", &why) == 0) {
		for (tx = 0; tx < 2; tx++) {
			memset(res, 0, sizeof res);
			if (smtp_send(&s, &job, res, &why) != SMTP_DONE)
				break;
			results_check(res);
			if (!smtp_alive(&s))
				break;
		}
		smtp_quit(&s);
	}
	pthread_join(th, NULL);
	return 0;
}
