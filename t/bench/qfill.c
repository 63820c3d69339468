/*
 * t/bench/qfill - put N small messages into a queue directory quickly, for
 * the large-queue benchmark (t/bench/drain.sh with BENCH_QUEUE). A test
 * helper, never built by make nor installed: it calls the queue library
 * directly, so it skips the injector's checks and its setuid path.
 *
 *	qfill QUEUEDIR N SENDER RECIPIENT
 *
 * Each message is about 1 KB with one recipient; the commit is the
 * queue's own (queue_file_commit(): fsync of file and mess/).
 * Exit 0, or 1 with a diagnostic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

int main(int argc, char **argv)
{
	char body[1100], id[QUEUE_ID_MAX], *rcpt[1];
	struct envelope env;
	struct queue q;
	size_t len, i, n;

	if (argc != 5) {
		fprintf(stderr, "usage: qfill QUEUEDIR N SENDER RECIPIENT\n");
		return 1;
	}
	n = strtoul(argv[2], NULL, 10);
	len = (size_t)snprintf(body, sizeof body, "From: <%s>\r\nTo: <%s>\r\nSubject: drain\r\n\r\n",
			       argv[3], argv[4]);
	while (len + 66 < sizeof body) {
		memset(body + len, 'x', 64);
		memcpy(body + len + 64, "\r\n", 2);
		len += 66;
	}
	rcpt[0] = argv[4];
	env.sender = argv[3];
	env.rcpt = rcpt;
	env.nrcpt = 1;
	env.mem = NULL;
	if (queue_open(&q, argv[1]) < 0) {
		fprintf(stderr, "qfill: %s\n", q.err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct queue_file f;

		if (queue_file_create(&q, &f) < 0 || queue_file_write(&f, body, len) < 0 ||
		    queue_file_commit(&q, &f, &env, "qfill", id) < 0) {
			fprintf(stderr, "qfill: message %zu: %s\n", i, q.err);
			return 1;
		}
	}
	queue_close(&q);
	return 0;
}
