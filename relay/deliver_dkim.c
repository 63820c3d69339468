/* deliver_dkim - DKIM signatures from the signer process; see deliver_dkim.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "relay/agent.h"
#include "relay/deliver_dkim.h"
#include "relay/dkim_sign.h"
#include "relay/ipc.h"

static int signer_fd = -1;

void deliver_dkim_set_signer(int fd)
{
	if (fd < 0 && signer_fd >= 0)
		close(signer_fd);
	signer_fd = fd;
}

static void dkim_log(const struct deliver_job *job, int level, const char *what,
		     const char *note)
{
	struct log_field f[] = {
		{ LOG_FIELD_QUEUE_ID, job->queue_id ? job->queue_id : "" },
		{ LOG_FIELD_REASON, note },
		{ NULL, NULL },
	};

	log_event(level, f, "%s", what);
}

/* Request over conn, answer back: the verdict, fields and note; -1 on failure. */
static int signer_ask(int conn, const struct deliver_job *job, struct str *fields,
		      char *note, size_t notelen)
{
	struct str in = STR_INIT(DKIM_SIGN_OUT_MAX + 4096);
	struct ipc_dec d;
	const char *f, *n;
	unsigned type;
	uint32_t verdict;
	int passfd = -1, r = -1;

	snprintf(note, notelen, "the signer did not answer");
	if (ipc_send(conn, IPC_DKIM_SIGN, "", 0, job->body_fd) == 0 &&
	    ipc_recv(conn, &type, &in, &passfd, DKIM_RESULT_TIMEOUT_MS) == 0 &&
	    type == IPC_DKIM_ANSWER) {
		ipc_dec_init(&d, in.s, in.len);
		verdict = ipc_get_u32(&d);
		f = ipc_get_str(&d, DKIM_SIGN_OUT_MAX);
		n = ipc_get_str(&d, 1024);
		if (!d.err && f && n && verdict <= 2) {
			snprintf(note, notelen, "%s", n);
			r = (int)verdict;
			if (verdict == 1 && (!f[0] || str_appendz(fields, f) < 0))
				r = 2;
		} else {
			snprintf(note, notelen, "malformed answer from the signer");
		}
	}
	if (passfd >= 0)
		close(passfd);
	str_free(&in);
	return r;
}

int deliver_dkim_sign(const struct deliver_job *job, struct str *fields)
{
	char note[1024];
	int conn, r;

	if (signer_fd < 0)
		return 0;
	if (agent_request(signer_fd, &conn) < 0) {
		dkim_log(job, LOG_ERR, "DKIM: sent unsigned", "the signer is not running");
		return 0;
	}
	r = signer_ask(conn, job, fields, note, sizeof note);
	close(conn);
	if (r == 1) {
		dkim_log(job, LOG_INFO, "DKIM: signed", note);
		return 1;
	}
	str_truncate(fields, 0);
	if (r != 0)
		dkim_log(job, LOG_ERR, "DKIM: sent unsigned", note);
	return 0;
}
