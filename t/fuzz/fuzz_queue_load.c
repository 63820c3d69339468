/*
 * fuzz_queue_load - the queue's readers (queue/queue_load.c): a committed
 * message file mess/ID (message, envelope records, trailer) and its state
 * file state/ID, as the relay's scheduler loads them.
 *
 * Input: the message file's bytes, then optionally "\n%%\n" and the state
 * file's bytes (no state file without it). A message that loads is saved
 * back (queue_state_save(), the scheduler's writer) and loaded again: what
 * tern writes it must read, with the same recipients and states.
 */
#include <errno.h>

#include "fuzz.h"
#include "queue/queue.h"

static struct queue q;
static int messfd, statefd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[64];

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_tmpdir(dir, "queue");
	if (queue_init(dir) < 0 || queue_open(&q, dir) < 0)
		abort();
	messfd = q.messfd;
	statefd = q.statefd;
	return 0;
}

static void message_compare(const struct queue_message *a, const struct queue_message *b)
{
	size_t i;

	if (a->nrcpt != b->nrcpt || a->arrival != b->arrival || a->size != b->size ||
	    strcmp(a->sender, b->sender) || strcmp(a->received_id, b->received_id))
		abort();
	for (i = 0; i < a->nrcpt; i++)
		if (strcmp(a->rcpt[i].address, b->rcpt[i].address) ||
		    a->rcpt[i].status != b->rcpt[i].status ||
		    a->rcpt[i].attempts != b->rcpt[i].attempts ||
		    a->rcpt[i].last_try != b->rcpt[i].last_try ||
		    a->rcpt[i].next_try != b->rcpt[i].next_try ||
		    strpbrk(b->rcpt[i].reply, "\r\n"))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *mess, *state;
	size_t messlen, statelen;
	struct queue_message m, again;
	unsigned long long len;
	int fd;

	fuzz_split(&data, &size, &mess, &messlen);
	fuzz_write(messfd, "1", mess, messlen);
	if (fuzz_split(&data, &size, &state, &statelen))
		fuzz_write(statefd, "1", state, statelen);
	else
		unlinkat(statefd, "1", 0);
	if (queue_message_body(&q, "1", &fd, &len) == 0) {
		if (len > messlen)
			abort();
		close(fd);
	}
	if (queue_message_load(&q, "1", &m) < 0) {
		if (errno != EBADMSG)
			abort();	/* malformed input is EBADMSG, nothing else */
		return 0;
	}
	if (m.nrcpt == 0 || m.size > messlen)
		abort();
	if (queue_state_save(&q, &m) < 0 || queue_message_load(&q, "1", &again) < 0)
		abort();
	message_compare(&m, &again);
	queue_message_free(&again);
	queue_message_free(&m);
	return 0;
}
