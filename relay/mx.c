/*
 * mx - next-hop selection (see mx.h): configuration routes, address
 * literals, and RFC 5321 §5.1 MX resolution with RFC 7505 null MX.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "relay/mx.h"

void mx_sort(struct mx_record *v, size_t n, mx_random_fn *rnd, void *arg)
{
	size_t i, j, run;

	/* insertion sort: n is at most a few dozen */
	for (i = 1; i < n; i++) {
		struct mx_record tmp = v[i];
		for (j = i; j > 0 && v[j - 1].pref > tmp.pref; j--)
			v[j] = v[j - 1];
		v[j] = tmp;
	}
	/* RFC 5321 §5.1: equal preferences in random order (Fisher-Yates per run) */
	for (i = 0; i < n; i = run) {
		for (run = i + 1; run < n && v[run].pref == v[i].pref; run++)
			;
		for (j = run - 1; j > i; j--) {
			size_t k = i + rnd((unsigned)(j - i + 1), arg);
			struct mx_record tmp = v[j];
			v[j] = v[k];
			v[k] = tmp;
		}
	}
}

/* Host names equal ignoring case and one trailing dot. */
static int host_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && la && !strncasecmp(a, b, la);
}

size_t mx_drop_self(struct mx_record *v, size_t n, const char *self)
{
	size_t i, keep;

	for (i = 0; i < n; i++)
		if (host_equal(v[i].host, self))
			break;
	if (i == n)
		return n;
	/* RFC 5321 §5.1: discard our own record and all of equal or higher preference */
	for (keep = 0; keep < n && v[keep].pref < v[i].pref; keep++)
		;
	return keep;
}

int mx_literal(const char *domain, struct sockaddr_storage *ss)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n = strlen(domain);

	memset(ss, 0, sizeof *ss);
	if (n < 3 || domain[0] != '[' || domain[n - 1] != ']' || n - 2 >= sizeof buf)
		return -1;
	memcpy(buf, domain + 1, n - 2);
	buf[n - 2] = '\0';
	if (!strncasecmp(buf, "IPv6:", 5)) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		return inet_pton(AF_INET6, buf + 5, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	return inet_pton(AF_INET, buf, &s4->sin_addr) == 1 ? 0 : -1;
}

/* Append one address of host with port to the plan (silently full at the maximum). */
static void plan_add(struct mx_plan *p, const char *host, const struct sockaddr_storage *ss,
		     unsigned port)
{
	struct mx_target *t;

	if (p->n >= MX_TARGETS_MAX)
		return;
	t = &p->t[p->n++];
	snprintf(t->host, sizeof t->host, "%s", host);
	t->ss = *ss;
	if (ss->ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&t->ss)->sin6_port = htons((uint16_t)port);
		t->sslen = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&t->ss)->sin_port = htons((uint16_t)port);
		t->sslen = sizeof(struct sockaddr_in);
	}
}

static unsigned random_below(unsigned bound, void *arg)
{
	(void)arg;
	return arc4random_uniform(bound);
}

/* An IP address in text (v4, v6, or bracketed literal) into ss; -1 if not one. */
static int host_address(const char *host, struct sockaddr_storage *ss)
{
	char lit[DNS_NAME_MAX + 8];

	if (host[0] == '[')
		return mx_literal(host, ss);
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	snprintf(lit, sizeof lit, "[IPv6:%s]", host);
	return mx_literal(lit, ss);
}

/* A host's addresses into p; returns the DNS status. */
static enum dns_status plan_host(struct dns *dns, const char *host, unsigned port,
				 struct mx_plan *p)
{
	struct sockaddr_storage ss[MX_TARGETS_MAX];
	size_t n, i;
	enum dns_status st;

	if (host_address(host, &ss[0]) == 0) {
		plan_add(p, host, &ss[0], port);
		return DNS_OK;
	}
	st = dns_addrs(dns, host, ss, MX_TARGETS_MAX, &n);
	for (i = 0; st == DNS_OK && i < n; i++)
		plan_add(p, host, &ss[i], port);
	return st;
}

static int verdict_dns(struct reply *v, enum dns_status st, const char *name)
{
	char text[REPLY_TEXT_MAX];

	if (st == DNS_NXDOMAIN) {
		snprintf(text, sizeof text, "domain %s not found (NXDOMAIN)", name);
		reply_set(v, 550, "5.1.2", text);
	} else if (st == DNS_TEMPFAIL) {
		snprintf(text, sizeof text, "DNS lookup for %s failed or timed out, will retry", name);
		reply_set(v, 451, "4.4.3", text);
	} else {
		snprintf(text, sizeof text, "no mail exchanger or address for %s", name);
		reply_set(v, 550, "5.4.4", text);
	}
	return -1;
}

static int verdict_loop(struct reply *v, const char *name)
{
	char text[REPLY_TEXT_MAX];

	snprintf(text, sizeof text, "mail for %s loops back to myself", name);
	reply_set(v, 554, "5.4.6", text);
	return -1;
}

/* RFC 7505 §3: one MX of preference 0 (any is tolerated) with exchange "." */
static size_t mx_null_filter(struct mx_record *v, size_t n, int *is_null)
{
	size_t i, o = 0;

	*is_null = n == 1 && v[0].host[0] == '\0';
	for (i = 0; i < n; i++)
		if (v[i].host[0] != '\0')
			v[o++] = v[i];
	return o;
}

/* RFC 5321 §5.1: MX records of name, or its own addresses (implicit MX). */
static int plan_mx(struct dns *dns, const struct config *c, const char *name, unsigned port,
		   struct mx_plan *p, struct reply *v)
{
	struct mx_record mx[MX_HOSTS_MAX * 2];
	size_t n, i;
	int is_null, tempfail = 0;
	enum dns_status st = dns_mx(dns, name, mx, sizeof mx / sizeof mx[0], &n);

	if (st == DNS_NODATA) {
		if (host_equal(name, c->hostname))
			return verdict_loop(v, name);
		st = plan_host(dns, name, port, p);
		return st == DNS_OK ? 0 : verdict_dns(v, st, name);
	}
	if (st != DNS_OK)
		return verdict_dns(v, st, name);
	n = mx_null_filter(mx, n, &is_null);
	if (is_null) {
		char text[REPLY_TEXT_MAX];
		snprintf(text, sizeof text, "domain %s does not accept mail (null MX)", name);
		reply_set(v, 556, "5.1.10", text);
		return -1;
	}
	mx_sort(mx, n, random_below, NULL);
	n = mx_drop_self(mx, n, c->hostname);
	if (!n)
		return verdict_loop(v, name);
	for (i = 0; i < n && i < MX_HOSTS_MAX && p->n < MX_TARGETS_MAX; i++)
		if (plan_host(dns, mx[i].host, port, p) == DNS_TEMPFAIL)
			tempfail = 1;
	if (!p->n)
		return verdict_dns(v, tempfail ? DNS_TEMPFAIL : DNS_NODATA, name);
	return 0;
}

static struct dns *plan_dns(const struct config *c, struct reply *v)
{
	char err[256];
	struct dns *dns = dns_open(c->resolver, err, sizeof err);

	if (!dns)
		reply_set(v, 451, "4.3.5", err);
	return dns;
}

static int plan_unix(const char *path, struct mx_plan *p, struct reply *v)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&p->t[0].ss;

	memset(&p->t[0], 0, sizeof p->t[0]);
	if (strlen(path) >= sizeof sun->sun_path) {
		reply_set(v, 451, "4.3.5", "LMTP socket path too long");
		return -1;
	}
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, path);
	p->t[0].sslen = sizeof *sun;
	snprintf(p->t[0].host, sizeof p->t[0].host, "%s", path);
	p->n = 1;
	return 0;
}

static int plan_route(const struct config *c, const struct route *r, struct mx_plan *p,
		      struct reply *v)
{
	const struct nexthop *h = &r->hop;
	unsigned port = h->port ? h->port : c->smtp_port;
	struct dns *dns;
	enum dns_status st;
	int rc = 0;

	if (h->kind == NEXTHOP_LMTP_UNIX) {
		p->lmtp = 1;
		return plan_unix(h->host, p, v);
	}
	if (h->kind == NEXTHOP_LMTP_TCP) {
		p->lmtp = 1;
		port = h->port ? h->port : 24;
	}
	if (h->kind != NEXTHOP_SMTP_MX) {
		struct sockaddr_storage ss;
		if (host_address(h->host, &ss) == 0) {	/* an address: no resolver needed */
			plan_add(p, h->host, &ss, port);
			return 0;
		}
	}
	if (!(dns = plan_dns(c, v)))
		return -1;
	if (h->kind == NEXTHOP_SMTP_MX) {
		rc = plan_mx(dns, c, h->host, port, p, v);
	} else if ((st = plan_host(dns, h->host, port, p)) != DNS_OK) {
		rc = verdict_dns(v, st == DNS_NXDOMAIN ? DNS_NODATA : st, h->host);
	}
	dns_close(dns);
	return rc;
}

void mx_key(const struct config *c, const char *domain, char *key, size_t len)
{
	const struct route *r = config_route_for(c, domain);

	if (r)
		snprintf(key, len, "route:%d:%s:%u", (int)r->hop.kind, r->hop.host, r->hop.port);
	else if (domain[0] == '[')
		snprintf(key, len, "literal:%s", domain);
	else
		snprintf(key, len, "mx:%s", domain);
}

int mx_plan(const struct config *c, const char *domain, struct mx_plan *p,
	    struct reply *verdict)
{
	const struct route *r = config_route_for(c, domain);
	struct sockaddr_storage ss;
	struct dns *dns;
	int rc;

	memset(p, 0, sizeof *p);
	reply_init(verdict);
	mx_key(c, domain, p->key, sizeof p->key);
	if (r)
		return plan_route(c, r, p, verdict);
	if (domain[0] == '[') {
		if (mx_literal(domain, &ss) < 0) {
			reply_set(verdict, 553, "5.1.2", "bad address literal");
			return -1;
		}
		plan_add(p, domain, &ss, c->smtp_port);
		return 0;
	}
	if (!(dns = plan_dns(c, verdict)))
		return -1;
	rc = plan_mx(dns, c, domain, c->smtp_port, p, verdict);
	dns_close(dns);
	return rc;
}
