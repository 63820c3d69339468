/* pool - worker factory and the scheduler's worker records; see pool.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "privdrop.h"
#include "relay/pool.h"
#include "relay/worker.h"

/* In the factory: make one worker and hand its socket to the scheduler. */
static void factory_spawn(int fd, const struct config *c, const struct auth_table *auth)
{
	int sv[2];
	pid_t pid;
	uint32_t upid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_msg(LOG_ERR, "socketpair for a worker: %s", strerror(errno));
		ipc_send(fd, IPC_WORKER, NULL, 0, -1);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(fd);
		close(sv[0]);
		_exit(worker_main(sv[1], c, auth));
	}
	close(sv[1]);
	if (pid < 0) {
		log_msg(LOG_ERR, "fork a worker: %s", strerror(errno));
		close(sv[0]);
		ipc_send(fd, IPC_WORKER, NULL, 0, -1);
		return;
	}
	upid = (uint32_t)pid;
	ipc_send(fd, IPC_WORKER, &upid, sizeof upid, sv[0]);
	close(sv[0]);
}

static void factory_reload(const char *confdir, struct config *c)
{
	struct config fresh;
	char err[512];

	if (config_load(confdir, &fresh, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "factory keeps its configuration: %s", err);
		return;
	}
	config_free(c);
	*c = fresh;
}

static void __attribute__((noreturn))
factory_main(int fd, const char *confdir, struct config *c, const struct auth_table *auth)
{
	struct str frame = STR_INIT(4096);
	char err[512];

	signal(SIGCHLD, SIG_IGN);	/* workers are reaped by the kernel */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (privdrop_to_user(c->relay_user, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "factory: %s", err);
		_exit(111);
	}
	for (;;) {
		unsigned type;
		int passfd, r = ipc_recv(fd, &type, &frame, &passfd, -1);

		if (passfd >= 0)
			close(passfd);
		if (r != 0)
			_exit(r == 1 ? 0 : 111);
		if (type == IPC_SPAWN)
			factory_spawn(fd, c, auth);
		else if (type == IPC_RELOAD)
			factory_reload(confdir, c);
	}
}

int pool_start(struct pool *p, const char *confdir, const struct config *c,
	       const struct auth_table *auth, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	memset(p, 0, sizeof *p);
	p->factory_fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
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
		struct config copy = *c;	/* the child owns its copy now */

		close(sv[0]);
		factory_main(sv[1], confdir, &copy, auth);
	}
	close(sv[1]);
	p->factory_fd = sv[0];
	p->factory_pid = pid;
	return 0;
}

static int pool_add(struct pool *p, struct worker *w)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct worker **nw = reallocarray(p->w, cap, sizeof *nw);

		if (!nw)
			return -1;
		p->w = nw;
		p->cap = cap;
	}
	p->w[p->n++] = w;
	return 0;
}

struct worker *pool_spawn(struct pool *p)
{
	struct str frame = STR_INIT(64);
	struct worker *w = NULL;
	unsigned type;
	int fd = -1;
	uint32_t pid;

	if (p->factory_fd < 0)
		return NULL;
	if (ipc_send(p->factory_fd, IPC_SPAWN, NULL, 0, -1) < 0 ||
	    ipc_recv(p->factory_fd, &type, &frame, &fd, 10000) != 0) {
		log_msg(LOG_ERR, "the worker factory is gone: no new workers can be made");
		close(p->factory_fd);
		p->factory_fd = -1;
		goto out;
	}
	if (type != IPC_WORKER || fd < 0 || frame.len != sizeof pid) {
		log_msg(LOG_ERR, "the worker factory could not make a worker");
		goto out;
	}
	memcpy(&pid, frame.s, sizeof pid);
	w = calloc(1, sizeof *w);
	if (!w || pool_add(p, w) < 0) {
		free(w);
		w = NULL;
		goto out;
	}
	w->fd = fd;
	fd = -1;
	w->pid = (pid_t)pid;
	w->generation = p->generation;
	w->idle_since = clock_ms();
	ipc_reader_init(&w->in);
out:
	if (fd >= 0)
		close(fd);
	str_free(&frame);
	return w;
}

int pool_reload(struct pool *p)
{
	p->generation++;
	if (p->factory_fd < 0 || ipc_send(p->factory_fd, IPC_RELOAD, NULL, 0, -1) < 0)
		return -1;
	return 0;
}

/* Is a better than b for a job that needs a new connection? */
static int pool_better_idle(const struct worker *a, const struct worker *b)
{
	int a_free = a->conn_dest[0] == '\0', b_free = b->conn_dest[0] == '\0';

	if (a_free != b_free)
		return a_free;
	return a->idle_since < b->idle_since;
}

struct worker *pool_pick(struct pool *p, const char *dest)
{
	struct worker *best = NULL;
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct worker *w = p->w[i];

		if (w->job || w->generation != p->generation)
			continue;
		if (dest[0] && strcmp(w->conn_dest, dest) == 0)
			return w;
		if (!best || pool_better_idle(w, best))
			best = w;
	}
	return best;
}

void pool_retire(struct pool *p, struct worker *w)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->w[i] == w) {
			p->w[i] = p->w[--p->n];
			break;
		}
	close(w->fd);
	ipc_reader_free(&w->in);
	free(w);
}


void pool_stop(struct pool *p)
{
	while (p->n > 0)
		pool_retire(p, p->w[0]);
	free(p->w);
	p->w = NULL;
	p->cap = 0;
	if (p->factory_fd >= 0)
		close(p->factory_fd);
	p->factory_fd = -1;
}
