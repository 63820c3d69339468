/*
 * sched_heap - the messages on disk and not in memory, ordered by the time
 * they are next due (a binary min-heap); see scheduler.h. Each entry knows
 * its place (e->waiting: 1 + its index, 0 when not in the heap), so that a
 * retry request or an activation can move or take out any one of them in
 * O(log n). The scheduler's loop looks only at the top: the cost of a pass
 * grows with what is due, not with the size of the queue.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "relay/scheduler_private.h"

static void heap_place(struct sched_heap *h, size_t i, struct sched_entry *e)
{
	h->e[i] = e;
	e->waiting = i + 1;
}

static void heap_up(struct sched_heap *h, size_t i)
{
	struct sched_entry *e = h->e[i];

	while (i > 0 && h->e[(i - 1) / 2]->due > e->due) {
		heap_place(h, i, h->e[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_place(h, i, e);
}

static void heap_down(struct sched_heap *h, size_t i)
{
	struct sched_entry *e = h->e[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->e[c + 1]->due < h->e[c]->due)
			c++;
		if (h->e[c]->due >= e->due)
			break;
		heap_place(h, i, h->e[c]);
		i = c;
	}
	heap_place(h, i, e);
}

/* Room for n entries, so that a push never needs memory. */
int sched_heap_reserve(struct sched_heap *h, size_t n)
{
	struct sched_entry **p;
	size_t cap;

	if (n <= h->cap)
		return 0;
	cap = h->cap ? h->cap : 256;
	while (cap < n) {
		if (cap > SIZE_MAX / 2 / sizeof *p)
			return errno = ENOMEM, -1;
		cap *= 2;
	}
	p = realloc(h->e, cap * sizeof *p);
	if (!p)
		return -1;
	h->e = p;
	h->cap = cap;
	return 0;
}

void sched_heap_push(struct sched_heap *h, struct sched_entry *e)
{
	if (e->waiting || (h->n == h->cap && sched_heap_reserve(h, h->n + 1) < 0))
		return;
	heap_place(h, h->n++, e);
	heap_up(h, h->n - 1);
}

struct sched_entry *sched_heap_top(const struct sched_heap *h)
{
	return h->n ? h->e[0] : NULL;
}

void sched_heap_remove(struct sched_heap *h, struct sched_entry *e)
{
	struct sched_entry *moved;
	size_t i = e->waiting - 1;

	if (!e->waiting)
		return;
	e->waiting = 0;
	if (i == --h->n)
		return;
	moved = h->e[h->n];
	heap_place(h, i, moved);
	heap_up(h, i);
	heap_down(h, moved->waiting - 1);
}

/* e->due = due, keeping e's place in the heap right if it is there. */
void sched_entry_due(struct sched *s, struct sched_entry *e, long long due)
{
	long long old = e->due;

	e->due = due;
	if (!e->waiting)
		return;
	if (due < old)
		heap_up(&s->waiting, e->waiting - 1);
	else
		heap_down(&s->waiting, e->waiting - 1);
}

/* Entries due at now, visiting only those and their direct children. */
size_t sched_heap_count_due(const struct sched_heap *h, long long now)
{
	size_t *stack, n = 0, top = 0;

	if (!h->n || h->e[0]->due > now)
		return 0;
	stack = malloc(h->n * sizeof *stack);
	if (!stack)
		return 0;
	stack[top++] = 0;
	while (top > 0) {
		size_t i = stack[--top], c;

		n++;
		for (c = 2 * i + 1; c <= 2 * i + 2 && c < h->n; c++)
			if (h->e[c]->due <= now)
				stack[top++] = c;
	}
	free(stack);
	return n;
}

void sched_heap_free(struct sched_heap *h)
{
	free(h->e);
	h->e = NULL;
	h->n = h->cap = 0;
}
