/*
 * command - verbs and MAIL parameters (see command.h). Pure functions on a
 * line already bounded to 512 octets; every reject branch is a result code.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "command.h"

static const struct {
	const char *name;
	enum command_verb verb;
} verbs[] = {
	{ "HELO", CMD_HELO }, { "EHLO", CMD_EHLO }, { "MAIL", CMD_MAIL },
	{ "RCPT", CMD_RCPT }, { "DATA", CMD_DATA }, { "RSET", CMD_RSET },
	{ "NOOP", CMD_NOOP }, { "QUIT", CMD_QUIT }, { "VRFY", CMD_VRFY },
	{ "EXPN", CMD_EXPN }, { "HELP", CMD_HELP },
	{ "BDAT", CMD_NOT_IMPLEMENTED }, { "STARTTLS", CMD_STARTTLS },
	{ "AUTH", CMD_AUTH }, { "ETRN", CMD_NOT_IMPLEMENTED },
	{ "TURN", CMD_NOT_IMPLEMENTED }, { "ATRN", CMD_NOT_IMPLEMENTED },
	{ "SEND", CMD_NOT_IMPLEMENTED }, { "SOML", CMD_NOT_IMPLEMENTED },
	{ "SAML", CMD_NOT_IMPLEMENTED },
};

void command_parse(const char *line, size_t len, struct command *c)
{
	size_t v = 0, i;

	while (v < len && line[v] != ' ')
		v++;
	c->verb = CMD_UNKNOWN;
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strlen(verbs[i].name) == v && strncasecmp(line, verbs[i].name, v) == 0)
			c->verb = verbs[i].verb;
	while (v < len && line[v] == ' ')
		v++;
	c->arg = line + v;
	c->arglen = len - v;
}

int command_path_arg(const struct command *c, const char *prefix,
		     const char **path, size_t *len)
{
	size_t n = strlen(prefix), i;

	if (c->arglen < n || strncasecmp(c->arg, prefix, n) != 0)
		return -1;
	for (i = n; i < c->arglen && c->arg[i] == ' '; i++)
		;
	*path = c->arg + i;
	*len = c->arglen - i;
	return 0;
}

/* SIZE=1*20DIGIT; a value beyond unsigned long long saturates (552 later) */
static enum param_result param_size(const char *v, size_t n, struct mail_params *p)
{
	unsigned long long x = 0;
	size_t i;

	if (p->has_size || n == 0 || n > 20)
		return PARAM_SYNTAX;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(v[i] - '0');
		if (v[i] < '0' || v[i] > '9')
			return PARAM_SYNTAX;
		x = x > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : x * 10 + d;
	}
	p->has_size = 1;
	p->size = x;
	return PARAM_OK;
}

static enum param_result param_body(const char *v, size_t n, struct mail_params *p)
{
	if (p->has_body)
		return PARAM_SYNTAX;
	p->has_body = 1;
	if (n == 4 && strncasecmp(v, "7BIT", 4) == 0)
		return PARAM_OK;
	if (n == 8 && strncasecmp(v, "8BITMIME", 8) == 0) {
		p->body_8bitmime = 1;
		return PARAM_OK;
	}
	if (n == 10 && strncasecmp(v, "BINARYMIME", 10) == 0)
		return PARAM_UNSUPPORTED;	/* RFC 3030 needs BDAT */
	return PARAM_SYNTAX;
}

/* RFC 4954 §5: AUTH=<> or AUTH=xtext (RFC 3461 §4: xchar is 33-126 but
 * "+" and "=", hexchar is "+" and two upper-case hex digits). */
static enum param_result param_auth(const char *v, size_t n, struct mail_params *p)
{
	size_t i;

	if (p->has_auth)
		return PARAM_SYNTAX;
	p->has_auth = 1;
	if (n == 2 && v[0] == '<' && v[1] == '>')
		return PARAM_OK;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '+') {
			if (i + 2 >= n || !strchr("0123456789ABCDEF", v[i + 1]) ||
			    !strchr("0123456789ABCDEF", v[i + 2]) || !v[i + 1] || !v[i + 2])
				return PARAM_SYNTAX;
			i += 2;
		} else if (ch < 33 || ch > 126 || ch == '=') {
			return PARAM_SYNTAX;
		}
	}
	return PARAM_OK;
}

static int keyword_is(const char *k, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(k, name, n) == 0;
}

/* One esmtp-param = esmtp-keyword ["=" esmtp-value] (RFC 5321 §4.1.2). */
static enum param_result param_one(const char *s, size_t n, struct mail_params *p)
{
	const char *eq = memchr(s, '=', n);
	size_t klen = eq ? (size_t)(eq - s) : n, i;
	const char *v = eq ? eq + 1 : NULL;
	size_t vlen = eq ? n - klen - 1 : 0;

	if (klen == 0)
		return PARAM_SYNTAX;
	for (i = 0; i < klen; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || (ch == '-' && i > 0)))
			return PARAM_SYNTAX;
	}
	for (i = 0; i < vlen; i++)	/* esmtp-value: %d33-60 / %d62-126 (and UTF-8) */
		if ((unsigned char)v[i] < 33 || v[i] == '=' || v[i] == 127)
			return PARAM_SYNTAX;
	if (eq && vlen == 0)
		return PARAM_SYNTAX;
	if (keyword_is(s, klen, "SIZE"))
		return v ? param_size(v, vlen, p) : PARAM_SYNTAX;
	if (keyword_is(s, klen, "BODY"))
		return v ? param_body(v, vlen, p) : PARAM_SYNTAX;
	if (keyword_is(s, klen, "AUTH"))
		return v ? param_auth(v, vlen, p) : PARAM_SYNTAX;
	if (keyword_is(s, klen, "SMTPUTF8")) {
		if (v || p->smtputf8)
			return PARAM_SYNTAX;
		p->smtputf8 = 1;
		return PARAM_OK;
	}
	return PARAM_UNKNOWN;
}

enum param_result command_mail_params(const char *s, size_t len, struct mail_params *p)
{
	enum param_result r;
	size_t i = 0, start;

	memset(p, 0, sizeof *p);
	if (len && s[0] != ' ')
		return PARAM_SYNTAX;	/* junk right after ">" */
	for (;;) {
		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			return PARAM_OK;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		if ((r = param_one(s + start, i - start, p)) != PARAM_OK)
			return r;
	}
}
