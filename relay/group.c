/* group - recipients by destination domain; see group.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "relay/deliver.h"
#include "relay/group.h"

void group_domain(const char *address, char domain[256])
{
	const char *at = strrchr(address, '@');
	size_t i, n;

	domain[0] = '\0';
	if (!at)
		return;
	n = strlen(at + 1);
	if (n > 255)
		return;
	for (i = 0; i < n; i++) {
		char c = at[1 + i];

		domain[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	domain[n] = '\0';
}

/* The open group for domain (not yet full), or a new one. */
static struct group *group_for(struct group **g, size_t *n, size_t max, const char *domain)
{
	size_t i;

	for (i = *n; i > 0; i--)
		if (strcmp((*g)[i - 1].domain, domain) == 0 && (*g)[i - 1].n < DELIVER_RCPT_MAX)
			return &(*g)[i - 1];
	if (*n == max)
		return NULL;
	memset(&(*g)[*n], 0, sizeof **g);
	strcpy((*g)[*n].domain, domain);
	(*g)[*n].idx = calloc(DELIVER_RCPT_MAX < max ? DELIVER_RCPT_MAX : max,
			      sizeof *(*g)[*n].idx);
	if (!(*g)[*n].idx)
		return NULL;
	return &(*g)[(*n)++];
}

int group_pending(const struct queue_message *m, long long now, int force,
		  struct group **out, size_t *nout)
{
	struct group *g;
	size_t i, n = 0;

	*out = NULL;
	*nout = 0;
	if (m->nrcpt == 0)
		return 0;
	g = calloc(m->nrcpt, sizeof *g);	/* at most one group per recipient */
	if (!g)
		return -1;
	for (i = 0; i < m->nrcpt; i++) {
		const struct queue_rcpt *r = &m->rcpt[i];
		char domain[256];
		struct group *cur;

		if (r->status != RCPT_PENDING || (!force && r->next_try > now))
			continue;
		group_domain(r->address, domain);
		cur = group_for(&g, &n, m->nrcpt, domain);
		if (!cur) {
			group_free(g, n);
			return errno = ENOMEM, -1;
		}
		cur->idx[cur->n++] = i;
	}
	if (n == 0) {
		free(g);
		return 0;
	}
	*out = g;
	*nout = n;
	return 0;
}

void group_free(struct group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(g[i].idx);
	free(g);
}
