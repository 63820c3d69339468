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
#include "relay/deliver_maildir.h"
#include "relay/ipc.h"
#include "relay/maildir.h"
#include "relay/maildir_agent.h"
#include "privdrop.h"

#define AGENT_JOB_TIMEOUT_MS 30000	/* for the worker to send its job */
#define AGENT_READY_TIMEOUT_MS 30000	/* for the writer to drop privileges */

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

/* Receive one descriptor sent with deliver_maildir.c's request; -1 on error, -2 at EOF. */
static int agent_receive(int fd)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t r;
	int passed = -1;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof ctl;
	r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (r == 0)
		return -2;
	if (r < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&passed, CMSG_DATA(cm), sizeof passed);
	return passed;
}

static void __attribute__((noreturn)) agent_main(int fd, const char *confdir, const char *user)
{
	char err[512];
	pid_t pid;
	int conn;

	signal(SIGCHLD, SIG_IGN);	/* job children are reaped by the kernel */
	signal(SIGTERM, SIG_IGN);	/* it ends when the workers are gone */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (privdrop_to_user(user, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "maildir writer: %s", err);
		_exit(111);
	}
	umask(077);
	if (send(fd, "r", 1, MSG_NOSIGNAL) != 1)	/* ready: maildir_agent_start() waits */
		_exit(111);
	for (;;) {
		conn = agent_receive(fd);
		if (conn == -2)
			_exit(0);
		if (conn < 0) {
			if (errno != EINTR)
				log_msg(LOG_ERR, "maildir writer: receive: %s", strerror(errno));
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(fd);
			maildir_agent_serve(conn, confdir);
			_exit(0);
		}
		if (pid < 0)
			log_msg(LOG_ERR, "maildir writer: fork: %s", strerror(errno));
		close(conn);	/* a failed fork: the worker reads EOF and defers */
	}
}

/* The writer's "r" once it runs as maildir-user; -1 if it exits first. */
static int agent_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char byte = 0;
	int r;

	do
		r = poll(&p, 1, AGENT_READY_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	return recv(fd, &byte, 1, 0) == 1 && byte == 'r' ? 0 : -1;
}

int maildir_agent_start(const char *confdir, const struct config *c, int *fd,
			char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		agent_main(sv[1], confdir, c->maildir_user);
	}
	close(sv[1]);
	if (agent_ready(sv[0]) < 0) {
		snprintf(err, errlen, "it did not start as %s (its log line says why)",
			 c->maildir_user);
		close(sv[0]);
		return -1;
	}
	*fd = sv[0];
	return 0;
}
