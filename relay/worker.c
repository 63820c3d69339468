/* worker - one delivery per job frame; see worker.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "relay/deliver.h"
#include "relay/ipc.h"
#include "relay/worker.h"

#define WORKER_IDLE_MS 5000

/* One job: decode, deliver, answer. Returns 0, or -1 on a protocol/system error. */
static int worker_job(int fd, struct deliver_ctx *d, const char *p, size_t len, int bodyfd)
{
	struct deliver_job job;
	struct deliver_result res;
	struct str out = STR_INIT(IPC_MAX);
	const char **rcptmem = NULL;
	uint64_t jobid;
	int r = -1;

	memset(&res, 0, sizeof res);
	if (bodyfd < 0 || ipc_job_decode(p, len, &jobid, &job, &rcptmem) < 0) {
		log_msg(LOG_ERR, "worker: malformed job from the scheduler");
		goto done;
	}
	job.body_fd = bodyfd;
	res.rcpt = calloc(job.nrcpt, sizeof *res.rcpt);
	if (!res.rcpt)
		goto done;
	deliver(d, &job, &res);
	if (ipc_result_encode(&out, jobid, job.nrcpt, &res) < 0 ||
	    ipc_send(fd, IPC_RESULT, out.s, out.len, -1) < 0)
		log_msg(LOG_ERR, "worker: send result: %s", strerror(errno));
	else
		r = 0;
done:
	if (bodyfd >= 0)
		close(bodyfd);
	free(rcptmem);
	free(res.rcpt);
	str_free(&out);
	return r;
}

int worker_main(int fd, const struct config *c, const struct auth_table *auth)
{
	struct deliver_ctx d;
	struct str frame = STR_INIT(IPC_MAX);
	int status = 0;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	deliver_init(&d, c);
	deliver_set_auth(&d, auth);
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		unsigned type;
		int bodyfd, r = poll(&pf, 1, WORKER_IDLE_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			deliver_idle(&d);
			continue;
		}
		r = ipc_recv(fd, &type, &frame, &bodyfd, 30000);
		if (r == 1)
			break;
		if (r < 0 || type != IPC_JOB) {
			log_msg(LOG_ERR, "worker: read job: %s",
				r < 0 ? strerror(errno) : "unexpected frame");
			if (bodyfd >= 0)
				close(bodyfd);
			status = 111;
			break;
		}
		if (worker_job(fd, &d, frame.s, frame.len, bodyfd) < 0) {
			status = 111;
			break;
		}
	}
	deliver_close_all(&d);
	str_free(&frame);
	return status;
}
