/*
 * passwd - the password file and crypt(3) (see passwd.h). Runs setgid
 * tern-auth, the only group that may read the file.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "passwd.h"
#include "str.h"

/* A valid yescrypt setting whose check costs what a real one does. */
#define DUMMY_HASH "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$/qfeNIe6ujhoN5ixXBHhzenvkbpw98y3bA0VzfVDZq6"

/* One line without its LF: 1 when it is user's (hash copied), 0 if not. */
static int passwd_line(char *line, const char *user, char *hash, size_t hashlen,
		       const char **why)
{
	char *colon, *end;

	if (!line[0] || line[0] == '#')
		return 0;
	if (!(colon = strchr(line, ':'))) {
		*why = "no ':' (want user:HASH)";
		return -1;
	}
	*colon = '\0';
	if (strcmp(line, user) != 0)
		return 0;
	if ((end = strchr(colon + 1, ':')))
		*end = '\0';
	if (strlen(colon + 1) >= hashlen) {
		*why = "hash too long";
		return -1;
	}
	strcpy(hash, colon + 1);
	return 1;
}

static int passwd_read(int fd, const char *path, const char *user, char *hash,
		       size_t hashlen, char *err, size_t errlen)
{
	char mem[8192], line[PASSWD_LINE_MAX + 2];
	unsigned long lineno = 0;
	const char *why = "";
	size_t len, total = 0;
	struct inbuf in;
	enum buf_result r;
	int found;

	inbuf_init(&in, fd, mem, sizeof mem);
	buf_set_timeout(&in, -1);	/* a regular file */
	for (;;) {
		r = inbuf_getline(&in, line, PASSWD_LINE_MAX + 1, &len);
		if (r == BUF_EOF)
			return 0;
		lineno++;
		if (r == BUF_ERROR || r == BUF_TIMEOUT)
			return str_errorf(err, errlen, "%s:%lu: read: %s", path, lineno,
					  strerror(errno));
		total += len;
		if (total > PASSWD_FILE_MAX)
			return str_errorf(err, errlen, "%s: longer than %d octets", path,
					  PASSWD_FILE_MAX);
		if (len && line[len - 1] == '\n')
			len--;
		if (r == BUF_TOOLONG || len > PASSWD_LINE_MAX || memchr(line, '\0', len))
			return str_errorf(err, errlen, "%s:%lu: line too long or with a NUL",
					  path, lineno);
		line[len] = '\0';
		found = passwd_line(line, user, hash, hashlen, &why);
		explicit_bzero(line, sizeof line);
		if (found < 0)
			return str_errorf(err, errlen, "%s:%lu: %s", path, lineno, why);
		if (found)
			return 1;
	}
}

int passwd_lookup(const char *path, const char *user, char *hash, size_t hashlen,
		  char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return str_errorf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PASSWD_FILE_MAX) {
		close(fd);
		return str_errorf(err, errlen, "%s: not a regular file of at most %d octets",
				  path, PASSWD_FILE_MAX);
	}
	r = passwd_read(fd, path, user, hash, hashlen, err, errlen);
	close(fd);
	return r;
}

/* Equal length and bytes, in time that depends only on the lengths. */
static int same_string(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int passwd_verify(const char *password, const char *hash)
{
	static struct crypt_data data;	/* ~32 kB: not on the stack */
	const char *setting = hash ? hash : DUMMY_HASH;
	const char *out;
	int ok;

	memset(&data, 0, sizeof data);
	out = crypt_rn(password, setting, &data, sizeof data);
	/* libxcrypt fails with NULL or a string starting with '*' */
	ok = hash && hash[0] && out && out[0] != '*' && same_string(out, hash);
	explicit_bzero(&data, sizeof data);
	return ok;
}
