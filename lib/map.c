/*
 * map - address maps (see map.h): the source syntax newmap(8) compiles and
 * the lookups smtpd makes at RCPT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "map.h"

int map_open(struct map *m, const char *source)
{
	char path[4200];

	m->db.fd = -1;
	if (snprintf(path, sizeof path, "%s.cdb", source) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return cdb_open(&m->db, AT_FDCWD, path);
}

void map_close(struct map *m)
{
	cdb_close(&m->db);
}

int map_key(const char *text, size_t len, char *key, size_t keymax)
{
	size_t i;

	if (len >= keymax)
		return -1;
	for (i = 0; i < len; i++) {
		char c = text[i];
		key[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	key[len] = '\0';
	return 0;
}

int map_lookup(struct map *m, const char *key, struct str *value)
{
	uint32_t pos, len;
	int r;

	str_truncate(value, 0);
	r = cdb_find(&m->db, key, strlen(key), &pos, &len);
	if (r <= 0)
		return r;
	if (len > MAP_VALUE_MAX || str_append(value, "", 0) < 0) {
		errno = EPROTO;
		return -1;
	}
	while (value->len < len) {	/* read in pieces: value grows as str does */
		char chunk[1024];
		size_t n = len - value->len < sizeof chunk ? len - value->len : sizeof chunk;
		if (cdb_read(&m->db, chunk, n, pos + (uint32_t)value->len) < 0 ||
		    str_append(value, chunk, n) < 0)
			return -1;
	}
	if (len && value->s[len - 1] != '\0') {	/* newmap ends every target with NUL */
		errno = EPROTO;
		return -1;
	}
	return 1;
}

/* One word of a source line: a key (@domain allowed) or a target. */
static int word_check(const char *w, size_t n, int is_key, char *err, size_t errlen)
{
	struct addr a;

	if (is_key && n > 1 && w[0] == '@') {
		if (addr_domain_valid(w + 1, n - 1) || addr_literal_valid(w + 1, n - 1))
			return 0;
		return str_errorf(err, errlen, "'%.*s': not @domain", (int)n, w);
	}
	if (addr_parse_mailbox(w, n, ADDR_UTF8, &a) != ADDR_OK)
		return str_errorf(err, errlen, "'%.*s': not an address", (int)n, w);
	return 0;
}

int map_line_parse(const char *line, size_t len, struct str *key, struct str *value,
		   char *err, size_t errlen)
{
	const char *hash = memchr(line, '#', len);
	char k[ADDR_PATH_MAX + 2];
	size_t i = 0, start, n;

	str_truncate(key, 0);
	str_truncate(value, 0);
	if (hash)
		len = (size_t)(hash - line);
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return str_errorf(err, errlen, "control byte 0x%02x", (unsigned char)line[i]);
	for (i = 0; i < len; ) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || (key->len && line[i] == ',')))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != ',')
			i++;
		n = i - start;
		if (word_check(line + start, n, !key->len, err, errlen) < 0)
			return -1;
		if (!key->len) {
			if (map_key(line + start, n, k, sizeof k) < 0 || str_append(key, k, n) < 0)
				return str_errorf(err, errlen, "key too long");
		} else if (str_append(value, line + start, n) < 0 || str_appendc(value, '\0') < 0 ||
			   value->len > MAP_VALUE_MAX) {
			return str_errorf(err, errlen, "more than %d bytes of targets", MAP_VALUE_MAX);
		}
	}
	return key->len ? 1 : 0;
}
