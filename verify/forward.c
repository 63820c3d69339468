/*
 * forward - the message, with our Authentication-Results: first and forged
 * ones removed, to the next queue program (see forward.h).
 */
#include <errno.h>
#include <strings.h>
#include <sys/wait.h>

#include "buf.h"
#include "forward.h"
#include "msghdr.h"
#include "queue_client.h"
#include "str.h"

int forward_strip(const char *msg, size_t len, const char *authserv_id, struct str *head,
		  size_t *body, size_t *removed)
{
	struct msghdr_field f;
	size_t end = msghdr_end(msg, len), pos = 0;
	char id[256];

	*removed = 0;
	while (msghdr_next(msg, end, &pos, &f)) {
		if (msghdr_is(&f, "Authentication-Results") &&
		    msghdr_authserv_id(f.value, f.valuelen, id, sizeof id) &&
		    strcasecmp(id, authserv_id) == 0) {
			(*removed)++;
			continue;
		}
		if (str_append(head, msg + f.start, f.stop - f.start) < 0)
			return -1;
	}
	*body = end;
	return 0;
}

static int forward_write(struct queue_client *c, const struct forward *f, int timeout_ms)
{
	char mem[65536];
	struct outbuf ob;

	outbuf_init(&ob, c->msg_fd, mem, sizeof mem);
	ob.notsock = 1;	/* a pipe */
	ob.timeout_ms = timeout_ms;
	if (outbuf_put(&ob, f->ar, f->arlen) < 0 || outbuf_put(&ob, f->head, f->headlen) < 0 ||
	    outbuf_put(&ob, f->msg + f->body, f->len - f->body) < 0 || outbuf_flush(&ob) < 0)
		return -1;
	return 0;
}

int forward_message(const struct forward *f)
{
	struct queue_client c;
	int status;

	if (queue_client_start(&c, f->program, f->received_id, f->confdir, f->origin) < 0)
		return 81;
	if (forward_write(&c, f, f->timeout_ms) < 0)
		status = queue_client_abort(&c, f->timeout_ms);
	else
		status = queue_client_finish(&c, f->envelope, f->envlen, f->timeout_ms);
	if (status == QUEUE_CLIENT_HUNG)
		return 52;
	if (status == QUEUE_CLIENT_ENVELOPE_FAILED)
		return 54;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 81;
}
