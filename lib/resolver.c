/*
 * resolver - an ldns resolver for tern.conf's resolver settings (see
 * resolver.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "resolver.h"

/* "HOST", "HOST:PORT", "[V6]:PORT" or a bare IPv6 address into host and port. */
static int resolver_split(const char *spec, char *host, size_t hostlen, unsigned *port)
{
	const char *colon, *end;
	size_t n;

	*port = 53;
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (!end)
			return -1;
		n = (size_t)(end - spec - 1);
		spec++;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (!colon && end[1])
			return -1;
	} else {
		colon = strchr(spec, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;	/* a bare IPv6 address */
		n = colon ? (size_t)(colon - spec) : strlen(spec);
	}
	if (!n || n >= hostlen)
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (colon) {
		char *e;
		unsigned long p;
		errno = 0;
		p = strtoul(colon + 1, &e, 10);
		if (errno || e == colon + 1 || *e || !p || p > 65535)
			return -1;
		*port = (unsigned)p;
	}
	return 0;
}

static ldns_resolver *resolver_from_spec(const char *spec, char *err, size_t errlen)
{
	char host[64];
	unsigned port;
	ldns_rdf *ns;
	ldns_resolver *res;

	if (resolver_split(spec, host, sizeof host, &port) < 0) {
		snprintf(err, errlen, "resolver %s: not ADDRESS[:PORT]", spec);
		return NULL;
	}
	ns = ldns_rdf_new_frm_str(strchr(host, ':') ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, host);
	if (!ns) {
		snprintf(err, errlen, "resolver %s: not an IP address", spec);
		return NULL;
	}
	res = ldns_resolver_new();
	if (!res || ldns_resolver_push_nameserver(res, ns) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "resolver %s: out of memory", spec);
		if (res)
			ldns_resolver_deep_free(res);
		ldns_rdf_deep_free(ns);
		return NULL;
	}
	ldns_rdf_deep_free(ns);
	ldns_resolver_set_port(res, (uint16_t)port);
	return res;
}

ldns_resolver *resolver_new(const char *spec, char *err, size_t errlen)
{
	ldns_resolver *res = NULL;

	if (spec && *spec) {
		res = resolver_from_spec(spec, err, errlen);
	} else if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "resolver: cannot read /etc/resolv.conf");
		res = NULL;
	}
	if (!res)
		return NULL;
	ldns_resolver_set_recursive(res, true);
	ldns_resolver_set_defnames(res, false);
	ldns_resolver_set_dnsrch(res, false);
	ldns_resolver_set_fallback(res, true);
	return res;
}
