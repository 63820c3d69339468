/* deliver_maildir - a Maildir job through the Maildir writer; see deliver_maildir.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay/agent.h"
#include "relay/deliver_maildir.h"
#include "relay/ipc.h"

#define MAILDIR_RESULT_TIMEOUT_MS 600000	/* per frame part; fsyncs may be slow */

static int writer_fd = -1;

void deliver_maildir_set_writer(int fd)
{
	if (fd < 0 && writer_fd >= 0)
		close(writer_fd);
	writer_fd = fd;
}

static void result_all(const struct deliver_job *job, struct deliver_result *res,
		       const char *enhanced, const char *what)
{
	size_t i;

	for (i = 0; i < job->nrcpt; i++) {
		res->rcpt[i].code = 451;
		res->rcpt[i].again = 0;
		snprintf(res->rcpt[i].enhanced, sizeof res->rcpt[i].enhanced, "%s", enhanced);
		snprintf(res->rcpt[i].text, sizeof res->rcpt[i].text, "%s", what);
	}
}

/* Job over conn, result back; 0 or -1 with *why set. */
static int writer_run(int conn, const struct deliver_job *job, struct deliver_result *res,
		      const char **why)
{
	struct str out = STR_INIT(IPC_MAX), in = STR_INIT(IPC_MAX);
	unsigned type;
	int passfd = -1, r = -1;

	if (ipc_job_encode(&out, 1, job) < 0 ||
	    ipc_send(conn, IPC_JOB, out.s, out.len, job->body_fd) < 0) {
		*why = "Maildir writer: cannot send the job";
	} else if (ipc_recv(conn, &type, &in, &passfd, MAILDIR_RESULT_TIMEOUT_MS) != 0 ||
		   type != IPC_RESULT) {
		*why = "Maildir writer: no result";
	} else if (ipc_result_decode(in.s, in.len, 1, job->nrcpt, res) < 0) {
		*why = "Maildir writer: malformed result";
	} else {
		r = 0;
	}
	if (passfd >= 0)
		close(passfd);
	str_free(&out);
	str_free(&in);
	return r;
}

void deliver_maildir(const struct deliver_job *job, struct deliver_result *res)
{
	const char *why = NULL;
	int conn;

	res->remote_mta[0] = '\0';
	res->destination_failed = 0;
	if (writer_fd < 0) {
		result_all(job, res, "4.3.5", "no Maildir writer: the relay started without "
			   "a maildir: route; restart it");
		return;
	}
	if (agent_request(writer_fd, &conn) < 0) {
		why = "Maildir writer: not running";
	} else {
		writer_run(conn, job, res, &why);
		close(conn);
	}
	if (why)
		result_all(job, res, "4.3.0", why);
	res->remote_mta[0] = '\0';
	res->destination_failed = 0;
}
