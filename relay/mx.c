/*
 * mx - next-hop selection (see mx.h): configuration routes, address
 * literals, and RFC 5321 §5.1 MX resolution with RFC 7505 null MX.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
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
	t->dnssec = 0;
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

/*
 * A host's addresses into p; returns the DNS status. Each target is marked
 * dnssec when secure (the name that led here was validated: the MX RRset,
 * or 1 for a route's host) and the address lookup was validated too
 * (RFC 7672 §2.2.1, §2.2.2).
 */
static enum dns_status plan_host(struct dns *dns, const char *host, unsigned port,
				 int secure, struct mx_plan *p)
{
	struct sockaddr_storage ss[MX_TARGETS_MAX];
	size_t n, i, first = p->n;
	enum dns_status st;

	if (host_address(host, &ss[0]) == 0) {
		plan_add(p, host, &ss[0], port);
		return DNS_OK;
	}
	dns_secure_begin(dns);
	st = dns_addrs(dns, host, ss, MX_TARGETS_MAX, &n);
	for (i = 0; st == DNS_OK && i < n; i++)
		plan_add(p, host, &ss[i], port);
	secure = secure && dns_secure(dns);
	for (i = first; i < p->n; i++)
		p->t[i].dnssec = secure;
	return st;
}

/*
 * This host's own addresses: those of its interfaces (getifaddrs(3), read
 * once per plan, only when an address must be checked), the self-address
 * settings (NAT, proxy front ends), and the unspecified addresses 0.0.0.0
 * and :: (a connection to them reaches this host). smtpd is socket-activated,
 * so the addresses it listens on are unknown here; any interface address is
 * one a listener on "all addresses" answers on.
 */
struct self_set {
	const struct config *c;
	struct ifaddrs *ifa;
	int loaded;		/* 1: ifa read, -1: getifaddrs failed */
};

static void self_init(struct self_set *s, const struct config *c)
{
	s->c = c;
	s->ifa = NULL;
	s->loaded = 0;
}

static void self_free(struct self_set *s)
{
	if (s->ifa)
		freeifaddrs(s->ifa);
	s->ifa = NULL;
}

/* sa's address as a full-length cidr (v4-mapped v6 as v4); -1 if not IP. */
static int self_cidr(const struct sockaddr *sa, struct cidr *n)
{
	memset(n, 0, sizeof *n);
	if (sa->sa_family == AF_INET) {
		n->family = AF_INET;
		n->prefix = 32;
		memcpy(n->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	n->family = AF_INET6;
	n->prefix = 128;
	memcpy(n->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	return 0;
}

static int self_unspecified(const struct sockaddr *sa)
{
	static const unsigned char zero[16];

	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
	return sa->sa_family == AF_INET6 &&
	       !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, zero, 16);
}

/* 1: ss is this host, 0: it is not, -1: the interfaces cannot be listed. */
static int self_match(struct self_set *s, const struct sockaddr_storage *ss)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;
	struct ifaddrs *i;
	struct cidr n;
	size_t k;

	if (self_unspecified(sa))
		return 1;
	for (k = 0; k < s->c->nself_addrs; k++)
		if (cidr_match(&s->c->self_addrs[k], sa))
			return 1;
	if (!s->loaded)
		s->loaded = getifaddrs(&s->ifa) == 0 ? 1 : -1;
	if (s->loaded < 0)
		return -1;
	/* cidr_match() also matches a v4-mapped v6 address against a v4 one */
	for (i = s->ifa; i; i = i->ifa_next)
		if (i->ifa_addr && self_cidr(i->ifa_addr, &n) == 0 && cidr_match(&n, sa))
			return 1;
	return 0;
}

/* Whether any of p's targets from index `from` is this host (-1: unknown). */
static int self_in_plan(struct self_set *s, const struct mx_plan *p, size_t from)
{
	size_t i;
	int r;

	for (i = from; i < p->n; i++)
		if ((r = self_match(s, &p->t[i].ss)) != 0)
			return r;
	return 0;
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

static int verdict_self_unknown(struct reply *v)
{
	char text[REPLY_TEXT_MAX];

	snprintf(text, sizeof text, "cannot list this host's addresses: %s", strerror(errno));
	reply_set(v, 451, "4.3.0", text);
	return -1;
}

/* After an address was added for name (implicit MX, literal): is it this host? */
static int plan_check_self(struct self_set *s, const struct mx_plan *p, const char *name,
			   struct reply *v)
{
	int r = self_in_plan(s, p, 0);

	if (r < 0)
		return verdict_self_unknown(v);
	return r ? verdict_loop(v, name) : 0;
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

/*
 * The exchanges of the sorted list mx[0..n) into p, best first. RFC 5321
 * §5.1: when an exchange has an address of this host, it and every exchange
 * of equal or higher preference are dropped (those of equal preference
 * already planned are taken out again). Returns 0, or -1 with v set.
 */
static int plan_exchanges(struct dns *dns, struct self_set *s, const struct mx_record *mx,
			  size_t n, unsigned port, int secure, const char *name,
			  struct mx_plan *p, struct reply *v)
{
	size_t start[MX_HOSTS_MAX], i, k, tempfail_at = (size_t)-1;
	int self = 0, r;

	for (i = 0; i < n && i < MX_HOSTS_MAX && p->n < MX_TARGETS_MAX; i++) {
		start[i] = p->n;
		if (plan_host(dns, mx[i].host, port, secure, p) == DNS_TEMPFAIL &&
		    tempfail_at == (size_t)-1)
			tempfail_at = i;
		if ((r = self_in_plan(s, p, start[i])) < 0)
			return verdict_self_unknown(v);
		if (r) {
			for (k = 0; k < i && mx[k].pref < mx[i].pref; k++)
				;
			p->n = start[k];
			self = 1;
			if (tempfail_at >= k)
				tempfail_at = (size_t)-1;
			break;
		}
	}
	if (p->n)
		return 0;
	if (tempfail_at != (size_t)-1)
		return verdict_dns(v, DNS_TEMPFAIL, name);
	return self ? verdict_loop(v, name) : verdict_dns(v, DNS_NODATA, name);
}

/* RFC 5321 §5.1: MX records of name, or its own addresses (implicit MX). */
static int plan_mx(struct dns *dns, struct self_set *s, const char *name, unsigned port,
		   struct mx_plan *p, struct reply *v)
{
	struct mx_record mx[MX_HOSTS_MAX * 2];
	size_t n;
	int is_null, secure;
	enum dns_status st;

	dns_secure_begin(dns);
	st = dns_mx(dns, name, mx, sizeof mx / sizeof mx[0], &n);
	secure = dns_secure(dns);	/* RFC 7672 §2.2.1: the MX RRset (or its denial) */
	if (st == DNS_NODATA) {
		if (host_equal(name, s->c->hostname))
			return verdict_loop(v, name);
		st = plan_host(dns, name, port, secure, p);
		if (st != DNS_OK)
			return verdict_dns(v, st, name);
		return plan_check_self(s, p, name, v);
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
	n = mx_drop_self(mx, n, s->c->hostname);
	if (!n)
		return verdict_loop(v, name);
	return plan_exchanges(dns, s, mx, n, port, secure, name, p, v);
}

/* The resolver: the validating one for a domain whose policy is DANE. */
static struct dns *plan_dns(const struct config *c, const char *domain, struct reply *v)
{
	char err[256];
	enum tls_policy tp = config_tls_policy_for(c, domain);
	struct dns *dns = tp == TLS_DANE || tp == TLS_DANE_ONLY
			  ? dns_open_dnssec(c->dnssec_resolver, err, sizeof err)
			  : dns_open(c->resolver, err, sizeof err);

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

/* The port a route's next hop is reached on: its own, else the kind's default. */
static unsigned route_port(const struct config *c, const struct nexthop *h)
{
	if (h->port)
		return h->port;
	return h->kind == NEXTHOP_LMTP_TCP ? MX_LMTP_PORT : c->smtp_port;
}

static int plan_route(const struct config *c, const char *domain, const struct route *r,
		      struct mx_plan *p, struct reply *v)
{
	const struct nexthop *h = &r->hop;
	unsigned port = route_port(c, h);
	struct dns *dns;
	enum dns_status st;
	int rc = 0;

	if (h->kind == NEXTHOP_LMTP_UNIX) {
		p->lmtp = 1;
		return plan_unix(h->host, p, v);
	}
	if (h->kind == NEXTHOP_MAILDIR) {	/* no network destination */
		reply_set(v, 451, "4.3.5", "Maildir route: no Maildir writer in this relay");
		return -1;
	}
	p->lmtp = h->kind == NEXTHOP_LMTP_TCP;
	if (h->kind != NEXTHOP_SMTP_MX) {
		struct sockaddr_storage ss;
		if (host_address(h->host, &ss) == 0) {	/* an address: no resolver needed */
			plan_add(p, h->host, &ss, port);
			return 0;
		}
	}
	if (!(dns = plan_dns(c, domain, v)))
		return -1;
	if (h->kind == NEXTHOP_SMTP_MX) {
		struct self_set self;
		self_init(&self, c);
		rc = plan_mx(dns, &self, h->host, port, p, v);
		self_free(&self);
	} else if ((st = plan_host(dns, h->host, port, 1, p)) != DNS_OK) {
		rc = verdict_dns(v, st == DNS_NXDOMAIN ? DNS_NODATA : st, h->host);
	}
	dns_close(dns);
	return rc;
}

static void key_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* A route's next hop as a destination key (tern.conf syntax, port filled in). */
void mx_key_of_hop(const struct config *c, const struct nexthop *h, char *key, size_t len)
{
	if (h->kind == NEXTHOP_LMTP_UNIX) {
		snprintf(key, len, "lmtp:unix:%s", h->host);	/* a path keeps its case */
		return;
	}
	if (h->kind == NEXTHOP_MAILDIR) {
		snprintf(key, len, "maildir:%s", h->host);	/* a path keeps its case */
		return;
	}
	if (h->kind == NEXTHOP_SMTP_MX)
		snprintf(key, len, "smtp:%s:%u", h->host, route_port(c, h));
	else
		snprintf(key, len, "%s:[%s]:%u", h->kind == NEXTHOP_SMTP ? "smtp" : "lmtp",
			 h->host, route_port(c, h));
	key_lower(key);	/* RFC 5321 §2.4: host names compare without case */
}

/* The destination: a route's next hop, normalised; else the literal or domain. */
void mx_key(const struct config *c, const char *domain, char *key, size_t len)
{
	const struct route *r = config_route_for(c, domain);

	if (r) {
		mx_key_of_hop(c, &r->hop, key, len);
		return;
	}
	snprintf(key, len, "%s%s", domain[0] == '[' ? "literal:" : "mx:", domain);
	key_lower(key);
}

int mx_plan(const struct config *c, const char *domain, struct mx_plan *p,
	    struct reply *verdict)
{
	const struct route *r = config_route_for(c, domain);
	struct sockaddr_storage ss;
	struct self_set self;
	struct dns *dns;
	int rc;

	memset(p, 0, sizeof *p);
	reply_init(verdict);
	mx_key(c, domain, p->key, sizeof p->key);
	if (r)
		return plan_route(c, domain, r, p, verdict);
	if (domain[0] == '[') {
		if (mx_literal(domain, &ss) < 0) {
			reply_set(verdict, 553, "5.1.2", "bad address literal");
			return -1;
		}
		plan_add(p, domain, &ss, c->smtp_port);
		self_init(&self, c);
		rc = plan_check_self(&self, p, domain, verdict);
		self_free(&self);
		return rc;
	}
	if (!(dns = plan_dns(c, domain, verdict)))
		return -1;
	self_init(&self, c);
	rc = plan_mx(dns, &self, domain, c->smtp_port, p, verdict);
	self_free(&self);
	dns_close(dns);
	return rc;
}
