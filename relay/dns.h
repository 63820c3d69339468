#ifndef TERN_DNS_H
#define TERN_DNS_H
/*
 * NAME
 *	dns - the relay's DNS questions (MX, AAAA, A) through ldns
 * SYNOPSIS
 *	struct dns *dns_open(const char *resolver, char *err, size_t errlen);
 *	void dns_close(struct dns *d);
 *	enum dns_status dns_mx(struct dns *d, const char *domain,
 *	                       struct mx_record *v, size_t max, size_t *n);
 *	enum dns_status dns_addrs(struct dns *d, const char *host,
 *	                          struct sockaddr_storage *v, size_t max, size_t *n);
 * DESCRIPTION
 *	dns_open() makes a resolver: resolver is the configuration's
 *	"resolver" setting, an address with an optional port ("127.0.0.53:5353",
 *	"[::1]:53", "::1", "192.0.2.1"); "" means /etc/resolv.conf. Each query
 *	waits DNS_TIMEOUT_S seconds (TERN_DNS_TIMEOUT in the environment, 1 to
 *	60, overrides it: tests and private instances) and is tried DNS_TRIES
 *	times; recursion is requested, search lists are never applied, a
 *	truncated UDP answer is asked again over TCP.
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
void dns_close(struct dns *d);
enum dns_status dns_mx(struct dns *d, const char *domain,
		       struct mx_record *v, size_t max, size_t *n);
enum dns_status dns_addrs(struct dns *d, const char *host,
			  struct sockaddr_storage *v, size_t max, size_t *n);

#endif
