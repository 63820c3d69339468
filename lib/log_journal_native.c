/*
 * log_journal_native - the journal backend of log.h for programs that cannot
 * link libsystemd: log_journal_native_enable().
 *
 * smtpd and inject are static musl binaries (GNUmakefile: one exec per
 * connection and per message, where glibc's start-up costs most), and
 * Debian ships no static libsystemd; the setuid injector should not carry
 * it anyway. So they speak journald's native protocol themselves
 * (systemd.io/JOURNAL_NATIVE_PROTOCOL): one datagram per event to
 * /run/systemd/journal/socket, made of "KEY=value\n" lines. That simple
 * form is valid only for values without a newline; every value here is
 * sanitised first (log_sanitise(): no byte below 0x20), so it always holds.
 * The fields are those of log_journal.c: MESSAGE, PRIORITY,
 * SYSLOG_IDENTIFIER and each event field whose key is a valid journal field
 * name. A send that fails (no journald, a datagram too big) falls back to
 * the stderr line, which under JOURNAL_STREAM still reaches the journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "log_private.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_DATAGRAM_MAX 16384
#define JOURNAL_VALUE_MAX 1024

static int journal_fd = -1;

/* journal_append: "KEY=value\n" at *o in buf; 0, or -1 when it does not fit. */
static int journal_append(char *buf, size_t *o, const char *key, const char *value)
{
	char val[JOURNAL_VALUE_MAX];
	size_t klen = strlen(key), vlen;

	vlen = log_sanitise(val, sizeof val, value, strlen(value));
	if (*o + klen + vlen + 2 > JOURNAL_DATAGRAM_MAX)
		return -1;
	memcpy(buf + *o, key, klen);
	buf[*o + klen] = '=';
	memcpy(buf + *o + klen + 1, val, vlen);
	buf[*o + klen + 1 + vlen] = '\n';
	*o += klen + vlen + 2;
	return 0;
}

/* journal_datagram: the event in the native protocol's simple form; its length. */
static size_t journal_datagram(char *buf, int priority, const char *text,
			       const struct log_field *fields)
{
	char prio[2] = { (char)('0' + (priority & 7)), 0 };
	size_t o = 0;

	if (journal_append(buf, &o, "MESSAGE", text) < 0 ||
	    journal_append(buf, &o, "PRIORITY", prio) < 0 ||
	    journal_append(buf, &o, "SYSLOG_IDENTIFIER", log_program()) < 0)
		return 0;
	for (; fields && fields->key; fields++)
		if (log_journal_key_valid(fields->key) &&
		    journal_append(buf, &o, fields->key, fields->value ? fields->value : "") < 0)
			break;	/* the rest is in MESSAGE anyway */
	return o;
}

static int journal_native_send(int priority, const char *text, const struct log_field *fields)
{
	static char buf[JOURNAL_DATAGRAM_MAX];
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
	size_t n = journal_datagram(buf, priority, text, fields);
	ssize_t r;

	if (n == 0)
		return -1;
	do
		r = sendto(journal_fd, buf, n, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof sa);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)n ? 0 : -1;
}

void log_journal_native_enable(void)
{
	if (!log_stderr_is_journal() || journal_fd >= 0)
		return;
	journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (journal_fd >= 0)
		log_journal_hook = journal_native_send;
}
