/*
 * agent - start a privileged helper of the relay, pass it one socket per
 * request, fork one child per request (see agent.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "relay/agent.h"

#define AGENT_READY_TIMEOUT_MS 30000	/* for the agent to drop privileges */

/* Send fd (one byte of data with it) over sock. */
static int fd_send(int sock, int fd)
{
	char byte = 'j', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh;
	struct cmsghdr *cm;

	memset(&mh, 0, sizeof mh);
	memset(ctl, 0, sizeof ctl);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof ctl;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Receive one descriptor sent by fd_send(); -1 on error, -2 at EOF. */
static int fd_receive(int fd)
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

int agent_request(int agentfd, int *conn)
{
	int sv[2], e;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (fd_send(agentfd, sv[1]) < 0) {
		e = errno;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	close(sv[1]);
	*conn = sv[0];
	return 0;
}

int agent_ready(int fd)
{
	return send(fd, "r", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

void agent_serve(int fd, const char *what, void (*serve)(int conn, void *arg), void *arg)
{
	pid_t pid;
	int conn;

	signal(SIGCHLD, SIG_IGN);	/* request children are reaped by the kernel */
	signal(SIGTERM, SIG_IGN);	/* it ends when the workers are gone */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		conn = fd_receive(fd);
		if (conn == -2)
			_exit(0);
		if (conn < 0) {
			if (errno != EINTR)
				log_msg(LOG_ERR, "%s: receive: %s", what, strerror(errno));
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(fd);
			serve(conn, arg);
			_exit(0);
		}
		if (pid < 0)
			log_msg(LOG_ERR, "%s: fork: %s", what, strerror(errno));
		close(conn);	/* a failed fork: the worker reads EOF */
	}
}

/* The agent's "r" once it dropped its privileges; -1 if it exits first. */
static int agent_wait_ready(int fd)
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

int agent_start(const char *what, void (*run)(int fd, void *arg), void *arg, int *fd,
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
		run(sv[1], arg);
		_exit(111);
	}
	close(sv[1]);
	if (agent_wait_ready(sv[0]) < 0) {
		snprintf(err, errlen, "its log line says why");
		(void)what;
		close(sv[0]);
		return -1;
	}
	*fd = sv[0];
	return 0;
}
