/* dane - RFC 7672 TLSA usability and the lookup verdict; see dane.h. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay/dane.h"

int dane_usable(const struct tls_tlsa *r)
{
	if (r->usage != 2 && r->usage != 3)	/* §3.1.3: PKIX-TA/EE unusable */
		return 0;
	if (r->selector > 1 || !r->data)
		return 0;
	switch (r->mtype) {
	case 0:
		return r->len > 0;
	case 1:
		return r->len == 32;
	case 2:
		return r->len == 64;
	default:
		return 0;
	}
}

static unsigned dane_port(const struct mx_target *t)
{
	if (t->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&t->ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&t->ss)->sin_port);
}

/* Keep the usable records of set, in order; free the others. */
static void dane_filter(struct dane_set *set)
{
	size_t i, o = 0;

	for (i = 0; i < set->n; i++) {
		if (dane_usable(&set->r[i]))
			set->r[o++] = set->r[i];
		else
			free(set->r[i].data);
	}
	set->n = o;
}

enum dane_verdict dane_lookup(struct dns *d, const struct mx_target *t,
			      struct dane_set *set, char *why, size_t len)
{
	enum dns_status st;
	unsigned port = dane_port(t);

	set->n = 0;
	why[0] = '\0';
	if (!t->dnssec || (t->ss.ss_family != AF_INET && t->ss.ss_family != AF_INET6)) {
		snprintf(why, len, "no DNSSEC-validated MX and address records");
		return DANE_NONE;
	}
	dns_secure_begin(d);
	st = dns_tlsa(d, t->host, port, set->r, DANE_TLSA_MAX, &set->n);
	if (st == DNS_TEMPFAIL) {
		dane_free(set);
		/* RFC 7672 §2.1.1: a failed TLSA lookup is no license to go on */
		snprintf(why, len, "TLSA lookup for _%u._tcp.%s failed", port, t->host);
		return DANE_DEFER;
	}
	if (!dns_secure(d) || st != DNS_OK) {
		dane_free(set);
		snprintf(why, len, "no DNSSEC-validated TLSA records for _%u._tcp.%s", port, t->host);
		return DANE_NONE;
	}
	dane_filter(set);
	if (!set->n) {
		snprintf(why, len, "no usable TLSA records for _%u._tcp.%s", port, t->host);
		return DANE_ENCRYPT;
	}
	return DANE_AUTH;
}

void dane_free(struct dane_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->r[i].data);
	set->n = 0;
}
