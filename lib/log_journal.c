/*
 * log_journal - the journal backend of log.h: log_journal_enable().
 *
 * The only file of lib/ that references libsystemd (see lib/build.mk):
 * a program links it, and libsystemd, only by calling log_journal_enable().
 * Under JOURNAL_STREAM each event becomes one sd_journal_sendv() entry with
 * MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and every field as its own journal
 * field. Field values are sanitised like the stderr line; a key that is not
 * a valid journal field name (A-Z, 0-9, '_', not leading '_', at most 64)
 * is left out of the structured fields (it is still in MESSAGE).
 */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "log_private.h"

#define JOURNAL_FIELDS_MAX 32
#define JOURNAL_VALUE_MAX 1024

static int journal_send(int priority, const char *text, const struct log_field *fields)
{
	char bufs[JOURNAL_FIELDS_MAX][JOURNAL_VALUE_MAX + 80];
	char msg[4200], prio[32], ident[128];
	struct iovec iov[JOURNAL_FIELDS_MAX + 3];
	size_t n = 0, nf = 0;
	int len;

	snprintf(msg, sizeof msg, "MESSAGE=%s", text);
	snprintf(prio, sizeof prio, "PRIORITY=%d", priority & 7);
	snprintf(ident, sizeof ident, "SYSLOG_IDENTIFIER=%s", log_program());
	iov[n++] = (struct iovec){ msg, strlen(msg) };
	iov[n++] = (struct iovec){ prio, strlen(prio) };
	iov[n++] = (struct iovec){ ident, strlen(ident) };
	for (; fields && fields->key && nf < JOURNAL_FIELDS_MAX; fields++) {
		char *b = bufs[nf];
		const char *v = fields->value ? fields->value : "";

		if (!log_journal_key_valid(fields->key))
			continue;
		len = snprintf(b, 80, "%s=", fields->key);
		if (len < 0 || len >= 80)
			continue;
		len += (int)log_sanitise(b + len, JOURNAL_VALUE_MAX, v, strlen(v));
		iov[n++] = (struct iovec){ b, (size_t)len };
		nf++;
	}
	return sd_journal_sendv(iov, (int)n) < 0 ? -1 : 0;
}

void log_journal_enable(void)
{
	if (log_stderr_is_journal())
		log_journal_hook = journal_send;
}
