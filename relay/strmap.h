#ifndef TERN_STRMAP_H
#define TERN_STRMAP_H
/*
 * NAME
 *	strmap - a string-keyed hash table of pointers (the scheduler's indexes)
 * SYNOPSIS
 *	void strmap_init(struct strmap *m);
 *	void *strmap_get(const struct strmap *m, const char *key);
 *	int strmap_put(struct strmap *m, const char *key, void *value);
 *	void *strmap_remove(struct strmap *m, const char *key);
 *	int strmap_each(const struct strmap *m,
 *	                int (*fn)(void *ctx, const char *key, void *value), void *ctx);
 *	void strmap_free(struct strmap *m);
 * DESCRIPTION
 *	Keys are copied; values are the caller's. strmap_put() replaces the value
 *	of an existing key. strmap_each() visits every entry (order unspecified);
 *	fn must not add or remove entries; a nonzero return stops the walk and is
 *	returned. m->count holds the number of entries. The table doubles when
 *	its load passes 1, so lookups stay O(1) for a 100,000-message queue.
 * DIAGNOSTICS
 *	strmap_put() returns 0, or -1 with errno ENOMEM.
 */
#include <stddef.h>

struct strmap_node;

struct strmap {
	struct strmap_node **bucket;
	size_t nbucket;
	size_t count;
};

void strmap_init(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key);
int strmap_put(struct strmap *m, const char *key, void *value);
void *strmap_remove(struct strmap *m, const char *key);
int strmap_each(const struct strmap *m,
		int (*fn)(void *ctx, const char *key, void *value), void *ctx);
void strmap_free(struct strmap *m);

#endif
