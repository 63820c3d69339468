#ifndef TERN_MAP_H
#define TERN_MAP_H
/*
 * NAME
 *	map - address maps: a text source, its cdb database, lookups
 * SYNOPSIS
 *	int map_open(struct map *m, const char *source);
 *	int map_lookup(struct map *m, const char *key, struct str *value);
 *	void map_close(struct map *m);
 *	int map_key(const char *text, size_t len, char *key, size_t keymax);
 *	int map_line_parse(const char *line, size_t len, struct str *key,
 *	                   struct str *value, char *err, size_t errlen);
 * DESCRIPTION
 *	A map's source is a text file (tern.conf(5) names it, recipients and
 *	aliases); newmap(8) compiles SOURCE into SOURCE.cdb, which is what the
 *	programs read. Each line of the source is
 *
 *	  KEY [TARGET[,] [TARGET]...]     # comment
 *
 *	KEY is an address (local@domain) or @domain (every address of the
 *	domain); each TARGET is an address. Keys are stored lower-case (ASCII),
 *	so lookups ignore case; a key may appear once. The value stored with
 *	a key is its targets, each followed by a NUL (empty without targets).
 *
 *	map_open() opens source.cdb. map_lookup() looks key up, key already
 *	made by map_key(), and sets value to the stored targets.
 *	map_key() writes text[0..len) lower-cased (ASCII letters only; UTF-8
 *	bytes are kept) into key.
 *	map_line_parse() reads one source line (without its line end): on 1,
 *	key and value hold what newmap stores; 0 for a blank or comment line.
 * DIAGNOSTICS
 *	map_open() 0 or -1 (errno). map_lookup() 1 found, 0 not found, -1 (a
 *	read error or a corrupt database). map_key() 0, or -1 when keymax is too
 *	small. map_line_parse() -1 with err set ("'x@': not an address").
 */
#include <stddef.h>

#include "cdb.h"
#include "str.h"

#define MAP_VALUE_MAX 65536	/* bytes of targets under one key */

struct map {
	struct cdb db;
};

int map_open(struct map *m, const char *source);
int map_lookup(struct map *m, const char *key, struct str *value);
void map_close(struct map *m);
int map_key(const char *text, size_t len, char *key, size_t keymax);
int map_line_parse(const char *line, size_t len, struct str *key, struct str *value,
		   char *err, size_t errlen);

#endif
