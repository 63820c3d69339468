/*
 * vdns - mailauth's lookups through ldns (see vdns.h). Every answer is
 * untrusted: record data is copied with its length checked, names are
 * converted by ldns; an answer we cannot use is a temporary failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldns/ldns.h>

#include "resolver.h"
#include "vdns.h"

struct vdns {
	ldns_resolver *res;
	struct timespec deadline;
};

/* each query: VDNS_TIMEOUT_S seconds, tried VDNS_TRIES times (or less: the budget) */
#define VDNS_TIMEOUT_S 5
#define VDNS_TRIES 2

struct vdns *vdns_open(const char *resolver, unsigned budget_s, char *err, size_t errlen)
{
	struct vdns *v = calloc(1, sizeof *v);

	if (!v) {
		snprintf(err, errlen, "resolver: out of memory");
		return NULL;
	}
	if (!(v->res = resolver_new(resolver, err, errlen))) {
		free(v);
		return NULL;
	}
	ldns_resolver_set_retrans(v->res, 1);
	clock_gettime(CLOCK_MONOTONIC, &v->deadline);
	v->deadline.tv_sec += (time_t)budget_s;
	return v;
}

void vdns_close(struct vdns *v)
{
	if (!v)
		return;
	ldns_resolver_deep_free(v->res);
	free(v);
}

void vdns_answer_free(struct vdns_answer *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->rr[i]);
	a->n = 0;
}

/*
 * budget_left: whole seconds left of the budget (rounded up), 0 when it is
 * spent; a query never waits past it (its timeout is cut to what is left).
 */
static long budget_left(const struct vdns *v)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(v->deadline.tv_sec - now.tv_sec) * 1000 +
	     (v->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : (long)((ms + 999) / 1000);
}

static void budget_apply(struct vdns *v, long left)
{
	struct timeval tv = { VDNS_TIMEOUT_S, 0 };

	ldns_resolver_set_retry(v->res, VDNS_TRIES);
	if (left < (long)VDNS_TIMEOUT_S * VDNS_TRIES) {
		tv.tv_sec = left;
		ldns_resolver_set_retry(v->res, 1);
	}
	ldns_resolver_set_timeout(v->res, tv);
}

/* TXT: the character-strings of one record concatenated (RFC 7208 §3.3) */
static char *rdata_txt(const ldns_rr *rr, size_t *len)
{
	size_t i, n = 0, k;
	char *s;

	for (i = 0; i < ldns_rr_rd_count(rr); i++)
		n += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (!(s = malloc(n + 1)))
		return NULL;
	n = 0;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(f);
		size_t sz = ldns_rdf_size(f);
		if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR || sz < 1 || (size_t)d[0] + 1 > sz)
			continue;
		for (k = 1; k <= d[0]; k++)
			s[n++] = d[k] ? (char)d[k] : ' ';	/* no NUL inside the text */
	}
	s[n] = '\0';
	*len = n;
	return s;
}

/* a name (MX exchange, PTR target) as text without the trailing dot */
static char *rdata_name(const ldns_rdf *f, size_t *len)
{
	char *s;
	size_t n;

	if (!f || ldns_rdf_get_type(f) != LDNS_RDF_TYPE_DNAME || !(s = ldns_rdf2str(f)))
		return NULL;
	n = strlen(s);
	if (n > 1 && s[n - 1] == '.')
		s[--n] = '\0';
	*len = n;
	return s;
}

static char *rdata_bytes(const ldns_rdf *f, size_t want, size_t *len)
{
	char *s;

	if (!f || ldns_rdf_size(f) != want || !(s = malloc(want + 1)))
		return NULL;
	memcpy(s, ldns_rdf_data(f), want);
	s[want] = '\0';
	*len = want;
	return s;
}

static char *rdata_text(const ldns_rr *rr, int type, size_t *len)
{
	switch (type) {
	case LDNS_RR_TYPE_TXT:
		return rdata_txt(rr, len);
	case LDNS_RR_TYPE_A:
		return rdata_bytes(ldns_rr_rdf(rr, 0), 4, len);
	case LDNS_RR_TYPE_AAAA:
		return rdata_bytes(ldns_rr_rdf(rr, 0), 16, len);
	case LDNS_RR_TYPE_MX:
		return ldns_rr_rd_count(rr) == 2 ? rdata_name(ldns_rr_rdf(rr, 1), len) : NULL;
	case LDNS_RR_TYPE_PTR:
		return rdata_name(ldns_rr_rdf(rr, 0), len);
	}
	return NULL;
}

enum vdns_status vdns_query(struct vdns *v, const char *name, int type, struct vdns_answer *a)
{
	ldns_rdf *dname;
	ldns_pkt *p = NULL;
	ldns_rr_list *ans;
	ldns_status st;
	size_t i;
	long left;

	a->n = 0;
	if (!(left = budget_left(v)))
		return VDNS_TEMPFAIL;
	budget_apply(v, left);
	if (!name[0] || strlen(name) > 253 || !(dname = ldns_dname_new_frm_str(name)))
		return VDNS_NXDOMAIN;	/* not a name that can exist */
	st = ldns_resolver_send(&p, v->res, dname, (ldns_rr_type)type, LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_rdf_deep_free(dname);
	if (st != LDNS_STATUS_OK || !p) {
		if (p)
			ldns_pkt_free(p);
		return VDNS_TEMPFAIL;
	}
	if (ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN) {
		ldns_pkt_free(p);
		return VDNS_NXDOMAIN;
	}
	if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR) {
		ldns_pkt_free(p);
		return VDNS_TEMPFAIL;
	}
	ans = ldns_pkt_answer(p);
	for (i = 0; i < ldns_rr_list_rr_count(ans) && a->n < VDNS_RR_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		char *text;
		if ((int)ldns_rr_get_type(rr) != type)
			continue;	/* the CNAMEs of a chain the resolver followed */
		if ((text = rdata_text(rr, type, &a->len[a->n])))
			a->rr[a->n++] = text;
	}
	ldns_pkt_free(p);
	return a->n ? VDNS_OK : VDNS_NODATA;
}

/* prefix followed by the end, a space or ';' (RFC 7489 §6.4, RFC 7208 §4.5) */
static int has_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncasecmp(s, prefix, n) == 0 && (!s[n] || s[n] == ' ' || s[n] == ';');
}

enum vdns_status vdns_txt(struct vdns *v, const char *name, const char *prefix, char **record)
{
	struct vdns_answer a;
	enum vdns_status st = vdns_query(v, name, LDNS_RR_TYPE_TXT, &a);
	size_t i, found = 0, at = 0;

	*record = NULL;
	if (st != VDNS_OK)
		return st;
	for (i = 0; i < a.n; i++)
		if (has_prefix(a.rr[i], prefix)) {
			found++;
			at = i;
		}
	if (found == 1) {
		*record = a.rr[at];
		a.rr[at] = a.rr[--a.n];	/* ours now, not freed below */
	}
	vdns_answer_free(&a);
	return found == 0 ? VDNS_NODATA : found > 1 ? VDNS_PERMERROR : VDNS_OK;
}
