/*
 * log - one line per event, to stderr or (via log_journal.c) the journal.
 *
 * A line is built in a fixed buffer and written with one write(2), so that
 * concurrent writers (relay workers) never interleave within a line and
 * logging needs no allocation (log_die() on ENOMEM must still work).
 * Everything that may come from a peer is sanitised before it is written:
 * control bytes, DEL and invalid UTF-8 become \xHH, so a value holding
 * "\r\n" can never start a forged line.
 *
 * Values that contain a space or '"', or are empty, are written quoted
 * (key="a b"), with '"' inside as \x22, so lines stay splittable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "log_private.h"
#include "str.h"

#define LOG_LINE_MAX 4096

int (*log_journal_hook)(int priority, const char *message,
			const struct log_field *fields);

static const char *log_name = "tern";
static int log_journal_stream = -1;	/* -1: not yet checked */
static int log_use_syslog;
static int log_info_syslog;	/* log_syslog_enable(): success reports to syslog */

const char *log_program(void)
{
	return log_name;
}

/* JOURNAL_STREAM is "dev:ino" of the journal stream systemd gave us. */
int log_stderr_is_journal(void)
{
	const char *env;
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (log_journal_stream >= 0)
		return log_journal_stream;
	log_journal_stream = 0;
	env = getenv("JOURNAL_STREAM");
	if (env && sscanf(env, "%llu:%llu%c", &dev, &ino, &tail) == 2 &&
	    fstat(2, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		log_journal_stream = 1;
	return log_journal_stream;
}

/* A journal field name: A-Z, 0-9 and '_', not leading '_' or a digit, at most 64. */
int log_journal_key_valid(const char *k)
{
	size_t i;

	if (!k[0] || k[0] == '_' || (k[0] >= '0' && k[0] <= '9'))
		return 0;
	for (i = 0; k[i]; i++)
		if (i >= 64 || !((k[i] >= 'A' && k[i] <= 'Z') ||
				 (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	return 1;
}

/*
 * Is fd 2 useless or dangerous for logging? xinetd hands the connection to
 * the server on fds 0, 1 and 2, so a log line on stderr would go to the SMTP
 * client; a launcher may also leave fd 2 closed or on /dev/null.
 */
static int log_stderr_unusable(void)
{
	struct stat err, in;

	if (fstat(2, &err) < 0)
		return 1;
	if (S_ISCHR(err.st_mode) && major(err.st_rdev) == 1 && minor(err.st_rdev) == 3)
		return 1;	/* /dev/null */
	return S_ISSOCK(err.st_mode) && fstat(0, &in) == 0 &&
	       in.st_dev == err.st_dev && in.st_ino == err.st_ino;
}

void log_init(const char *program)
{
	const char *slash = program ? strrchr(program, '/') : NULL;
	int null;

	if (program && *program)
		log_name = slash && slash[1] ? slash + 1 : program;
	log_journal_stream = -1;
	log_use_syslog = 0;
	log_info_syslog = 0;
	if (log_stderr_unusable()) {
		/* children (the injector) must not write to the peer either */
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0 && null != 2) {
			dup2(null, 2);
			close(null);
		}
		openlog(log_name, LOG_PID, LOG_MAIL);
		log_use_syslog = 1;
	}
	log_stderr_is_journal();
}

size_t log_sanitise(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, n;

	if (!dstlen)
		return 0;
	while (i < srclen) {
		if (s[i] >= 0x20 && s[i] < 0x7f)
			n = 1;
		else if (s[i] >= 0x80)
			n = str_utf8_len(s + i, srclen - i);
		else
			n = 0;
		if (n) {
			if (o + n >= dstlen)
				break;
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		if (o + 4 >= dstlen)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[s[i] >> 4];
		dst[o++] = hex[s[i] & 15];
		i++;
	}
	dst[o] = '\0';
	return o;
}

/* Append " key=value" (key lower-cased, value sanitised and maybe quoted). */
static size_t log_append_field(char *line, size_t o, const struct log_field *f)
{
	char val[LOG_LINE_MAX];
	size_t vlen, i;
	int quote;

	vlen = log_sanitise(val, sizeof val, f->value ? f->value : "",
			    f->value ? strlen(f->value) : 0);
	quote = vlen == 0 || strpbrk(val, " \"") != NULL;
	if (o + 2 >= LOG_LINE_MAX)
		return o;
	line[o++] = ' ';
	for (i = 0; f->key[i] && o + 1 < LOG_LINE_MAX; i++) {
		char c = f->key[i];
		line[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' :
				   (c > 0x20 && c < 0x7f && c != '=' ? c : '_'));
	}
	if (o + 1 < LOG_LINE_MAX)
		line[o++] = '=';
	if (quote && o + 1 < LOG_LINE_MAX)
		line[o++] = '"';
	for (i = 0; i < vlen && o + 1 < LOG_LINE_MAX; i++) {
		if (quote && val[i] == '"') {
			if (o + 4 >= LOG_LINE_MAX)
				break;
			memcpy(line + o, "\\x22", 4);
			o += 4;
		} else {
			line[o++] = val[i];
		}
	}
	if (quote && o + 1 < LOG_LINE_MAX)
		line[o++] = '"';
	return o;
}

/* The event as text: message, then " key=value" per field. */
static size_t log_format(char *line, const char *message, const struct log_field *fields)
{
	size_t o = strlen(message);

	if (o >= LOG_LINE_MAX)
		o = LOG_LINE_MAX - 1;
	memcpy(line, message, o);
	for (; fields && fields->key; fields++)
		o = log_append_field(line, o, fields);
	line[o] = '\0';
	return o;
}

static void log_write_stderr(int priority, const char *text)
{
	char line[LOG_LINE_MAX + 64 + 16];
	int n;

	if (log_stderr_is_journal())
		n = snprintf(line, sizeof line - 1, "<%d>%.64s: %s", priority & 7, log_name, text);
	else
		n = snprintf(line, sizeof line - 1, "%.64s: %s", log_name, text);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	while (write(2, line, (size_t)n) < 0 && errno == EINTR)
		;
}

void log_syslog_enable(void)
{
	if (!log_use_syslog)
		openlog(log_name, LOG_PID, LOG_MAIL);
	log_info_syslog = 1;
}

/*
 * log_route: syslog when stderr is unusable; else the journal when it takes
 * the event; else a success report of a log_syslog_enable() program to
 * syslog; else stderr.
 */
static void log_route(int priority, const char *text, const struct log_field *fields)
{
	if (log_use_syslog) {
		syslog(priority, "%s", text);
		return;
	}
	if (log_journal_hook && log_journal_hook(priority, text, fields) == 0)
		return;
	if (log_info_syslog && (priority & 7) > LOG_WARNING)
		syslog(priority, "%s", text);
	else
		log_write_stderr(priority, text);
}

static void log_vevent(int priority, const struct log_field *fields,
		       const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX], message[LOG_LINE_MAX], text[LOG_LINE_MAX];
	int saved = errno;
	int n;

	n = vsnprintf(raw, sizeof raw, fmt, ap);
	if (n < 0)
		n = 0;
	log_sanitise(message, sizeof message, raw,
		     (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1);
	log_format(text, message, fields);
	log_route(priority, text, fields);
	errno = saved;
}

void log_event(int priority, const struct log_field *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vevent(priority, fields, fmt, ap);
	va_end(ap);
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vevent(priority, NULL, fmt, ap);
	va_end(ap);
}

void log_die(int exitcode, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vevent(LOG_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(exitcode);
}
