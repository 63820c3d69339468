/*
 * nexthop - next hops and routes of tern.conf(5) (see nexthop.h). The
 * configuration reader (config.c) stores what these parse; the relay asks
 * route_find() (through config_route_for()) where each domain goes.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "nexthop.h"

#define SUN_PATH_MAX 108	/* sizeof ((struct sockaddr_un *)0)->sun_path */

static int host_valid(const char *h)
{
	unsigned char a[16];

	return addr_domain_valid(h, strlen(h)) || inet_pton(AF_INET, h, a) == 1 ||
	       inet_pton(AF_INET6, h, a) == 1;
}

/* "[host]" or "host", then optional ":port"; brackets may hold IPv6. */
static int hostport_parse(const char *s, struct nexthop *n, int *bracketed,
			  char *err, size_t errlen, const char *text)
{
	const char *end, *colon;
	unsigned long long port;
	size_t hlen;

	*bracketed = s[0] == '[';
	if (*bracketed) {
		end = strchr(s, ']');
		if (!end)
			return str_errorf(err, errlen, "'%s': missing ']'", text);
		s++;
		hlen = (size_t)(end - s);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return str_errorf(err, errlen, "'%s': junk after ']'", text);
	} else {
		colon = strchr(s, ':');
		hlen = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hlen == 0 || hlen >= sizeof n->host)
		return str_errorf(err, errlen, "'%s': %s host", text, hlen ? "too long a" : "empty");
	memcpy(n->host, s, hlen);
	n->host[hlen] = '\0';
	if (!host_valid(n->host))
		return str_errorf(err, errlen, "'%s': bad host '%s'", text, n->host);
	n->port = 0;
	if (colon) {
		if (str_parse_ull(colon + 1, strlen(colon + 1), &port) < 0 || port < 1 ||
		    port > 65535)
			return str_errorf(err, errlen, "'%s': bad port '%s'", text, colon + 1);
		n->port = (unsigned)port;
	}
	return 0;
}

/* A Maildir path template: absolute, only %d, %u and %%, no "." or ".." component. */
static int maildir_template_parse(const char *text, struct nexthop *n, char *err, size_t errlen)
{
	const char *t = text + 8, *p;

	if (t[0] != '/')
		return str_errorf(err, errlen, "'%s': Maildir path must be absolute", text);
	if (strlen(t) >= sizeof n->host)
		return str_errorf(err, errlen, "'%s': Maildir path longer than %zu bytes", text,
				  sizeof n->host - 1);
	for (p = t; *p; p++)
		if (*p == '%' && (p[1] == 'd' || p[1] == 'u' || p[1] == '%'))
			p++;
		else if (*p == '%')
			return str_errorf(err, errlen, "'%s': want %%d, %%u or %%%% after %%", text);
	for (p = t; *p; p++)
		if (p[0] == '/' && p[1] == '.' && (p[2] == '/' || !p[2] ||
						   (p[2] == '.' && (p[3] == '/' || !p[3]))))
			return str_errorf(err, errlen, "'%s': '.' or '..' in the Maildir path", text);
	n->kind = NEXTHOP_MAILDIR;
	strcpy(n->host, t);
	return 0;
}

int nexthop_parse(const char *text, struct nexthop *n, char *err, size_t errlen)
{
	int bracketed;

	memset(n, 0, sizeof *n);
	if (strncmp(text, "smtp:", 5) == 0) {
		if (hostport_parse(text + 5, n, &bracketed, err, errlen, text) < 0)
			return -1;
		/* smtp:[host] connects to host itself; smtp:host looks up its MX */
		n->kind = bracketed ? NEXTHOP_SMTP : NEXTHOP_SMTP_MX;
		return 0;
	}
	if (strncmp(text, "lmtp:unix:", 10) == 0) {
		const char *path = text + 10;
		if (path[0] != '/')
			return str_errorf(err, errlen, "'%s': socket path must be absolute", text);
		if (strlen(path) >= SUN_PATH_MAX)
			return str_errorf(err, errlen, "'%s': socket path longer than %d bytes",
					  text, SUN_PATH_MAX - 1);
		n->kind = NEXTHOP_LMTP_UNIX;
		strcpy(n->host, path);
		return 0;
	}
	if (strncmp(text, "lmtp:", 5) == 0) {
		if (hostport_parse(text + 5, n, &bracketed, err, errlen, text) < 0)
			return -1;
		n->kind = NEXTHOP_LMTP_TCP;	/* RFC 2033: no MX lookup for LMTP */
		return 0;
	}
	if (strncmp(text, "maildir:", 8) == 0)
		return maildir_template_parse(text, n, err, errlen);
	return str_errorf(err, errlen, "'%s': want smtp:[host]:port, smtp:host, "
			  "lmtp:[host]:port, lmtp:unix:/path or maildir:/path", text);
}

int nexthop_format(struct str *out, const struct nexthop *n)
{
	const char *proto = n->kind == NEXTHOP_SMTP || n->kind == NEXTHOP_SMTP_MX ? "smtp" : "lmtp";

	if (n->kind == NEXTHOP_LMTP_UNIX)
		return str_appendf(out, "lmtp:unix:%s", n->host);
	if (n->kind == NEXTHOP_MAILDIR)
		return str_appendf(out, "maildir:%s", n->host);
	if (n->kind == NEXTHOP_SMTP_MX) {
		if (str_appendf(out, "%s:%s", proto, n->host) < 0)
			return -1;
	} else if (str_appendf(out, "%s:[%s]", proto, n->host) < 0) {
		return -1;
	}
	return n->port ? str_appendf(out, ":%u", n->port) : 0;
}

int route_parse(const char *text, struct route *r, char *err, size_t errlen)
{
	const char *sp = strpbrk(text, " \t");
	const char *hop, *d = r->domain;
	char why[512];
	size_t dlen;

	memset(r, 0, sizeof *r);
	if (!sp)
		return str_errorf(err, errlen, "want 'route DOMAIN NEXTHOP'");
	dlen = (size_t)(sp - text);
	hop = sp + strspn(sp, " \t");
	if (dlen >= sizeof r->domain)
		return str_errorf(err, errlen, "domain longer than 255 bytes");
	memcpy(r->domain, text, dlen);
	if (strcmp(d, "*") != 0 && !addr_domain_valid(d, dlen) && !addr_literal_valid(d, dlen))
		return str_errorf(err, errlen, "'%s': not a domain, literal or '*'", d);
	if (strpbrk(hop, " \t"))
		return str_errorf(err, errlen, "want 'route DOMAIN NEXTHOP'");
	if (nexthop_parse(hop, &r->hop, why, sizeof why) < 0)
		return str_errorf(err, errlen, "%s", why);
	return 0;
}

const struct route *route_find(const struct route *routes, size_t count, const char *domain)
{
	const struct route *star = NULL;
	size_t i;

	for (i = 0; i < count; i++) {
		if (strcasecmp(routes[i].domain, domain) == 0)
			return &routes[i];
		if (strcmp(routes[i].domain, "*") == 0)
			star = &routes[i];
	}
	return star;
}
