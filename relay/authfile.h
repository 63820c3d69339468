#ifndef TERN_AUTHFILE_H
#define TERN_AUTHFILE_H
/*
 * NAME
 *	authfile - smarthost credentials for AUTH (RFC 4954), read as root
 * SYNOPSIS
 *	int authfile_load(const char *path, const struct config *c,
 *	                  struct auth_table *t, char *err, size_t errlen);
 *	int authfile_parse(const char *text, size_t len, const struct config *c,
 *	                   struct auth_table *t, char *err, size_t errlen);
 *	const struct auth_entry *authfile_find(const struct auth_table *t, const char *key);
 *	void authfile_free(struct auth_table *t);
 * DESCRIPTION
 *	The relay-auth-file of tern.conf(5) holds one line per next hop:
 *
 *	  NEXTHOP USER PASSWORD
 *
 *	NEXTHOP as a route writes it (smtp:[smart.example]:587); USER has
 *	no blanks; PASSWORD is the rest of the line (it may hold blanks, not
 *	a leading one). '#' starts a comment line; blank lines are ignored.
 *	authfile_load() reads path, which must be a regular file that neither
 *	group nor others may read or write (it holds passwords): the relay
 *	reads it as root before any privilege drop and hands the table to the
 *	delivery workers in memory, so tern-relay needs no access to it.
 *	authfile_parse() parses text (len bytes). Entries are keyed by the
 *	destination key of their next hop (mx_key_of_hop() of mx.h), the key
 *	deliver() plans connections by; authfile_find() gives the entry for
 *	key or NULL.
 * DIAGNOSTICS
 *	authfile_load() and authfile_parse() return 0, or -1 with err set
 *	("PATH:LINE: problem"; passwords never appear in it).
 */
#include <stddef.h>

#include "config.h"
#include "relay/mx.h"

struct auth_entry {
	char key[MX_KEY_MAX];
	char user[513];
	char password[513];
};

struct auth_table {
	struct auth_entry *v;
	size_t n;
};

int authfile_load(const char *path, const struct config *c, struct auth_table *t,
		  char *err, size_t errlen);
int authfile_parse(const char *text, size_t len, const struct config *c,
		   struct auth_table *t, char *err, size_t errlen);
const struct auth_entry *authfile_find(const struct auth_table *t, const char *key);
void authfile_free(struct auth_table *t);

#endif
