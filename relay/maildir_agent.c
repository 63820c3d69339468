/*
 * maildir_agent - the Maildir writer process (see maildir_agent.h): one
 * fork per job, each rereading the configuration; the request socket
 * carries nothing but the job's own socket, so a worker cannot name a
 * file, only a recipient.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "relay/agent.h"
#include "relay/deliver_maildir.h"
#include "relay/ipc.h"
#include "relay/maildir.h"
#include "relay/maildir_agent.h"
#include "privdrop.h"

#define AGENT_JOB_TIMEOUT_MS 30000	/* for the worker to send its job */

int maildir_agent_needed(const struct config *c)
{
	size_t i;

	for (i = 0; i < c->nroutes; i++)
		if (c->routes[i].hop.kind == NEXTHOP_MAILDIR)
			return 1;
	return 0;
}

/* One recipient: its domain's route must be a maildir: route. */
static void serve_one(const struct config *c, const struct maildir_message *m,
		      const char *rcpt, struct deliver_rcpt_result *res)
{
	const char *at = strrchr(rcpt, '@');
	const struct route *r = at ? config_route_for(c, at + 1) : NULL;

	if (!r || r->hop.kind != NEXTHOP_MAILDIR) {
		memset(res, 0, sizeof *res);
		res->code = 451;
		strcpy(res->enhanced, "4.3.5");
		snprintf(res->text, sizeof res->text, "no maildir: route for %s", rcpt);
		return;
	}
	maildir_deliver(m, r->hop.host, rcpt, res);
}

void maildir_agent_serve(int conn, const char *confdir)
{
	struct str frame = STR_INIT(IPC_MAX), out = STR_INIT(IPC_MAX);
	struct deliver_result res;
	struct deliver_job job;
	struct config c;
	const char **rcptmem = NULL;
	char err[512];
	unsigned type;
	uint64_t jobid;
	int bodyfd = -1, cfg = -1;
	size_t i;

	memset(&res, 0, sizeof res);
	if (ipc_recv(conn, &type, &frame, &bodyfd, AGENT_JOB_TIMEOUT_MS) != 0 ||
	    type != IPC_JOB || bodyfd < 0 ||
	    ipc_job_decode(frame.s, frame.len, &jobid, &job, &rcptmem) < 0) {
		log_msg(LOG_ERR, "maildir writer: malformed job from a worker");
		goto done;
	}
	if ((cfg = config_load(confdir, &c, err, sizeof err)) < 0)
		log_msg(LOG_ERR, "maildir writer: %s", err);
	res.rcpt = calloc(job.nrcpt ? job.nrcpt : 1, sizeof *res.rcpt);
	if (!res.rcpt)
		goto done;
	for (i = 0; i < job.nrcpt; i++) {
		struct maildir_message m = { job.sender, bodyfd, job.body_len };
		if (cfg < 0) {
			res.rcpt[i].code = 451;
			strcpy(res.rcpt[i].enhanced, "4.3.5");
			strcpy(res.rcpt[i].text, "maildir writer: configuration error");
		} else {
			serve_one(&c, &m, job.rcpt[i], &res.rcpt[i]);
		}
	}
	if (ipc_result_encode(&out, jobid, job.nrcpt, &res) < 0 ||
	    ipc_send(conn, IPC_RESULT, out.s, out.len, -1) < 0)
		log_msg(LOG_ERR, "maildir writer: send result: %s", strerror(errno));
done:
	if (cfg == 0)
		config_free(&c);
	if (bodyfd >= 0)
		close(bodyfd);
	free(rcptmem);
	free(res.rcpt);
	str_free(&frame);
	str_free(&out);
}

struct agent_args {
	const char *confdir, *user;
};

static void serve(int conn, void *arg)
{
	const struct agent_args *a = arg;

	maildir_agent_serve(conn, a->confdir);
}

static void __attribute__((noreturn)) agent_main(int fd, void *arg)
{
	const struct agent_args *a = arg;
	char err[512];

	if (privdrop_to_user(a->user, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "maildir writer: %s", err);
		_exit(111);
	}
	umask(077);
	if (agent_ready(fd) < 0)	/* maildir_agent_start() waits for it */
		_exit(111);
	agent_serve(fd, "maildir writer", serve, arg);
}

int maildir_agent_start(const char *confdir, const struct config *c, int *fd,
			char *err, size_t errlen)
{
	static struct agent_args a;
	char why[512];

	a.confdir = confdir;
	a.user = c->maildir_user;
	if (agent_start("Maildir writer", agent_main, &a, fd, why, sizeof why) < 0) {
		snprintf(err, errlen, "it did not start as %s (%s)", c->maildir_user, why);
		return -1;
	}
	return 0;
}
