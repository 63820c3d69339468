/* authfile - smarthost credentials; see authfile.h. Runs as root at start. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "str.h"
#include "relay/authfile.h"

#define AUTHFILE_MAX (1u << 20)

static int auth_line(const char *p, size_t len, const struct config *c, struct auth_table *t,
		     char *err, size_t errlen)
{
	char hop[320], why[512];
	struct nexthop h;
	struct auth_entry *e, *grown;
	size_t i = 0, k;

	for (k = 0; i < len && p[i] != ' ' && p[i] != '\t'; i++)
		if (k + 1 < sizeof hop)
			hop[k++] = p[i];
	hop[k] = '\0';
	if (k + 1 >= sizeof hop || nexthop_parse(hop, &h, why, sizeof why) < 0)
		return str_errorf(err, errlen, "bad next hop: %s", k + 1 >= sizeof hop ? "too long" : why);
	if (h.kind != NEXTHOP_SMTP && h.kind != NEXTHOP_SMTP_MX)
		return str_errorf(err, errlen, "'%s': AUTH is for SMTP next hops", hop);
	if (!(grown = reallocarray(t->v, t->n + 1, sizeof *t->v)))
		return str_errorf(err, errlen, "out of memory");
	t->v = grown;
	e = &t->v[t->n];
	memset(e, 0, sizeof *e);
	mx_key_of_hop(c, &h, e->key, sizeof e->key);
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (k = 0; i < len && p[i] != ' ' && p[i] != '\t' && k + 1 < sizeof e->user; i++)
		e->user[k++] = p[i];
	if (!k || (i < len && p[i] != ' ' && p[i] != '\t'))
		return str_errorf(err, errlen, "want 'NEXTHOP USER PASSWORD' (user empty or too long)");
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == len || len - i >= sizeof e->password)
		return str_errorf(err, errlen, "password missing or longer than 512 bytes");
	memcpy(e->password, p + i, len - i);
	if (authfile_find(t, e->key))
		return str_errorf(err, errlen, "second entry for %s", e->key);
	t->n++;
	return 0;
}

int authfile_parse(const char *text, size_t len, const struct config *c,
		   struct auth_table *t, char *err, size_t errlen)
{
	size_t at = 0, lineno = 0;
	char why[600];

	t->v = NULL;
	t->n = 0;
	while (at < len) {
		const char *p = text + at, *nl = memchr(p, '\n', len - at);
		size_t n = nl ? (size_t)(nl - p) : len - at, i;

		at += n + (nl != NULL);
		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		for (i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
				break;
		if (i < n) {
			authfile_free(t);
			return str_errorf(err, errlen, "line %zu: control byte", lineno);
		}
		for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		if (i == n || p[i] == '#')
			continue;
		if (auth_line(p + i, n - i, c, t, why, sizeof why) < 0) {
			authfile_free(t);
			return str_errorf(err, errlen, "line %zu: %s", lineno, why);
		}
	}
	return 0;
}

int authfile_load(const char *path, const struct config *c, struct auth_table *t,
		  char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL, why[700];
	size_t len = 0;
	ssize_t r;
	int fd, rc = -1;

	t->v = NULL;
	t->n = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return str_errorf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > AUTHFILE_MAX) {
		str_errorf(err, errlen, "%s: not a regular file of at most 1 MB", path);
		goto out;
	}
	if (st.st_mode & 077) {
		str_errorf(err, errlen, "%s: readable or writable by group or others (chmod 600)", path);
		goto out;
	}
	if (!(text = malloc((size_t)st.st_size + 1)))
		goto out;
	while (len < (size_t)st.st_size && (r = read(fd, text + len, (size_t)st.st_size - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			str_errorf(err, errlen, "%s: read: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)r;
	}
	if (authfile_parse(text, len, c, t, why, sizeof why) < 0)
		str_errorf(err, errlen, "%s:%s", path, why + 5);	/* "line N: x" -> "PATH:N: x" */
	else
		rc = 0;
out:
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	close(fd);
	return rc;
}

const struct auth_entry *authfile_find(const struct auth_table *t, const char *key)
{
	size_t i;

	for (i = 0; t && i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	return NULL;
}

void authfile_free(struct auth_table *t)
{
	if (t->v) {
		explicit_bzero(t->v, t->n * sizeof *t->v);
		free(t->v);
	}
	t->v = NULL;
	t->n = 0;
}
