#ifndef TERN_MAP_BUILD_H
#define TERN_MAP_BUILD_H
/*
 * NAME
 *	map_build - compile a map's text source into its cdb database, atomically
 * SYNOPSIS
 *	int map_build(const char *source, size_t *nkeys, char *err, size_t errlen);
 * DESCRIPTION
 *	map_build() reads source (syntax in map.h and newmap(8)), writes
 *	source.cdb.tmp.PID (mode 0644: the programs that read it run as other
 *	users), fsyncs it, renames it over source.cdb and fsyncs the directory,
 *	so a reader sees the old database or the new one, never a part, and a
 *	crash leaves one of the two. On any error the temporary file is
 *	removed and source.cdb is left as it was. *nkeys receives the number
 *	of keys written.
 * DIAGNOSTICS
 *	0, or -1 with err set: "FILE:LINE: problem" for the source (a bad
 *	address, a key given twice), else the call that failed and on what.
 */
#include <stddef.h>

int map_build(const char *source, size_t *nkeys, char *err, size_t errlen);

#endif
