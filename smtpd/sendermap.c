/*
 * sendermap - the sender-login-map file, read line by line at each MAIL
 * of an authenticated client (see sendermap.h). Nothing is kept between
 * calls, so smtpd's memory does not grow with the map.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "sasl.h"
#include "sendermap.h"
#include "str.h"

enum match { MATCH_NONE, MATCH_OWNED, MATCH_NOT_OWNED };

struct lookup {
	const char *sender, *domain, *login;
	enum match address, domain_match;	/* the first entry of each kind */
};

/* "local@domain" or "@domain": no blanks, one '@' that is not last. */
static int key_valid(const char *k)
{
	const char *at = strrchr(k, '@');
	size_t i;

	if (!at || !at[1] || strchr(k, '@') != at)
		return 0;
	for (i = 0; k[i]; i++)
		if ((unsigned char)k[i] <= ' ' || k[i] == 127)
			return 0;
	return 1;
}

/* Does the list "a,b, c" hold login? -1: a login is malformed. */
static int logins_hold(char *list, const char *login)
{
	char *tok, *save = NULL;
	int found = 0;

	for (tok = strtok_r(list, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (!sasl_login_valid(tok))
			return -1;
		if (strcmp(tok, login) == 0)
			found = 1;
	}
	return found;
}

/* One line (no LF): comment and blanks stripped, checked, matched. */
static int sendermap_line(struct lookup *l, char *line, const char **why)
{
	char *key, *rest, *hash;
	int held;

	if ((hash = strchr(line, '#')))
		*hash = '\0';
	key = line + strspn(line, " \t");
	if (!*key)
		return 0;
	rest = key + strcspn(key, " \t");
	if (*rest)
		*rest++ = '\0';
	*why = "not 'ADDRESS LOGIN[,LOGIN...]' or '@DOMAIN LOGIN[,LOGIN...]'";
	if (!key_valid(key) || !*(rest + strspn(rest, " \t")))
		return -1;
	if ((held = logins_hold(rest, l->login)) < 0) {
		*why = "a login with characters other than letters, digits and ._-+@=";
		return -1;
	}
	if (key[0] != '@' && l->address == MATCH_NONE && strcasecmp(key, l->sender) == 0)
		l->address = held ? MATCH_OWNED : MATCH_NOT_OWNED;
	if (key[0] == '@' && l->domain_match == MATCH_NONE && strcasecmp(key + 1, l->domain) == 0)
		l->domain_match = held ? MATCH_OWNED : MATCH_NOT_OWNED;
	return 0;
}

static enum sendermap_result sendermap_read(int fd, struct lookup *l, const char *path,
					    char *err, size_t errlen)
{
	char mem[4096], line[SENDERMAP_LINE_MAX + 2];
	unsigned long lineno = 0;
	size_t total = 0;
	const char *why = "";
	struct inbuf in;
	enum buf_result r;
	size_t len;

	inbuf_init(&in, fd, mem, sizeof mem);
	buf_set_timeout(&in, -1);	/* a regular file */
	for (;;) {
		r = inbuf_getline(&in, line, SENDERMAP_LINE_MAX + 1, &len);
		if (r == BUF_EOF)
			return SENDERMAP_OWNED;	/* the caller looks at l */
		lineno++;
		if (r == BUF_ERROR || r == BUF_TIMEOUT) {
			str_errorf(err, errlen, "%s:%lu: read: %s", path, lineno, strerror(errno));
			return SENDERMAP_ERROR;
		}
		total += len;	/* the file may have grown since fstat() */
		if (total > SENDERMAP_FILE_MAX) {
			str_errorf(err, errlen, "%s: longer than %d octets", path, SENDERMAP_FILE_MAX);
			return SENDERMAP_ERROR;
		}
		if (len && line[len - 1] == '\n')
			len--;
		if (r == BUF_TOOLONG || len > SENDERMAP_LINE_MAX || memchr(line, '\0', len)) {
			str_errorf(err, errlen, "%s:%lu: line longer than %d octets or with a NUL",
				   path, lineno, SENDERMAP_LINE_MAX);
			return SENDERMAP_ERROR;
		}
		line[len] = '\0';
		if (sendermap_line(l, line, &why) < 0) {
			str_errorf(err, errlen, "%s:%lu: %s", path, lineno, why);
			return SENDERMAP_ERROR;
		}
	}
}

enum sendermap_result sendermap_check(const char *path, const char *sender,
				      const char *login, char *err, size_t errlen)
{
	struct lookup l = { sender, "", login, MATCH_NONE, MATCH_NONE };
	const char *at = strrchr(sender, '@');
	enum sendermap_result r;
	struct stat st;
	int fd;

	if (at)
		l.domain = at + 1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		str_errorf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return SENDERMAP_ERROR;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > SENDERMAP_FILE_MAX) {
		str_errorf(err, errlen, "%s: not a regular file of at most %d octets", path,
			   SENDERMAP_FILE_MAX);
		close(fd);
		return SENDERMAP_ERROR;
	}
	r = sendermap_read(fd, &l, path, err, errlen);
	close(fd);
	if (r == SENDERMAP_ERROR)
		return r;
	if (l.address != MATCH_NONE)
		return l.address == MATCH_OWNED ? SENDERMAP_OWNED : SENDERMAP_NOT_OWNED;
	return l.domain_match == MATCH_OWNED ? SENDERMAP_OWNED : SENDERMAP_NOT_OWNED;
}
