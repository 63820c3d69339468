#ifndef TERN_FUZZ_DNSWIRE_H
#define TERN_FUZZ_DNSWIRE_H
/*
 * dnswire - DNS answers from the fuzz input, for the harnesses that
 * link with -Wl,--wrap=ldns_resolver_send (t/fuzz/build.mk): each query
 * takes the next packet of dnswire_packets (a 2-byte big-endian length
 * and that many bytes, DNS wire format) through ldns_wire2pkt(), as ldns
 * does with what arrives from the network; when the input is used up the
 * query fails (a timeout). Nothing is ever sent.
 */
#include <ldns/ldns.h>

static const uint8_t *dnswire_packets;
static size_t dnswire_left;

ldns_status __wrap_ldns_resolver_send(ldns_pkt **answer, ldns_resolver *r, const ldns_rdf *name,
				      ldns_rr_type t, ldns_rr_class c, uint16_t flags);

ldns_status __wrap_ldns_resolver_send(ldns_pkt **answer, ldns_resolver *r, const ldns_rdf *name,
				      ldns_rr_type t, ldns_rr_class c, uint16_t flags)
{
	size_t n;
	ldns_status st;

	(void)r;
	(void)name;
	(void)t;
	(void)c;
	(void)flags;
	*answer = NULL;
	if (dnswire_left < 2)
		return LDNS_STATUS_NETWORK_ERR;
	n = (size_t)dnswire_packets[0] << 8 | dnswire_packets[1];
	dnswire_packets += 2;
	dnswire_left -= 2;
	if (n > dnswire_left)
		n = dnswire_left;
	st = ldns_wire2pkt(answer, dnswire_packets, n);
	dnswire_packets += n;
	dnswire_left -= n;
	if (st != LDNS_STATUS_OK)
		*answer = NULL;
	return st;
}

#endif
