/*
 * recipient - RCPT address to envelope addresses (see recipient.h): the
 * lookups in order, alias expansion depth-first with the chain of
 * addresses being expanded kept for loop detection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "log.h"
#include "smtpd/recipient.h"

struct resolve {
	struct recipient_maps *m;
	const struct config *c;
	struct recipient_list *out;
	const char *chain[RECIPIENT_DEPTH_MAX + 1];	/* addresses being expanded */
	size_t depth;
};

int recipient_maps_used(const struct config *c)
{
	return c->recipients[0] || c->aliases[0];
}

static int maps_open_one(const char *source, struct map *m)
{
	if (map_open(m, source) == 0)
		return 1;
	log_msg(LOG_ERR, "open %s.cdb: %s (recipients refused with 451 until it is built: "
		"newmap %s)", source, strerror(errno), source);
	return 0;
}

/* Open the configured databases once; 0, or -1 when one cannot be read. */
static int maps_open(struct recipient_maps *m, const struct config *c)
{
	if (!m->tried) {
		m->tried = 1;
		if (c->recipients[0])
			m->rcpt_ok = maps_open_one(c->recipients, &m->rcpt);
		if (c->aliases[0])
			m->alias_ok = maps_open_one(c->aliases, &m->alias);
	}
	return (!c->recipients[0] || m->rcpt_ok) && (!c->aliases[0] || m->alias_ok) ? 0 : -1;
}

void recipient_maps_close(struct recipient_maps *m)
{
	if (m->rcpt_ok)
		map_close(&m->rcpt);
	if (m->alias_ok)
		map_close(&m->alias);
	m->tried = m->rcpt_ok = m->alias_ok = 0;
}

void recipient_list_free(struct recipient_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->a[i]);
	free(l->a);
	l->a = NULL;
	l->n = l->cap = 0;
}

static enum recipient_result list_add(struct recipient_list *l, const char *address)
{
	size_t i;
	char *copy;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->a[i], address) == 0)
			return RECIPIENT_OK;	/* each address once */
	if (l->n >= RECIPIENT_EXPAND_MAX)
		return RECIPIENT_TOO_MANY;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **a = realloc(l->a, cap * sizeof *a);
		if (!a)
			return RECIPIENT_NO_MEMORY;
		l->a = a;
		l->cap = cap;
	}
	if (!(copy = strdup(address)))
		return RECIPIENT_NO_MEMORY;
	l->a[l->n++] = copy;
	return RECIPIENT_OK;
}

/* Look key up in map m (when configured): 1 found (value set), 0 not, -1 error. */
static int lookup(struct map *m, int configured, const char *key, struct str *value)
{
	int r;

	if (!configured)
		return 0;
	r = map_lookup(m, key, value);
	if (r < 0)
		log_msg(LOG_ERR, "recipient map lookup of %s: %s", key, strerror(errno));
	return r;
}

static enum recipient_result resolve_one(struct resolve *z, const char *address);

/* Each target of value (NUL-terminated strings) for the alias address. */
static enum recipient_result expand(struct resolve *z, const char *address, const struct str *value)
{
	enum recipient_result r = RECIPIENT_OK;
	size_t off, i;

	if (value->len == 0)	/* a key without targets: a mailbox */
		return list_add(z->out, address);
	if (z->depth >= RECIPIENT_DEPTH_MAX)
		return RECIPIENT_TOO_DEEP;
	z->chain[z->depth++] = address;
	for (off = 0; off < value->len && r == RECIPIENT_OK; off += strlen(value->s + off) + 1) {
		const char *t = value->s + off;
		if (strcasecmp(t, address) == 0) {	/* "a: a, b" keeps a's mailbox */
			r = list_add(z->out, t);
			continue;
		}
		for (i = 0; i < z->depth; i++)
			if (strcasecmp(t, z->chain[i]) == 0)
				r = RECIPIENT_LOOP;
		if (r == RECIPIENT_OK)
			r = resolve_one(z, t);
	}
	z->depth--;
	return r;
}

/* Steps 1-5 of recipient.h for one address. */
static enum recipient_result resolve_one(struct resolve *z, const char *address)
{
	const char *at = strrchr(address, '@');
	int has_rcpt = z->c->recipients[0] != '\0', has_alias = z->c->aliases[0] != '\0';
	struct str value = STR_INIT(MAP_VALUE_MAX + 1);
	char key[ADDR_PATH_MAX + 2], dkey[ADDR_PATH_MAX + 2];
	enum recipient_result r;
	int f;

	if (!at || !config_accepts_domain(z->c, at + 1))
		return list_add(z->out, address);	/* remote: relayed as it is */
	if (map_key(address, strlen(address), key, sizeof key) < 0 ||
	    map_key(at, strlen(at), dkey, sizeof dkey) < 0)
		return RECIPIENT_UNKNOWN;
	if ((f = lookup(&z->m->alias, has_alias, key, &value)) == 1)
		r = expand(z, address, &value);
	else if (f == 0 && (f = lookup(&z->m->rcpt, has_rcpt, key, &value)) == 1)
		r = list_add(z->out, address);
	else if (f == 0 && (f = lookup(&z->m->alias, has_alias, dkey, &value)) == 1)
		r = expand(z, address, &value);
	else if (f == 0 && (f = lookup(&z->m->rcpt, has_rcpt, dkey, &value)) == 1)
		r = list_add(z->out, address);
	else if (f == 0)
		r = has_rcpt ? RECIPIENT_UNKNOWN : list_add(z->out, address);
	else
		r = RECIPIENT_MAP_ERROR;
	str_free(&value);
	return r;
}

enum recipient_result recipient_resolve(struct recipient_maps *m, const struct config *c,
					const char *address, struct recipient_list *out)
{
	struct resolve z;

	memset(&z, 0, sizeof z);
	z.m = m;
	z.c = c;
	z.out = out;
	if (maps_open(m, c) < 0)
		return RECIPIENT_MAP_ERROR;
	return resolve_one(&z, address);
}

const char *recipient_reply(enum recipient_result r)
{
	switch (r) {
	case RECIPIENT_OK:
		break;
	case RECIPIENT_UNKNOWN:
		return "550 5.1.1 Error: unknown recipient";
	case RECIPIENT_MAP_ERROR:
		return "451 4.3.0 Error: recipient database unavailable, try again later";
	case RECIPIENT_LOOP:
		return "451 4.4.6 Error: alias loop, try again later";
	case RECIPIENT_TOO_DEEP:
		return "451 4.4.6 Error: aliases nested too deep, try again later";
	case RECIPIENT_TOO_MANY:
		return "452 4.5.3 Error: too many recipients";
	case RECIPIENT_NO_MEMORY:
		return "452 4.3.1 Error: out of memory";
	}
	return "250 2.1.5 Ok";
}
