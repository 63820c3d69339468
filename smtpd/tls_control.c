/*
 * tls_control - the control-socket lines of smtpd and tlsd (see
 * tls_control.h). One straight parser: a line is one word, or one word, a
 * space and its argument; anything else is TLS_CONTROL_BAD.
 */
#include <stdio.h>
#include <string.h>

#include "tls_control.h"

static const char *const words[] = {
	[TLS_CONTROL_READY] = "ready", [TLS_CONTROL_ERROR] = "error",
	[TLS_CONTROL_START] = "start", [TLS_CONTROL_OK] = "ok", [TLS_CONTROL_FAIL] = "fail",
};

static int kind_has_text(enum tls_control_kind k)
{
	return k == TLS_CONTROL_ERROR || k == TLS_CONTROL_OK || k == TLS_CONTROL_FAIL;
}

/* "PROTOCOL CIPHER BITS": exactly three words split by single spaces */
static int parse_ok(char *arg, struct smtpd_tls *t)
{
	char *cipher = strchr(arg, ' '), *bits;

	if (!cipher)
		return -1;
	*cipher++ = '\0';
	if (!(bits = strchr(cipher, ' ')))
		return -1;
	*bits++ = '\0';
	return tls_state_set(t, arg, cipher, bits);
}

enum tls_control_kind tls_control_parse(const char *line, size_t len, struct tls_control_msg *m)
{
	char buf[TLS_CONTROL_LINE_MAX + 1], *arg;
	size_t i;

	memset(m, 0, sizeof *m);
	m->kind = TLS_CONTROL_BAD;
	if (len && line[len - 1] == '\n')
		len--;
	if (len > TLS_CONTROL_LINE_MAX || memchr(line, '\0', len) || memchr(line, '\r', len) ||
	    memchr(line, '\n', len))
		return m->kind;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if ((arg = strchr(buf, ' ')))
		*arg++ = '\0';
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(buf, words[i]) == 0)
			break;
	if (i == sizeof words / sizeof words[0] || !arg != !kind_has_text((enum tls_control_kind)i) ||
	    (arg && !*arg))
		return m->kind;
	if (i == TLS_CONTROL_OK && parse_ok(arg, &m->tls) < 0)
		return m->kind;
	if (arg && i != TLS_CONTROL_OK)
		strcpy(m->text, arg);
	return m->kind = (enum tls_control_kind)i;
}

int tls_control_format(char *out, size_t outlen, enum tls_control_kind kind, const char *text)
{
	int n;

	if (kind >= TLS_CONTROL_BAD || (kind_has_text(kind) && (!text || strchr(text, '\n'))))
		return -1;
	if (kind_has_text(kind))
		n = snprintf(out, outlen, "%s %s\n", words[kind], text);
	else
		n = snprintf(out, outlen, "%s\n", words[kind]);
	if (n < 0 || (size_t)n >= outlen || (size_t)n > TLS_CONTROL_LINE_MAX + 1)
		return -1;
	return n;
}
