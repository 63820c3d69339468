/* sched_ready - the jobs not yet sent: a FIFO per destination, and the
 * destinations that have some in two lists, served and parked; see
 * scheduler.h. Every operation is O(1). */
#include <stddef.h>

#include "relay/scheduler_private.h"

static struct sched_dest **sched_ready_list(struct sched *s, enum sched_dest_list l)
{
	return l == SCHED_DEST_PARKED ? &s->parked : &s->served;
}

/* Out of its list (circular, doubly linked; the list names its head). */
static void sched_ready_unlink(struct sched *s, struct sched_dest *d)
{
	struct sched_dest **head;

	if (d->list == SCHED_DEST_NONE)
		return;
	head = sched_ready_list(s, d->list);
	if (d->lnext == d) {
		*head = NULL;
	} else {
		d->lprev->lnext = d->lnext;
		d->lnext->lprev = d->lprev;
		if (*head == d)
			*head = d->lnext;
	}
	d->lprev = d->lnext = NULL;
	d->list = SCHED_DEST_NONE;
}

/* At the tail of list l: served last in the round. */
static void sched_ready_link(struct sched *s, struct sched_dest *d, enum sched_dest_list l)
{
	struct sched_dest **head = sched_ready_list(s, l);

	sched_ready_unlink(s, d);
	if (!*head) {
		d->lprev = d->lnext = d;
		*head = d;
	} else {
		d->lnext = *head;
		d->lprev = (*head)->lprev;
		(*head)->lprev->lnext = d;
		(*head)->lprev = d;
	}
	d->list = l;
}

static int sched_ready_full(const struct sched *s, const struct sched_dest *d)
{
	return d->inflight >= s->cfg->destination_concurrency;
}

void sched_ready_push(struct sched *s, struct sched_job *j)
{
	struct sched_dest *d = sched_dest_get(s, j->dest);

	j->next = NULL;
	j->queue = d;
	if (d->tail)
		d->tail->next = j;
	else
		d->head = j;
	d->tail = j;
	s->nready++;
	if (d->list == SCHED_DEST_NONE)
		sched_ready_link(s, d, sched_ready_full(s, d) ? SCHED_DEST_PARKED
							      : SCHED_DEST_SERVED);
}

struct sched_job *sched_ready_pop(struct sched *s, struct sched_dest *d)
{
	struct sched_job *j = d->head;

	if (!j)
		return NULL;
	d->head = j->next;
	if (!d->head) {
		d->tail = NULL;
		sched_ready_unlink(s, d);
	}
	j->next = NULL;
	s->nready--;
	return j;
}

void sched_ready_park(struct sched *s, struct sched_dest *d)
{
	if (d->head)
		sched_ready_link(s, d, SCHED_DEST_PARKED);
}

void sched_ready_wake(struct sched *s, struct sched_dest *d)
{
	if (d->list == SCHED_DEST_PARKED)
		sched_ready_link(s, d, SCHED_DEST_SERVED);
}

void sched_ready_rotate(struct sched *s)
{
	if (s->served)
		s->served = s->served->lnext;
}

struct sched_job *sched_ready_first(const struct sched *s)
{
	if (s->served)
		return s->served->head;
	return s->parked ? s->parked->head : NULL;
}

struct sched_job *sched_ready_next(const struct sched *s, const struct sched_job *j)
{
	struct sched_dest *d = j->queue;

	if (j->next)
		return j->next;
	if (d->lnext != (d->list == SCHED_DEST_SERVED ? s->served : s->parked))
		return d->lnext->head;
	if (d->list == SCHED_DEST_SERVED && s->parked)
		return s->parked->head;
	return NULL;
}
