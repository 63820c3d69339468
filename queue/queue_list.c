/*
 * queue_list.c - listing and showing queued messages (queue_list.h), for
 * queuectl(8) list/show and mailq / sendmail -bp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue/queue_list.h"
#include "queue/queue_format.h"

struct id_list {
	char (*ids)[QUEUE_ID_MAX];
	size_t n, cap;
};

static int id_collect(void *ctx, const char *id)
{
	struct id_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *p = cap < l->cap ? NULL : reallocarray(l->ids, cap, sizeof *l->ids);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		l->ids = p;
		l->cap = cap;
	}
	snprintf(l->ids[l->n++], QUEUE_ID_MAX, "%s", id);
	return 0;
}

static int id_compare(const void *a, const void *b)
{
	return strcmp(a, b);
}

void queue_duration_format(char *out, size_t n, long long s)
{
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(out, n, "%llds", s);
	else if (s < 7200)
		snprintf(out, n, "%lldm", s / 60);
	else if (s < 172800)
		snprintf(out, n, "%lldh", s / 3600);
	else
		snprintf(out, n, "%lldd", s / 86400);
}

static const char *status_name(enum rcpt_status s)
{
	return s == RCPT_DELIVERED ? "delivered" : s == RCPT_FAILED ? "failed" : "pending";
}

static void next_format(char *out, size_t n, const struct queue_rcpt *r, long long now)
{
	char d[32];

	if (r->status != RCPT_PENDING) {
		snprintf(out, n, "-");
	} else if (r->next_try <= now) {
		snprintf(out, n, "now");
	} else {
		queue_duration_format(d, sizeof d, r->next_try - now);
		snprintf(out, n, "in %s", d);
	}
}

static void message_list_one(struct queue *q, const char *id, int fd, long long now)
{
	struct queue_message m;
	char age[32], next[48];
	size_t i;

	if (queue_message_load(q, id, &m) < 0) {
		if (errno != ENOENT)	/* removed meanwhile: not worth a line */
			dprintf(fd, "%s (unreadable: %s)\n", id, strerror(errno));
		return;
	}
	queue_duration_format(age, sizeof age, now - m.arrival);
	dprintf(fd, "%s %s %llu <%s>\n", m.id, age, m.size, m.sender);
	for (i = 0; i < m.nrcpt; i++) {
		const struct queue_rcpt *r = &m.rcpt[i];
		next_format(next, sizeof next, r, now);
		dprintf(fd, "  %s %s attempts=%u next=%s reply=%s\n", status_name(r->status),
			r->address, r->attempts, next, r->reply[0] ? r->reply : "-");
	}
	queue_message_free(&m);
}

int queue_list_print(struct queue *q, int fd, long long now)
{
	struct id_list l = { NULL, 0, 0 };
	size_t i;

	if (queue_scan(q, id_collect, &l) != 0) {
		if (!q->err[0] || errno == ENOMEM)
			queue_fail(q, "list", "mess", NULL);
		free(l.ids);
		return -1;
	}
	qsort(l.ids, l.n, sizeof *l.ids, id_compare);	/* ids begin with the time */
	for (i = 0; i < l.n; i++)
		message_list_one(q, l.ids[i], fd, now);
	dprintf(fd, "%zu message%s\n", l.n, l.n == 1 ? "" : "s");
	free(l.ids);
	return 0;
}

static void time_format(char *out, size_t n, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !gmtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, n, "-");
}

/* body_copy: write len bytes of fd (from offset 0) to out. */
static int body_copy(int in, unsigned long long len, int out)
{
	char buf[65536];
	off_t off = 0;

	while (len > 0) {
		size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
		ssize_t r = pread(in, buf, want, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EBADMSG;
			return -1;
		}
		for (ssize_t w = 0; w < r;) {
			ssize_t k = write(out, buf + w, (size_t)(r - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return -1;
			w += k;
		}
		off += r;
		len -= (unsigned long long)r;
	}
	return 0;
}

int queue_show_print(struct queue *q, const char *id, int fd, long long now)
{
	struct queue_message m;
	char when[64], last[64], age[32];
	unsigned long long len;
	size_t i;
	int body, rc;

	if (queue_message_load(q, id, &m) < 0)
		return -1;
	time_format(when, sizeof when, m.arrival);
	queue_duration_format(age, sizeof age, now - m.arrival);
	dprintf(fd, "id: %s\narrival: %s (%s ago)\nreceived-id: %s\nsize: %llu\nsender: <%s>\n",
		m.id, when, age, m.received_id[0] ? m.received_id : "-", m.size, m.sender);
	for (i = 0; i < m.nrcpt; i++) {
		const struct queue_rcpt *r = &m.rcpt[i];
		time_format(last, sizeof last, r->last_try);
		time_format(when, sizeof when, r->next_try);
		dprintf(fd, "recipient: <%s> %s attempts=%u last=%s next=%s reply=%s\n",
			r->address, status_name(r->status), r->attempts, last,
			r->status == RCPT_PENDING ? (r->next_try ? when : "now") : "-",
			r->reply[0] ? r->reply : "-");
	}
	dprintf(fd, "\n");
	queue_message_free(&m);
	if (queue_message_body(q, id, &body, &len) < 0)
		return -1;
	rc = body_copy(body, len, fd);
	if (rc < 0)
		queue_fail(q, "show", "mess", id);
	close(body);
	return rc;
}
