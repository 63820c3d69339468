/*
 * reply - one SMTP reply line at a time (see reply.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reply.h"

int reply_send(struct outbuf *o, const char *text)
{
	char line[REPLY_MAX + 2];
	size_t n = strlen(text), i;

	if (n > REPLY_MAX)
		n = REPLY_MAX;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)text[i];
		line[i] = (ch < 32 || ch == 127) ? '?' : (char)ch;
	}
	line[n++] = '\r';
	line[n++] = '\n';
	return outbuf_put(o, line, n);
}

int reply_sendf(struct outbuf *o, const char *fmt, ...)
{
	char text[REPLY_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return reply_send(o, text);
}
