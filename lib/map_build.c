/*
 * map_build - source to database (see map_build.h): parse every line,
 * refuse a repeated key (sorted check at the end: the cdb format itself
 * would keep both and give the first), write, fsync, rename, fsync the
 * directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cdb.h"
#include "map.h"
#include "map_build.h"

#define MAP_LINE_MAX 65536

struct seen {
	struct str keys;	/* every key, NUL-terminated, in order */
	size_t *off;		/* start of each key in keys */
	unsigned long *line;	/* its line number */
	size_t n, cap;
};

static int seen_add(struct seen *s, const struct str *key, unsigned long line)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		size_t *o = realloc(s->off, cap * sizeof *o);
		unsigned long *l;
		if (!o)
			return -1;
		s->off = o;
		if (!(l = realloc(s->line, cap * sizeof *l)))
			return -1;
		s->line = l;
		s->cap = cap;
	}
	s->off[s->n] = s->keys.len;
	s->line[s->n] = line;
	if (str_append(&s->keys, key->s, key->len) < 0 || str_appendc(&s->keys, '\0') < 0)
		return -1;
	s->n++;
	return 0;
}

static const struct seen *seen_sorting;	/* qsort() has no context argument */

static int seen_cmp(const void *a, const void *b)
{
	const struct seen *s = seen_sorting;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(s->keys.s + s->off[i], s->keys.s + s->off[j]);

	return c ? c : (i > j) - (i < j);
}

/* Refuse a key given twice, naming the line of its second appearance. */
static int seen_duplicate(const struct seen *s, const char *source, char *err, size_t errlen)
{
	size_t *idx = malloc((s->n + 1) * sizeof *idx), i;
	int r = 0;

	if (!idx)
		return str_errorf(err, errlen, "%s: out of memory", source);
	for (i = 0; i < s->n; i++)
		idx[i] = i;
	seen_sorting = s;
	qsort(idx, s->n, sizeof *idx, seen_cmp);
	for (i = 1; i < s->n && !r; i++)
		if (strcmp(s->keys.s + s->off[idx[i - 1]], s->keys.s + s->off[idx[i]]) == 0)
			r = str_errorf(err, errlen, "%s:%lu: key '%s' given twice (first on line %lu)",
				       source, s->line[idx[i]], s->keys.s + s->off[idx[i]],
				       s->line[idx[i - 1]]);
	free(idx);
	return r;
}

static int build_records(int in, struct cdb_make *m, struct seen *s, const char *source,
			 char *err, size_t errlen)
{
	static char mem[65536], line[MAP_LINE_MAX + 2];
	struct str key = STR_INIT(0), value = STR_INIT(0);
	char why[600];
	struct inbuf b;
	unsigned long lineno = 0;
	enum buf_result r;
	size_t len;
	int rc = -1;

	inbuf_init(&b, in, mem, sizeof mem);
	buf_set_timeout(&b, -1);	/* a file: no peer to wait for */
	while ((r = inbuf_getline(&b, line, MAP_LINE_MAX + 1, &len)) != BUF_EOF) {
		lineno++;
		if (r == BUF_ERROR || r == BUF_TIMEOUT) {
			str_errorf(err, errlen, "%s:%lu: read: %s", source, lineno, strerror(errno));
			goto done;
		}
		if (len && line[len - 1] == '\n')
			len--;
		if (len && line[len - 1] == '\r')
			len--;
		if (r == BUF_TOOLONG || len > MAP_LINE_MAX) {
			str_errorf(err, errlen, "%s:%lu: line longer than %d bytes", source, lineno,
				   MAP_LINE_MAX);
			goto done;
		}
		switch (map_line_parse(line, len, &key, &value, why, sizeof why)) {
		case -1:
			str_errorf(err, errlen, "%s:%lu: %s", source, lineno, why);
			goto done;
		case 0:
			continue;
		}
		if (seen_add(s, &key, lineno) < 0 ||
		    cdb_make_add(m, key.s, key.len, value.s ? value.s : "", value.len) < 0) {
			str_errorf(err, errlen, "%s: %s", source, strerror(errno));
			goto done;
		}
	}
	rc = 0;
done:
	str_free(&key);
	str_free(&value);
	return rc;
}

/* fsync the directory that holds path (the rename must survive a crash). */
static int sync_dir(const char *path)
{
	char copy[4200];
	int fd, r;

	snprintf(copy, sizeof copy, "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static int build_write(int in, int out, const char *source, size_t *nkeys,
		       char *err, size_t errlen)
{
	struct cdb_make m;
	struct seen s = { STR_INIT(0), NULL, NULL, 0, 0 };
	int r = -1;

	if (cdb_make_start(&m, out) < 0) {
		str_errorf(err, errlen, "%s: write: %s", source, strerror(errno));
		goto done;
	}
	if (build_records(in, &m, &s, source, err, errlen) < 0 ||
	    seen_duplicate(&s, source, err, errlen) < 0)
		goto done;
	if (cdb_make_finish(&m) < 0 || fsync(out) < 0) {
		str_errorf(err, errlen, "%s.cdb: write: %s", source, strerror(errno));
		goto done;
	}
	*nkeys = s.n;
	r = 0;
done:
	cdb_make_free(&m);
	str_free(&s.keys);
	free(s.off);
	free(s.line);
	return r;
}

int map_build(const char *source, size_t *nkeys, char *err, size_t errlen)
{
	char tmp[4200], dest[4200];
	int in, out, r;

	*nkeys = 0;
	if (snprintf(dest, sizeof dest, "%s.cdb", source) >= (int)sizeof dest ||
	    snprintf(tmp, sizeof tmp, "%s.cdb.tmp.%ld", source, (long)getpid()) >= (int)sizeof tmp)
		return str_errorf(err, errlen, "%s: name too long", source);
	in = open(source, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return str_errorf(err, errlen, "%s: open: %s", source, strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0) {
		str_errorf(err, errlen, "%s: create: %s", tmp, strerror(errno));
		close(in);
		return -1;
	}
	(void)fchmod(out, 0644);	/* whatever the umask: smtpd reads it as another user */
	r = build_write(in, out, source, nkeys, err, errlen);
	close(in);
	if (close(out) < 0 && r == 0)
		r = str_errorf(err, errlen, "%s: close: %s", tmp, strerror(errno));
	if (r == 0 && rename(tmp, dest) < 0)
		r = str_errorf(err, errlen, "rename %s to %s: %s", tmp, dest, strerror(errno));
	if (r < 0) {
		unlink(tmp);
		return -1;
	}
	if (sync_dir(dest) < 0)
		return str_errorf(err, errlen, "fsync the directory of %s: %s", dest, strerror(errno));
	return 0;
}
