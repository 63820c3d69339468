#ifndef TERN_DANE_H
#define TERN_DANE_H
/*
 * NAME
 *	dane - what RFC 7672 makes of an SMTP server's TLSA records (runs in
 *	a delivery worker)
 * SYNOPSIS
 *	int dane_usable(const struct tls_tlsa *r);
 *	enum dane_verdict dane_lookup(struct dns *d, const struct mx_target *t,
 *	                              struct dane_set *set, char *why, size_t len);
 *	void dane_free(struct dane_set *set);
 * DESCRIPTION
 *	dane_usable() says whether a TLSA record can authenticate an SMTP
 *	server (RFC 7672 §3.1.3): usage DANE-TA(2) or DANE-EE(3) (PKIX-TA(0)
 *	and PKIX-EE(1) are unusable for SMTP), selector Cert(0) or SPKI(1),
 *	matching type Full(0) (data present), SHA2-256(1) (32 bytes) or
 *	SHA2-512(2) (64 bytes); anything else is unusable.
 *
 *	dane_lookup() decides for target t (an address of an MX host or a
 *	route's host, mx.h), with d a dns_open_dnssec() resolver:
 *	  DANE_NONE     no DANE: t was not reached by validated DNS (an
 *	                insecure MX or address lookup, RFC 7672 §2.2), or the
 *	                TLSA answer was not validated, or validated with no
 *	                record (secure NXDOMAIN or NODATA); the caller goes on
 *	                as the policy says (dane: may);
 *	  DANE_ENCRYPT  validated TLSA records, none usable: mandatory TLS
 *	                without authentication (§2.2, §3.1.3);
 *	  DANE_AUTH     validated, usable records: set holds them (the
 *	                unusable ones dropped), the server must match one;
 *	  DANE_DEFER    the TLSA lookup failed (SERVFAIL, bogus, timeout:
 *	                §2.1.1 forbids going on without it); why says so.
 *	The port of the TLSA name is t's (_25._tcp.HOST for port 25); HOST is
 *	the MX host name, never the name a CNAME led to. dane_free() frees
 *	the records' data.
 * DIAGNOSTICS
 *	See the verdicts.
 */
#include <stddef.h>

#include "relay/dns.h"
#include "relay/mx.h"
#include "relay/tls_client.h"

#define DANE_TLSA_MAX 16

enum dane_verdict { DANE_NONE, DANE_ENCRYPT, DANE_AUTH, DANE_DEFER };

struct dane_set {
	struct tls_tlsa r[DANE_TLSA_MAX];
	size_t n;
};

int dane_usable(const struct tls_tlsa *r);
enum dane_verdict dane_lookup(struct dns *d, const struct mx_target *t,
			      struct dane_set *set, char *why, size_t len);
void dane_free(struct dane_set *set);

#endif
