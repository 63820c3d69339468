/*
 * maildir - one message into one Maildir (see maildir.h). The rules are
 * qmail's maildir(5): write in tmp/ under a unique name, fsync, then move
 * to new/; never overwrite. Every name below the administrator's fixed
 * directories comes from the recipient address, so each is made by
 * maildir_component() (no "/", never "." or "..") and opened with
 * O_NOFOLLOW relative to its parent: a remote address cannot climb out of
 * the tree, nor a symbolic link planted in it lead elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "relay/maildir.h"

#define MAILDIR_PATH_MAX 4096

static int component_keeps(unsigned char c, size_t i)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '+' || (c == '.' && i > 0);
}

int maildir_component(const char *in, size_t len, char *out, size_t outmax)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (component_keeps(c, i)) {
			if (o + 1 >= outmax)
				return -1;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= outmax)
				return -1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o == 0 || o >= outmax)
		return -1;
	out[o] = '\0';
	return 0;
}

int maildir_path(const char *template, const char *recipient, char *path, size_t pathmax,
		 size_t *fixed)
{
	const char *at = strrchr(recipient, '@'), *t;
	char local[256 * 3 + 1], domain[256 * 3 + 1];
	size_t o = 0, n;

	if (!at || at == recipient || !at[1] ||
	    maildir_component(recipient, (size_t)(at - recipient), local, sizeof local) < 0 ||
	    maildir_component(at + 1, strlen(at + 1), domain, sizeof domain) < 0)
		return -1;
	*fixed = (size_t)-1;
	for (t = template; *t; t++) {
		const char *add = t;
		n = 1;
		if (t[0] == '%' && (t[1] == 'd' || t[1] == 'u')) {
			if (*fixed == (size_t)-1) {	/* back to the component's start */
				size_t f = o;
				while (f > 0 && path[f - 1] != '/')
					f--;
				*fixed = f;
			}
			add = t[1] == 'd' ? domain : local;
			n = strlen(add);
			t++;
		} else if (t[0] == '%' && t[1] == '%') {
			t++;
		}
		if (o + n >= pathmax)
			return -1;
		memcpy(path + o, add, n);
		o += n;
	}
	path[o] = '\0';
	if (*fixed == (size_t)-1)
		*fixed = o;
	return 0;
}

int maildir_name(char *out, size_t max, long long sec, long usec, long pid,
		 unsigned counter, const char *host)
{
	int n = snprintf(out, max, "%lld.M%06ldP%ldQ%u.", sec, usec, pid, counter);
	size_t o;

	if (n < 0 || (size_t)n >= max)
		return -1;
	for (o = (size_t)n; *host; host++) {
		const char *esc = *host == '/' ? "\\057" : *host == ':' ? "\\072" : NULL;
		size_t k = esc ? 4 : 1;
		if (o + k >= max)
			return -1;
		memcpy(out + o, esc ? esc : host, k);
		o += k;
	}
	out[o] = '\0';
	return 0;
}

/* Is line (without its line end) "Delivered-To: recipient"? */
static int line_delivered_to(const char *line, size_t len, const char *recipient)
{
	size_t rl = strlen(recipient), i = 13;

	if (len < 13 || strncasecmp(line, "Delivered-To:", 13) != 0)
		return 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (len > i && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	return len - i == rl && strncasecmp(line + i, recipient, rl) == 0;
}

int maildir_loops(int fd, unsigned long long len, const char *recipient)
{
	char chunk[8192], line[1024];
	unsigned long long off = 0;
	size_t ll = 0, i;
	ssize_t r;

	while (off < len) {
		size_t want = len - off < sizeof chunk ? (size_t)(len - off) : sizeof chunk;
		if ((r = pread(fd, chunk, want, (off_t)off)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < (size_t)r; i++) {
			if (chunk[i] != '\n') {
				if (ll < sizeof line)
					line[ll++] = chunk[i];
				continue;
			}
			if (ll && line[ll - 1] == '\r')
				ll--;
			if (ll == 0)
				return 0;	/* the end of the header section */
			if (line_delivered_to(line, ll, recipient))
				return 1;
			ll = 0;
		}
		off += (unsigned long long)r;
	}
	return 0;
}

static void __attribute__((format(printf, 4, 5)))
verdict(struct deliver_rcpt_result *res, int code, const char *enh, const char *fmt, ...)
{
	va_list ap;

	res->code = code;
	snprintf(res->enhanced, sizeof res->enhanced, "%s", enh);
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof res->text, fmt, ap);
	va_end(ap);
}

/* The verdict for a failed call on path. */
static void failure(struct deliver_rcpt_result *res, const char *call, const char *path)
{
	int e = errno;
	char what[600];

	snprintf(what, sizeof what, "%s %s", call, path);
	if (e == EDQUOT)	/* RFC 3463: X.2.2 mailbox full, X.3.1 system full */
		verdict(res, 452, "4.2.2", "Maildir over quota (%s: %s)", what, strerror(e));
	else if (e == ENOSPC)
		verdict(res, 452, "4.3.1", "no space for the Maildir (%s: %s)", what, strerror(e));
	else
		verdict(res, 451, "4.3.0", "Maildir: %s: %s", what, strerror(e));
}

/* mkdir name in dir if missing (noting it in *made), then open it, no symlinks. */
static int dir_enter(int dir, const char *name, int *made)
{
	if (mkdirat(dir, name, 0700) == 0)
		*made = 1;
	else if (errno != EEXIST)
		return -1;
	return openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int dir_enter_close(int dir, const char *name, int *made)
{
	int fd = dir_enter(dir, name, made);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Open the Maildir of path (fixed: the part that must exist), creating the rest. */
static int maildir_open(char *path, size_t fixed, struct deliver_rcpt_result *res)
{
	char *comp, *save = NULL, keep = path[fixed];
	int dir, next, made = 0;

	path[fixed] = '\0';
	dir = open(fixed ? path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		failure(res, "open", fixed ? path : "/");
	path[fixed] = keep;
	if (dir < 0)
		return -1;
	for (comp = strtok_r(path + fixed, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		made = 0;
		next = dir_enter(dir, comp, &made);
		if (next < 0 || (made && fsync(dir) < 0)) {
			failure(res, "create", comp);
			if (next >= 0)
				close(next);
			close(dir);
			return -1;
		}
		close(dir);
		dir = next;
	}
	return dir;
}

/* Copy the message, CRLF to LF, after the two header lines. */
static int message_copy(const struct maildir_message *m, int out, const char *recipient)
{
	char in[8192], buf[8192 + 600];
	unsigned long long off = 0;
	int n = snprintf(buf, sizeof buf, "Return-Path: <%s>\nDelivered-To: %s\n", m->sender,
			 recipient);
	size_t o = (size_t)n, i;
	int cr = 0;
	ssize_t r;

	while (1) {
		if (o && fd_write_all(out, buf, o) < 0)
			return -1;
		o = 0;
		if (off >= m->len)
			break;
		r = pread(m->fd, in, m->len - off < sizeof in ? (size_t)(m->len - off) : sizeof in,
			  (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;	/* the queue file is shorter than it says */
			return -1;
		}
		for (i = 0; i < (size_t)r; i++) {
			if (cr && in[i] != '\n')
				buf[o++] = '\r';	/* a CR alone stays */
			cr = in[i] == '\r';
			if (!cr)
				buf[o++] = in[i];
		}
		off += (unsigned long long)r;
	}
	if (cr && fd_write_all(out, "\r", 1) < 0)
		return -1;
	return 0;
}

/* Write tmp/name, then move it to new/name. */
static int maildir_store(int md, const struct maildir_message *m, const char *recipient,
			 struct deliver_rcpt_result *res)
{
	static unsigned counter;
	char name[512], host[256] = "localhost";
	int tmp = -1, nw = -1, fd = -1, made = 0, tries;
	struct timeval tv;

	gethostname(host, sizeof host - 1);
	if ((tmp = dir_enter(md, "tmp", &made)) < 0 || (nw = dir_enter(md, "new", &made)) < 0 ||
	    dir_enter_close(md, "cur", &made) < 0 || (made && fsync(md) < 0)) {
		failure(res, "create", "tmp, new or cur");
		goto fail;
	}
	for (tries = 0; fd < 0 && tries < 10; tries++) {
		gettimeofday(&tv, NULL);
		if (maildir_name(name, sizeof name, (long long)tv.tv_sec, (long)tv.tv_usec,
				 (long)getpid(), counter++, host) < 0)
			strcpy(name, "name-too-long");
		fd = openat(tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		failure(res, "create tmp/", name);
		goto fail;
	}
	if (message_copy(m, fd, recipient) < 0 || fsync(fd) < 0) {
		failure(res, "write tmp/", name);
		goto fail_unlink;
	}
	if (close(fd) < 0) {	/* NFS reports quota here */
		fd = -1;
		failure(res, "close tmp/", name);
		goto fail_unlink;
	}
	fd = -1;
	if (renameat2(tmp, name, nw, name, RENAME_NOREPLACE) < 0) {
		failure(res, "rename to new/", name);
		goto fail_unlink;
	}
	if (fsync(nw) < 0) {
		failure(res, "fsync", "new/");
		goto fail;
	}
	verdict(res, 250, "2.0.0", "delivered to Maildir as %s", name);
	close(tmp);
	close(nw);
	return 0;
fail_unlink:
	unlinkat(tmp, name, 0);
fail:
	if (fd >= 0)
		close(fd);
	if (tmp >= 0)
		close(tmp);
	if (nw >= 0)
		close(nw);
	return -1;
}

void maildir_deliver(const struct maildir_message *m, const char *template,
		     const char *recipient, struct deliver_rcpt_result *res)
{
	char path[MAILDIR_PATH_MAX];
	size_t fixed;
	int md, loop;

	memset(res, 0, sizeof *res);
	if (maildir_path(template, recipient, path, sizeof path, &fixed) < 0) {
		verdict(res, 550, "5.1.3", "no Maildir for the address %s", recipient);
		return;
	}
	loop = maildir_loops(m->fd, m->len, recipient);
	if (loop != 0) {
		if (loop > 0)	/* RFC 3463 X.4.6: routing loop detected */
			verdict(res, 554, "5.4.6", "mail loop: Delivered-To: %s is already in the "
				"header", recipient);
		else
			failure(res, "read", "the queued message");
		return;
	}
	if ((md = maildir_open(path, fixed, res)) < 0)
		return;
	maildir_store(md, m, recipient, res);
	close(md);
}
