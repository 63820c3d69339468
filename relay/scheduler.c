/* scheduler - the event loop: index fill, dispatch, worker results, signals,
 * inotify, sd_notify; see scheduler.h. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "relay/scheduler_private.h"

static int sched_scan_one(void *ctx, const char *id)
{
	sched_index_add(ctx, id);
	return 0;
}

/*
 * sched_rescan: add every id in mess/ to the index. A scan that failed (an
 * I/O error reading mess/) is tried again after retry-min rather than at
 * the next periodic rescan: at start the scan is the only way the relay
 * learns of mail queued while it was down.
 */
static void sched_rescan(struct sched *s)
{
	long long wait = SCHED_RESCAN_MS;

	if (queue_scan(&s->q, sched_scan_one, s) < 0) {
		log_msg(LOG_ERR, "%s (scanning again in %us)", s->q.err, s->cfg->retry_min);
		wait = (long long)s->cfg->retry_min * 1000;
	}
	s->next_rescan = clock_ms() + wait;
}

static int sched_watch(struct sched *s)
{
	char path[4200];

	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inotify_fd < 0)
		return -1;
	snprintf(path, sizeof path, "%s/mess", s->q.path);
	s->mess_wd = inotify_add_watch(s->inotify_fd, path, IN_MOVED_TO | IN_CREATE);
	if (s->mess_wd < 0)
		return -1;
	snprintf(path, sizeof path, "%s/retry", s->q.path);
	if (inotify_add_watch(s->inotify_fd, path, IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE) < 0)
		return -1;
	return 0;
}

static int sched_signals(struct sched *s)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	s->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return s->signal_fd < 0 ? -1 : 0;
}

int sched_init(struct sched *s, const char *confdir, struct config *c,
	       struct pool *p, int once)
{
	uint64_t usec = 0;

	memset(s, 0, sizeof *s);
	s->confdir = confdir;
	s->cfg = c;
	s->pool = p;
	s->once = once;
	s->inotify_fd = s->signal_fd = -1;
	strmap_init(&s->index);
	strmap_init(&s->dests);
	if (queue_open(&s->q, queue_dir(c)) < 0) {
		log_msg(LOG_ERR, "%s", s->q.err);
		return -1;
	}
	if (sched_watch(s) < 0 || sched_signals(s) < 0) {
		log_msg(LOG_ERR, "watch %s: %s", s->q.path, strerror(errno));
		return -1;
	}
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		s->watchdog_ms = (long long)(usec / 2000);
	return 0;
}

/*
 * Keeps `concurrency` workers in all: idle ones of an older generation or
 * beyond the limit are retired, busy ones of an older generation count until
 * they finish, so that workers, and with them connections, never exceed it.
 */
static int sched_pool_fill(struct sched *s)
{
	size_t i, kept = 0;

	for (i = 0; i < s->pool->n;) {
		struct worker *w = s->pool->w[i];

		if (!w->job && (w->generation != s->pool->generation ||
				kept >= s->cfg->concurrency)) {
			pool_retire(s->pool, w);
			continue;
		}
		kept++;
		i++;
	}
	while (kept < s->cfg->concurrency && s->pool->factory_fd >= 0) {
		if (!pool_spawn(s->pool))
			break;
		kept++;
	}
	if (s->pool->n == 0) {
		log_msg(LOG_ERR, "no delivery worker left and none can be made");
		return -1;
	}
	if (kept < s->cfg->concurrency && kept != s->workers_warned) {
		log_msg(LOG_WARNING, "only %zu of %u delivery workers", kept,
			s->cfg->concurrency);
		s->workers_warned = kept;
	}
	return 0;
}

/* Messages in memory at most: enough to keep every worker busy even when
 * some destinations are at their limit, few enough for a huge queue. */
static size_t sched_cap(const struct sched *s)
{
	return 4 * (size_t)s->cfg->concurrency + 64;
}

/*
 * How many messages may be in memory now: the cap, unless no ready job can
 * go (every destination with ready jobs is at its limit) while a job slot is
 * free; then up to SCHED_ACTIVE_MAX, so that mail for other destinations is
 * loaded instead of waiting for the blocked one to drain (scheduler.h).
 */
static size_t sched_active_limit(const struct sched *s)
{
	size_t cap = sched_cap(s);

	if (s->served || s->ninflight >= s->cfg->concurrency || cap >= SCHED_ACTIVE_MAX)
		return cap;
	return SCHED_ACTIVE_MAX;
}

/*
 * Loads due messages, earliest first, while fewer than the limit are in
 * memory. Only the top of the heap is looked at: a pass costs the messages
 * it loads and one more, whatever the size of the queue. At most as many
 * as there was room for at the start, so that one that settles at once
 * (nothing due after all) cannot keep the pass going, and never more than
 * the cap in one pass, so that workers' results are not kept waiting while
 * the messages beyond it are read.
 */
void sched_fill(struct sched *s, long long now)
{
	size_t limit = sched_active_limit(s), cap = sched_cap(s), i;
	size_t room = s->nactive < limit ? limit - s->nactive : 0;
	struct sched_entry *e;

	s->fill_visits = 0;
	if (room > cap)
		room = cap;
	for (i = 0; i < room && s->nactive < sched_active_limit(s) &&
		    (e = sched_heap_top(&s->waiting)); i++) {
		s->fill_visits++;
		if (e->due > now)
			break;
		if (sched_activate(s, e, now) < 0)
			break;	/* no memory to load it: the next pass (e may be freed otherwise) */
	}
}

static int sched_send(struct sched *s, struct sched_job *j, struct worker *w)
{
	struct queue_message *m = &j->entry->active->m;
	const char **rcpt = calloc(j->n, sizeof *rcpt);
	struct deliver_job dj;
	struct str out = STR_INIT(IPC_MAX);
	unsigned long long len;
	int fd = -1, r = -1;
	size_t i;

	if (!rcpt)
		return -1;
	memset(&dj, 0, sizeof dj);
	dj.utf8 = 0;
	for (i = 0; i < j->n; i++) {
		rcpt[i] = m->rcpt[j->idx[i]].address;
		for (const char *p = rcpt[i]; *p; p++)
			dj.utf8 |= (unsigned char)*p >= 0x80;
	}
	for (const char *p = m->sender; *p; p++)
		dj.utf8 |= (unsigned char)*p >= 0x80;
	dj.queue_id = m->id;
	dj.domain = j->domain;
	dj.sender = m->sender;
	dj.rcpt = rcpt;
	dj.nrcpt = j->n;
	dj.eightbit = j->entry->eightbit;
	if (queue_message_body(&s->q, m->id, &fd, &len) < 0) {
		log_msg(LOG_ERR, "%s", s->q.err);
		goto out;
	}
	dj.body_len = len;
	if (ipc_job_encode(&out, j->id, &dj) < 0)
		goto out;
	r = ipc_send(w->fd, IPC_JOB, out.s, out.len, fd) < 0 ? -2 : 0;
out:
	if (fd >= 0)
		close(fd);
	free(rcpt);
	str_free(&out);
	return r;
}

/*
 * w has taken j. A connection it kept to another destination is closed by
 * the worker before the job starts; until its result that destination counts
 * it as closing, so that no new connection joins one not yet closed.
 */
static void sched_assign(struct sched *s, struct sched_job *j, struct worker *w,
			 struct sched_dest *d)
{
	j->next = NULL;
	j->worker = w;
	w->job = j;
	if (w->conn_dest[0] && strcmp(w->conn_dest, j->dest) != 0) {
		snprintf(w->closing_dest, sizeof w->closing_dest, "%s", w->conn_dest);
		sched_dest_get(s, w->closing_dest)->closing++;
	}
	snprintf(w->conn_dest, sizeof w->conn_dest, "%s", j->dest);
	d->inflight++;
	s->ninflight++;
}

/*
 * Sends ready jobs to idle workers within the concurrency limits
 * (scheduler.h): the served destinations in turn, one job each; one at its
 * limit, or whose next job would open a connection while one of its own is
 * still closing, is parked until a job or connection of it ends.
 */
void sched_dispatch(struct sched *s, long long now)
{
	struct sched_dest *d;

	s->dispatch_visits = 0;
	while ((d = s->served) && s->ninflight < s->cfg->concurrency) {
		struct sched_job *j = d->head;
		struct worker *w;
		int r;

		s->dispatch_visits++;
		if (!j->force && d->backoff_until > now) {
			sched_ready_pop(s, d);
			sched_job_postpone(s, j, d->backoff_until, now);
			continue;
		}
		if (d->inflight >= s->cfg->destination_concurrency) {
			sched_ready_park(s, d);
			continue;
		}
		w = pool_pick(s->pool, j->dest);
		if (!w)
			break;
		if (strcmp(w->conn_dest, j->dest) != 0 &&
		    d->inflight + d->closing >= s->cfg->destination_concurrency) {
			sched_ready_park(s, d);	/* a new connection, with one still closing */
			continue;
		}
		r = sched_send(s, j, w);
		if (r == -2) {		/* the worker is gone; its EOF comes later */
			log_msg(LOG_WARNING, "worker %ld: send job: %s", (long)w->pid,
				strerror(errno));
			pool_retire(s->pool, w);
			continue;
		}
		sched_ready_pop(s, d);
		if (s->served == d)	/* still served: its turn is over */
			sched_ready_rotate(s);
		if (r < 0) {
			sched_job_lost(s, j, "cannot open the message", now);
			continue;
		}
		sched_assign(s, j, w, d);
	}
}

static void sched_worker_free_job(struct sched *s, struct worker *w)
{
	struct sched_dest *d = sched_dest_get(s, w->job->dest);

	if (d->inflight > 0)
		d->inflight--;
	s->ninflight--;
	sched_ready_wake(s, d);		/* room again: its ready jobs may go */
	if (w->closing_dest[0]) {
		d = sched_dest_get(s, w->closing_dest);
		if (d->closing > 0)
			d->closing--;
		sched_ready_wake(s, d);
		w->closing_dest[0] = '\0';
	}
	w->job = NULL;
	w->idle_since = clock_ms();
}

/* A worker's socket is readable: results, or its end. */
void sched_worker_event(struct sched *s, struct worker *w, long long now)
{
	int eof = ipc_reader_fill(&w->in, w->fd), bad = eof < 0;
	const char *p;
	unsigned type;
	size_t len;
	int r;

	while (!bad && (r = ipc_reader_next(&w->in, &type, &p, &len)) != 0) {
		struct sched_job *j = w->job;
		struct deliver_result res;

		if (r < 0 || type != IPC_RESULT || !j) {
			bad = 1;
			break;
		}
		memset(&res, 0, sizeof res);
		res.rcpt = calloc(j->n, sizeof *res.rcpt);
		if (!res.rcpt || ipc_result_decode(p, len, j->id, j->n, &res) < 0) {
			free(res.rcpt);
			bad = 1;
			break;
		}
		if (res.destination_failed)
			w->conn_dest[0] = '\0';	/* no connection was kept */
		sched_worker_free_job(s, w);
		sched_job_finish(s, j, &res, now);
		free(res.rcpt);
	}
	if (!eof && !bad)
		return;
	if (bad)
		log_msg(LOG_ERR, "worker %ld sent an invalid result; retiring it",
			(long)w->pid);
	else
		log_msg(LOG_WARNING, "worker %ld exited", (long)w->pid);
	if (w->job) {
		struct sched_job *j = w->job;

		sched_worker_free_job(s, w);
		sched_job_lost(s, j, "delivery worker died during the attempt", now);
	}
	pool_retire(s->pool, w);
}

struct sched_retry {
	struct sched *s;
	int all;
};

static int sched_retry_one(void *ctx, const char *id)
{
	struct sched_retry *rt = ctx;
	struct sched_entry *e;

	if (!id) {
		rt->all = 1;
		return 0;
	}
	sched_index_add(rt->s, id);
	e = strmap_get(&rt->s->index, id);
	if (e) {
		e->force = 1;
		if (!e->active)
			sched_entry_due(rt->s, e, 0);
		log_msg(LOG_INFO, "retry requested for %s", id);
	}
	return 0;
}

static int sched_force_one(void *ctx, const char *id, void *value)
{
	struct sched_entry *e = value;

	(void)id;
	e->force = 1;
	if (!e->active)
		sched_entry_due(ctx, e, 0);
	return 0;
}

static int sched_unbackoff_one(void *ctx, const char *id, void *value)
{
	struct sched_dest *d = value;

	(void)ctx;
	(void)id;
	d->failures = 0;
	d->backoff_until = 0;
	return 0;
}

/* queuectl retry: the named messages, or all (and every destination), now. */
static void sched_retry_requests(struct sched *s)
{
	struct sched_retry rt = { s, 0 };

	s->retry_pending = 0;
	if (queue_retry_take(&s->q, sched_retry_one, &rt) < 0)
		log_msg(LOG_ERR, "%s", s->q.err);
	if (rt.all) {
		log_msg(LOG_INFO, "retry requested for every message");
		strmap_each(&s->index, sched_force_one, s);
		strmap_each(&s->dests, sched_unbackoff_one, s);
	}
}

static void sched_inotify_event(struct sched *s)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(s->inotify_fd, buf, sizeof buf)) > 0) {
		char *p = buf;

		while (p < buf + n) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW) {
				s->next_rescan = 0;
				s->retry_pending = 1;
			} else if (ev->len > 0 && ev->name[0] != '.') {
				if (ev->wd == s->mess_wd)
					sched_index_add(s, ev->name);
				else
					s->retry_pending = 1;
			}
			p += sizeof *ev + ev->len;
		}
	}
}

static void sched_reload(struct sched *s)
{
	struct config fresh;
	char err[512];

	s->reload_pending = 0;
	if (config_load(s->confdir, &fresh, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "SIGHUP: keeping the old configuration: %s", err);
		return;
	}
	if (strcmp(queue_dir(&fresh), s->q.path) != 0)
		log_msg(LOG_WARNING, "SIGHUP: queue-dir changes only at restart");
	config_free(s->cfg);
	*s->cfg = fresh;
	while (s->parked)	/* destination-concurrency may have grown */
		sched_ready_wake(s, s->parked);
	pool_reload(s->pool);
	log_msg(LOG_INFO, "configuration reloaded");
}

static void sched_signal_event(struct sched *s)
{
	struct signalfd_siginfo si;

	while (read(s->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			if (!s->stopping)
				log_msg(LOG_INFO, "stopping: %zu deliveries in flight",
					s->ninflight);
			s->stopping = 1;
			s->stop_deadline = clock_ms() + SCHED_GRACE_MS;
		} else if (si.ssi_signo == SIGHUP) {
			s->reload_pending = 1;
		}
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;	/* the factory, if it died */
}

static void sched_notify(struct sched *s)
{
	long long now = clock_ms();

	if (s->watchdog_ms > 0 && now >= s->next_watchdog) {
		sd_notify(0, "WATCHDOG=1");
		s->next_watchdog = now + s->watchdog_ms;
	}
	if (now >= s->next_status) {
		/* not in memory and not yet due: at most once a second, and
		 * visiting only the due ones (sched_heap.c) */
		s->ndeferred = s->waiting.n -
			sched_heap_count_due(&s->waiting, (long long)time(NULL));
		sd_notifyf(0, "STATUS=queue %zu, in flight %zu, deferred %zu",
			   s->index.count, s->ninflight, s->ndeferred);
		s->next_status = now + 1000;
	}
}

static int sched_timeout(struct sched *s, long long now)
{
	struct sched_entry *top = sched_heap_top(&s->waiting);
	long long ms = clock_ms(), t = 60000;

	if (s->stopping) {
		t = s->stop_deadline - ms;
	} else if (top && s->nactive < sched_active_limit(s)) {
		/* at the cap, an unload (a worker's result) wakes us instead */
		if (top->due <= now)
			t = 0;
		else if (top->due - now < 60)
			t = (top->due - now) * 1000;
	}
	if (s->next_rescan - ms < t)
		t = s->next_rescan - ms;
	if (s->watchdog_ms > 0 && s->next_watchdog - ms < t)
		t = s->next_watchdog - ms;
	if (s->next_status - ms < t && s->next_status - ms > 0)
		t = s->next_status - ms;
	return t < 0 ? 0 : (int)t;
}

/* One poll over signals, inotify and every worker. */
static void sched_wait(struct sched *s, long long now)
{
	size_t n = s->pool->n, i;
	struct pollfd *pf = calloc(n + 2, sizeof *pf);
	struct worker **who = calloc(n + 1, sizeof *who);

	if (!pf || !who) {
		free(pf);
		free(who);
		sleep(1);
		return;
	}
	pf[0].fd = s->signal_fd;
	pf[0].events = POLLIN;
	pf[1].fd = s->inotify_fd;
	pf[1].events = POLLIN;
	for (i = 0; i < n; i++) {
		who[i] = s->pool->w[i];
		pf[i + 2].fd = who[i]->fd;
		pf[i + 2].events = POLLIN;
	}
	if (poll(pf, n + 2, sched_timeout(s, now)) > 0) {
		if (pf[0].revents)
			sched_signal_event(s);
		if (pf[1].revents)
			sched_inotify_event(s);
		now = (long long)time(NULL);
		for (i = 0; i < n; i++)
			if (pf[i + 2].revents)
				sched_worker_event(s, who[i], now);
	}
	free(pf);
	free(who);
}

static void sched_drop_ready(struct sched *s)
{
	struct sched_job *j;

	while ((j = sched_ready_first(s))) {
		sched_ready_pop(s, j->queue);
		sched_job_postpone(s, j, 0, (long long)time(NULL));
	}
}

static int sched_free_value(void *ctx, const char *key, void *value)
{
	struct sched_entry *e = value;

	(void)key;
	if (ctx && e->active) {
		queue_message_free(&e->active->m);
		free(e->active);
	}
	free(value);
	return 0;
}

/*
 * At exit, jobs still held by workers are abandoned: their recipients are
 * pending on disk and go again after a restart (at-least-once). Their
 * memory is freed all the same, so that a leak check sees only real leaks.
 */
static void sched_abandon_inflight(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->pool->n; i++) {
		struct worker *w = s->pool->w[i];
		struct sched_job *j = w->job;

		if (!j)
			continue;
		sched_worker_free_job(s, w);
		free(j->idx);
		free(j);
	}
}

static void sched_free(struct sched *s)
{
	strmap_each(&s->index, sched_free_value, s);
	strmap_each(&s->dests, sched_free_value, NULL);
	strmap_free(&s->index);
	strmap_free(&s->dests);
	sched_heap_free(&s->waiting);
	queue_close(&s->q);
}

int sched_run(struct sched *s)
{
	int status = 0;

	queue_sweep(&s->q, (long long)time(NULL), SCHED_TMP_MAX_AGE);
	s->next_sweep = clock_ms() + SCHED_SWEEP_MS;
	sched_rescan(s);
	s->retry_pending = 1;
	if (sched_pool_fill(s) < 0)
		return 111;
	sd_notify(0, "READY=1");
	log_msg(LOG_INFO, "ready: %zu messages queued, %zu workers",
		s->index.count, s->pool->n);
	for (;;) {
		long long now = (long long)time(NULL);

		if (s->stopping) {
			sched_drop_ready(s);
			if (s->ninflight == 0 || clock_ms() >= s->stop_deadline)
				break;
		} else {
			if (s->reload_pending)
				sched_reload(s);
			if (s->retry_pending)
				sched_retry_requests(s);
			if (clock_ms() >= s->next_rescan)
				sched_rescan(s);
			if (clock_ms() >= s->next_sweep) {
				queue_sweep(&s->q, now, SCHED_TMP_MAX_AGE);
				s->next_sweep = clock_ms() + SCHED_SWEEP_MS;
			}
			if (sched_pool_fill(s) < 0) {
				status = 111;
				break;
			}
			sched_fill(s, now);
			sched_dispatch(s, now);
			if (s->once && s->index.count == 0 && s->ninflight == 0)
				break;
		}
		sched_notify(s);
		sched_wait(s, now);
	}
	if (s->ninflight > 0)
		log_msg(LOG_WARNING, "%zu deliveries abandoned; they will be repeated",
			s->ninflight);
	sd_notify(0, "STOPPING=1");
	sched_abandon_inflight(s);
	pool_stop(s->pool);
	sched_free(s);
	return status;
}

int sched_main(const char *confdir, struct config *c, struct pool *p, int once)
{
	static struct sched s;

	if (sched_init(&s, confdir, c, p, once) < 0)
		return 111;
	return sched_run(&s);
}
