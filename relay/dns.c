/*
 * dns - MX, AAAA and A lookups through ldns (see dns.h).
 *
 * Everything in an answer is untrusted: names are converted with ldns and
 * checked for length, address records for their exact size. Any answer we
 * cannot use is a temporary failure, never a crash.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "resolver.h"

struct dns {
	ldns_resolver *res;
	int dnssec;	/* DO bit set: the AD bit of answers is recorded */
	int insecure;	/* an answer since dns_secure_begin() lacked AD */
};

static int timeout_seconds(void)
{
	const char *e = getenv("TERN_DNS_TIMEOUT");
	long v;
	char *end;

	if (!e || !*e)
		return DNS_TIMEOUT_S;
	v = strtol(e, &end, 10);
	return *end || v < 1 || v > 60 ? DNS_TIMEOUT_S : (int)v;
}

struct dns *dns_open(const char *resolver, char *err, size_t errlen)
{
	struct dns *d;
	ldns_resolver *res;
	struct timeval tv = { timeout_seconds(), 0 };

	if (!(res = resolver_new(resolver, err, errlen)))
		return NULL;
	ldns_resolver_set_timeout(res, tv);
	ldns_resolver_set_retry(res, DNS_TRIES);
	ldns_resolver_set_retrans(res, 1);
	d = malloc(sizeof *d);
	if (!d) {
		snprintf(err, errlen, "resolver: out of memory");
		ldns_resolver_deep_free(res);
		return NULL;
	}
	d->res = res;
	d->dnssec = 0;
	d->insecure = 1;
	return d;
}

struct dns *dns_open_dnssec(const char *resolver, char *err, size_t errlen)
{
	struct dns *d;

	if (!resolver || !*resolver) {
		snprintf(err, errlen, "dnssec-resolver: not set");
		return NULL;
	}
	if (!(d = dns_open(resolver, err, errlen)))
		return NULL;
	/* the DO bit (RFC 3225): a validating resolver then sets AD on answers
	 * it validated (RFC 4035 §3.2.3); nothing is validated here */
	ldns_resolver_set_dnssec(d->res, true);
	ldns_resolver_set_dnssec_cd(d->res, false);
	d->dnssec = 1;
	return d;
}

void dns_secure_begin(struct dns *d)
{
	d->insecure = 0;
}

int dns_secure(const struct dns *d)
{
	return d->dnssec && !d->insecure;
}

void dns_close(struct dns *d)
{
	if (!d)
		return;
	ldns_resolver_deep_free(d->res);
	free(d);
}

/* A domain name into an absolute ldns dname, or NULL. */
static ldns_rdf *dname_absolute(const char *name)
{
	char buf[DNS_NAME_MAX + 2];
	size_t n = strlen(name);

	if (!n || n >= DNS_NAME_MAX)
		return NULL;
	memcpy(buf, name, n + 1);
	if (buf[n - 1] != '.') {
		buf[n] = '.';
		buf[n + 1] = '\0';
	}
	return ldns_dname_new_frm_str(buf);
}

/* A dname to text without the trailing dot ("" for the root). */
static int dname_text(const ldns_rdf *rdf, char *out, size_t outlen)
{
	char *s;
	size_t n;

	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -1;
	s = ldns_rdf2str(rdf);
	if (!s)
		return -1;
	n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	if (n >= outlen) {
		free(s);
		return -1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	free(s);
	return 0;
}

/*
 * Walk the answer section from *cur: records of type t owned by *cur are
 * the answer; a CNAME owned by *cur moves *cur to its target (at most *hops
 * more times). Returns the number of matching records (collected in out).
 */
static size_t answer_walk(ldns_rr_list *ans, ldns_rdf **cur, ldns_rr_type t,
			  ldns_rr_list *out, int *hops)
{
	size_t i, found = 0;
	int moved = 1;

	while (moved) {
		moved = 0;
		for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ans, i);
			if (ldns_dname_compare(ldns_rr_owner(rr), *cur) != 0)
				continue;
			if (ldns_rr_get_type(rr) == t) {
				ldns_rr_list_push_rr(out, rr);
				found++;
			}
		}
		if (found)
			return found;
		for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ans, i);
			ldns_rdf *target = ldns_rr_rdf(rr, 0);
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME
			    || ldns_dname_compare(ldns_rr_owner(rr), *cur) != 0 || !target
			    || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME)
				continue;
			if (--*hops < 0)
				return 0;
			ldns_rdf_deep_free(*cur);
			*cur = ldns_rdf_clone(target);
			moved = 1;
			break;
		}
	}
	return 0;
}

/*
 * Ask for name/t, following CNAMEs. On DNS_OK, *pkt holds the last answer
 * (free it) and out the records (shallow: owned by *pkt).
 */
static enum dns_status dns_query(struct dns *d, const char *name, ldns_rr_type t,
				 ldns_pkt **pkt, ldns_rr_list *out)
{
	ldns_rdf *cur = dname_absolute(name), *before;
	int hops = DNS_CNAME_MAX;
	enum dns_status st = DNS_TEMPFAIL;

	*pkt = NULL;
	if (!cur)
		return DNS_NXDOMAIN;	/* not a name that can exist */
	while (hops >= 0) {
		ldns_pkt *p = NULL;
		if (ldns_resolver_send(&p, d->res, cur, t, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK
		    || !p) {
			st = DNS_TEMPFAIL;
			break;
		}
		if (!ldns_pkt_ad(p))
			d->insecure = 1;	/* one unvalidated answer taints the chain */
		if (ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN) {
			ldns_pkt_free(p);
			st = DNS_NXDOMAIN;
			break;
		}
		if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR) {
			ldns_pkt_free(p);
			st = DNS_TEMPFAIL;
			break;
		}
		before = ldns_rdf_clone(cur);
		if (answer_walk(ldns_pkt_answer(p), &cur, t, out, &hops)) {
			ldns_rdf_deep_free(before);
			*pkt = p;
			st = DNS_OK;
			break;
		}
		ldns_pkt_free(p);
		if (hops < 0) {
			ldns_rdf_deep_free(before);
			st = DNS_TEMPFAIL;	/* CNAME chain too long */
			break;
		}
		st = ldns_dname_compare(before, cur) == 0 ? DNS_NODATA : DNS_TEMPFAIL;
		ldns_rdf_deep_free(before);
		if (st == DNS_NODATA)
			break;
		hops--;	/* the chain ended in a CNAME: ask for its target */
	}
	ldns_rdf_deep_free(cur);
	return st;
}

enum dns_status dns_mx(struct dns *d, const char *domain,
		       struct mx_record *v, size_t max, size_t *n)
{
	ldns_pkt *pkt;
	ldns_rr_list *rrs = ldns_rr_list_new();
	enum dns_status st;
	size_t i;

	*n = 0;
	if (!rrs)
		return DNS_TEMPFAIL;
	st = dns_query(d, domain, LDNS_RR_TYPE_MX, &pkt, rrs);
	for (i = 0; st == DNS_OK && i < ldns_rr_list_rr_count(rrs) && *n < max; i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		ldns_rdf *pref = ldns_rr_rdf(rr, 0);
		if (!pref || ldns_rdf_size(pref) != 2
		    || dname_text(ldns_rr_rdf(rr, 1), v[*n].host, sizeof v[*n].host) < 0)
			continue;	/* a malformed record is skipped */
		v[*n].pref = ldns_rdf2native_int16(pref);
		(*n)++;
	}
	if (st == DNS_OK && !*n)
		st = DNS_TEMPFAIL;	/* MX records, none usable */
	ldns_rr_list_free(rrs);
	if (pkt)
		ldns_pkt_free(pkt);
	return st;
}

/* Append the addresses of one type; returns its status. */
static enum dns_status addrs_of_type(struct dns *d, const char *host, ldns_rr_type t,
				     struct sockaddr_storage *v, size_t max, size_t *n)
{
	ldns_pkt *pkt;
	ldns_rr_list *rrs = ldns_rr_list_new();
	enum dns_status st;
	size_t i;

	if (!rrs)
		return DNS_TEMPFAIL;
	st = dns_query(d, host, t, &pkt, rrs);
	for (i = 0; st == DNS_OK && i < ldns_rr_list_rr_count(rrs) && *n < max; i++) {
		ldns_rdf *a = ldns_rr_rdf(ldns_rr_list_rr(rrs, i), 0);
		struct sockaddr_storage *ss = &v[*n];
		memset(ss, 0, sizeof *ss);
		if (t == LDNS_RR_TYPE_A && a && ldns_rdf_size(a) == 4) {
			struct sockaddr_in *sin = (struct sockaddr_in *)ss;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, ldns_rdf_data(a), 4);
			(*n)++;
		} else if (t == LDNS_RR_TYPE_AAAA && a && ldns_rdf_size(a) == 16) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, ldns_rdf_data(a), 16);
			(*n)++;
		}
	}
	ldns_rr_list_free(rrs);
	if (pkt)
		ldns_pkt_free(pkt);
	return st;
}

enum dns_status dns_addrs(struct dns *d, const char *host,
			  struct sockaddr_storage *v, size_t max, size_t *n)
{
	enum dns_status s6, s4;

	*n = 0;
	s6 = addrs_of_type(d, host, LDNS_RR_TYPE_AAAA, v, max, n);
	if (s6 == DNS_TEMPFAIL || s6 == DNS_NXDOMAIN)
		return s6;	/* no use asking for A: try later / no such host */
	s4 = addrs_of_type(d, host, LDNS_RR_TYPE_A, v, max, n);
	if (*n)
		return DNS_OK;
	return s4 == DNS_TEMPFAIL ? DNS_TEMPFAIL : s4 == DNS_NXDOMAIN ? DNS_NXDOMAIN : DNS_NODATA;
}

enum dns_status dns_tlsa(struct dns *d, const char *host, unsigned port,
			 struct tls_tlsa *v, size_t max, size_t *n)
{
	char name[DNS_NAME_MAX + 16];
	ldns_pkt *pkt;
	ldns_rr_list *rrs = ldns_rr_list_new();
	enum dns_status st;
	size_t i;

	*n = 0;
	if (!rrs)
		return DNS_TEMPFAIL;
	snprintf(name, sizeof name, "_%u._tcp.%s", port, host);
	st = dns_query(d, name, LDNS_RR_TYPE_TLSA, &pkt, rrs);
	for (i = 0; st == DNS_OK && i < ldns_rr_list_rr_count(rrs) && *n < max; i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		ldns_rdf *f[4];
		size_t k;

		if (ldns_rr_rd_count(rr) != 4)
			continue;	/* malformed: skipped, as an unusable record */
		for (k = 0; k < 4; k++)
			f[k] = ldns_rr_rdf(rr, k);
		if (ldns_rdf_size(f[0]) != 1 || ldns_rdf_size(f[1]) != 1 ||
		    ldns_rdf_size(f[2]) != 1 || !ldns_rdf_size(f[3]) ||
		    !(v[*n].data = malloc(ldns_rdf_size(f[3]))))
			continue;
		v[*n].usage = *ldns_rdf_data(f[0]);
		v[*n].selector = *ldns_rdf_data(f[1]);
		v[*n].mtype = *ldns_rdf_data(f[2]);
		v[*n].len = ldns_rdf_size(f[3]);
		memcpy(v[*n].data, ldns_rdf_data(f[3]), v[*n].len);
		(*n)++;
	}
	ldns_rr_list_free(rrs);
	if (pkt)
		ldns_pkt_free(pkt);
	return st;
}
