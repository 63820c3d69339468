/* strmap - string-keyed hash table; see strmap.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct strmap_node {
	struct strmap_node *next;
	void *value;
	size_t hash;
	char key[];
};

/* FNV-1a: keys are queue ids and domain names, not attacker-chosen in bulk. */
static size_t strmap_hash(const char *key)
{
	uint64_t h = 14695981039346656037ull;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ull;
	return (size_t)h;
}

void strmap_init(struct strmap *m)
{
	m->bucket = NULL;
	m->nbucket = 0;
	m->count = 0;
}

static struct strmap_node **strmap_slot(const struct strmap *m, const char *key, size_t h)
{
	struct strmap_node **p = &m->bucket[h & (m->nbucket - 1)];

	for (; *p; p = &(*p)->next)
		if ((*p)->hash == h && strcmp((*p)->key, key) == 0)
			break;
	return p;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_node **p;

	if (m->nbucket == 0)
		return NULL;
	p = strmap_slot(m, key, strmap_hash(key));
	return *p ? (*p)->value : NULL;
}

static int strmap_grow(struct strmap *m)
{
	size_t n = m->nbucket ? m->nbucket * 2 : 64, i;
	struct strmap_node **b;

	if (n < m->nbucket || n > SIZE_MAX / sizeof *b)
		return errno = ENOMEM, -1;
	b = calloc(n, sizeof *b);
	if (!b)
		return -1;
	for (i = 0; i < m->nbucket; i++) {
		struct strmap_node *node = m->bucket[i], *next;

		for (; node; node = next) {
			next = node->next;
			node->next = b[node->hash & (n - 1)];
			b[node->hash & (n - 1)] = node;
		}
	}
	free(m->bucket);
	m->bucket = b;
	m->nbucket = n;
	return 0;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
	size_t h = strmap_hash(key), klen = strlen(key);
	struct strmap_node **p, *node;

	if (m->count >= m->nbucket && strmap_grow(m) < 0)
		return -1;
	p = strmap_slot(m, key, h);
	if (*p) {
		(*p)->value = value;
		return 0;
	}
	if (klen > SIZE_MAX - sizeof *node - 1)
		return errno = ENOMEM, -1;
	node = malloc(sizeof *node + klen + 1);
	if (!node)
		return -1;
	memcpy(node->key, key, klen + 1);
	node->hash = h;
	node->value = value;
	node->next = NULL;
	*p = node;
	m->count++;
	return 0;
}

void *strmap_remove(struct strmap *m, const char *key)
{
	struct strmap_node **p, *node;
	void *value;

	if (m->nbucket == 0)
		return NULL;
	p = strmap_slot(m, key, strmap_hash(key));
	if (!*p)
		return NULL;
	node = *p;
	*p = node->next;
	value = node->value;
	free(node);
	m->count--;
	return value;
}

int strmap_each(const struct strmap *m,
		int (*fn)(void *ctx, const char *key, void *value), void *ctx)
{
	size_t i;

	for (i = 0; i < m->nbucket; i++) {
		struct strmap_node *node;

		for (node = m->bucket[i]; node; node = node->next) {
			int r = fn(ctx, node->key, node->value);

			if (r)
				return r;
		}
	}
	return 0;
}

void strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->nbucket; i++) {
		struct strmap_node *node = m->bucket[i], *next;

		for (; node; node = next) {
			next = node->next;
			free(node);
		}
	}
	free(m->bucket);
	strmap_init(m);
}
