#ifndef TERN_TLSPOLICY_H
#define TERN_TLSPOLICY_H
/*
 * NAME
 *	tlspolicy - the relay's TLS policy per destination domain (tern.conf(5))
 * SYNOPSIS
 *	int tlspolicy_parse(const char *text, struct tls_rule *r, char *err, size_t errlen);
 *	enum tls_policy tlspolicy_find(const struct tls_rule *rules, size_t count,
 *	                               const char *domain);
 *	const char *tlspolicy_name(enum tls_policy p);
 * DESCRIPTION
 *	tlspolicy_parse() reads the value of a tls-policy setting, "DOMAIN
 *	POLICY": DOMAIN is a domain, an address literal or "*" (every domain
 *	without a rule of its own); POLICY one of
 *
 *	  none       never STARTTLS
 *	  may        STARTTLS when offered, any certificate (the default)
 *	  encrypt    STARTTLS required, any certificate
 *	  verify     STARTTLS required, the certificate chains to a trusted
 *	             CA and names the host connected to (RFC 6125)
 *	  dane       RFC 7672 opportunistic DANE: DANE when the host has usable
 *	             DNSSEC-validated TLSA records, encrypt when it has TLSA
 *	             records none of which is usable, else may
 *	  dane-only  dane, but a host without usable TLSA records is deferred
 *
 *	tlspolicy_find() gives the policy of the rule whose domain equals
 *	domain ignoring ASCII case, else that of "*", else TLS_MAY.
 *	tlspolicy_name() names a policy as tern.conf(5) spells it.
 * DIAGNOSTICS
 *	tlspolicy_parse() returns 0, or -1 with err set.
 */
#include <stddef.h>

enum tls_policy { TLS_NONE, TLS_MAY, TLS_ENCRYPT, TLS_VERIFY, TLS_DANE, TLS_DANE_ONLY };

struct tls_rule {
	char domain[256];	/* "*" for every other domain */
	enum tls_policy policy;
};

int tlspolicy_parse(const char *text, struct tls_rule *r, char *err, size_t errlen);
enum tls_policy tlspolicy_find(const struct tls_rule *rules, size_t count, const char *domain);
const char *tlspolicy_name(enum tls_policy p);

#endif
