#ifndef TERN_DNS_H
#define TERN_DNS_H
/*
 * NAME
 *	dns - the relay's DNS questions (MX, AAAA, A) through ldns
 * SYNOPSIS
 *	struct dns *dns_open(const char *resolver, char *err, size_t errlen);
 *	struct dns *dns_open_dnssec(const char *resolver, char *err, size_t errlen);
 *	void dns_secure_begin(struct dns *d);
 *	int dns_secure(const struct dns *d);
 *	enum dns_status dns_tlsa(struct dns *d, const char *host, unsigned port,
 *	                         struct tls_tlsa *v, size_t max, size_t *n);
 *	struct dns *dns_open_dnssec(const char *resolver, char *err, size_t errlen);
void dns_secure_begin(struct dns *d);
int dns_secure(const struct dns *d);
void dns_close(struct dns *d);
 *	enum dns_status dns_mx(struct dns *d, const char *domain,
 *	                       struct mx_record *v, size_t max, size_t *n);
 *	enum dns_status dns_addrs(struct dns *d, const char *host,
 *	                          struct sockaddr_storage *v, size_t max, size_t *n);
 * DESCRIPTION
 *	dns_open() makes a resolver (resolver_new(), resolver.h): resolver is
 *	the configuration's "resolver" setting, an address with an optional port
 *	("127.0.0.53:5353", "[::1]:53", "::1", "192.0.2.1"); "" means
 *	/etc/resolv.conf. Each query
 *	waits DNS_TIMEOUT_S seconds (TERN_DNS_TIMEOUT in the environment, 1 to
 *	60, overrides it: tests and private instances) and is tried DNS_TRIES
 *	times; recursion is requested, search lists are never applied, a
 *	truncated UDP answer is asked again over TCP.
 *
 *	dns_open_dnssec() makes a resolver for the dnssec-resolver setting (an
 *	address, not ""): queries carry the DO bit and the AD bit of each answer
 *	is recorded. tern validates nothing itself: it trusts the AD bit of the
 *	resolver the administrator named (Postfix's model; the path to it must
 *	be trusted too, loopback in practice). dns_secure_begin() starts a
 *	span of lookups; dns_secure() says whether every answer since then
 *	had AD (always 0 for a dns_open() resolver), so a CNAME chain or an
 *	AAAA-then-A lookup is secure only when all of it was.
 *
 *	dns_tlsa() gives the TLSA records (RFC 6698) of _port._tcp.host, every
 *	one, usable or not (dane.h judges); each v[i].data is malloc'ed and the
 *	caller frees it. Records with a malformed RDATA are skipped.
 *
 *	dns_mx() gives the MX records of domain (preference and exchange name
 *	without the trailing dot; the null MX of RFC 7505 has the name "").
 *	dns_addrs() gives the AAAA then the A addresses of host (port 0).
 *	Both follow CNAMEs, inside one answer and by asking again, at most
 *	DNS_CNAME_MAX times. At most max entries are returned.
 * DIAGNOSTICS
 *	dns_open() returns NULL with err set. The lookups return DNS_OK,
 *	DNS_NODATA (the name exists, no record of the type), DNS_NXDOMAIN, or
 *	DNS_TEMPFAIL (SERVFAIL, REFUSED, a timeout, a malformed answer, a
 *	CNAME chain too long: try later).
 */
#include <stddef.h>
#include <sys/socket.h>

#include "relay/tls_client.h"	/* struct tls_tlsa */

#define DNS_TIMEOUT_S 5
#define DNS_TRIES 2
#define DNS_CNAME_MAX 8
#define DNS_NAME_MAX 256

enum dns_status { DNS_OK, DNS_NODATA, DNS_NXDOMAIN, DNS_TEMPFAIL };

struct mx_record {
	unsigned pref;
	char host[DNS_NAME_MAX];
};

struct dns;

struct dns *dns_open(const char *resolver, char *err, size_t errlen);
struct dns *dns_open_dnssec(const char *resolver, char *err, size_t errlen);
void dns_secure_begin(struct dns *d);
int dns_secure(const struct dns *d);
void dns_close(struct dns *d);
enum dns_status dns_mx(struct dns *d, const char *domain,
		       struct mx_record *v, size_t max, size_t *n);
enum dns_status dns_addrs(struct dns *d, const char *host,
			  struct sockaddr_storage *v, size_t max, size_t *n);
enum dns_status dns_tlsa(struct dns *d, const char *host, unsigned port,
			 struct tls_tlsa *v, size_t max, size_t *n);

#endif
