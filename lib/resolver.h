#ifndef TERN_RESOLVER_H
#define TERN_RESOLVER_H
/*
 * NAME
 *	resolver - an ldns resolver for tern.conf's resolver settings
 * SYNOPSIS
 *	#include <ldns/ldns.h>
 *
 *	ldns_resolver *resolver_new(const char *spec, char *err, size_t errlen);
 * DESCRIPTION
 *	The one place that turns a "resolver" or "dnssec-resolver" value of
 *	tern.conf(5) into an ldns resolver, for every program that asks DNS
 *	(the relay's workers, dnsbl(8)). spec is an address with an optional
 *	port ("127.0.0.53:5353", "[::1]:53", "::1", "192.0.2.1"); "" means
 *	the name servers of /etc/resolv.conf.
 *
 *	The resolver asks for recursion, never applies a search list or a
 *	default domain (every name tern asks is absolute), and asks again
 *	over TCP when a UDP answer is truncated. Timeouts and retries are the
 *	caller's to set.
 *
 *	Only glibc programs that link ldns use this module: the static musl
 *	smtpd and inject do no DNS, and their archive (musl/lib/libtern.a)
 *	leaves it out.
 * DIAGNOSTICS
 *	resolver_new() returns NULL with err set ("resolver 1.2.3: not an IP
 *	address").
 */
#include <stddef.h>

#include <ldns/ldns.h>

ldns_resolver *resolver_new(const char *spec, char *err, size_t errlen);

#endif
