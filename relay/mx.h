#ifndef TERN_MX_H
#define TERN_MX_H
/*
 * NAME
 *	mx - the next hop of a destination domain: route, address literal or MX
 * SYNOPSIS
 *	void mx_sort(struct mx_record *v, size_t n, mx_random_fn *rnd, void *arg);
 *	size_t mx_drop_self(struct mx_record *v, size_t n, const char *self);
 *	int mx_literal(const char *domain, struct sockaddr_storage *ss);
 *	int mx_plan(const struct config *c, const char *domain, struct mx_plan *p,
 *	            struct reply *verdict);
 *	void mx_key(const struct config *c, const char *domain, char *key, size_t len);
 *	void mx_key_of_hop(const struct config *c, const struct nexthop *h,
 *	                   char *key, size_t len);
 * DESCRIPTION
 *	mx_sort() orders MX records by preference, lowest first, and shuffles
 *	records of equal preference (RFC 5321 §5.1) with rnd(bound, arg), which
 *	returns a number below bound.
 *
 *	mx_drop_self() applies RFC 5321 §5.1 when this host (name self) is one
 *	of the sorted exchanges: it and every record of equal or higher
 *	preference are dropped. Returns the new count (0: mail loops back to
 *	myself).
 *
 *	mx_literal() parses an address literal domain, "[192.0.2.1]" or
 *	"[IPv6:2001:db8::1]" (RFC 5321 §4.1.3); returns 0 (port 0) or -1.
 *
 *	mx_plan() decides where mail for domain goes, in this order:
 *	  - the route of config_route_for(): smtp:[host]:port (the host's
 *	    AAAA/A, no MX lookup; port 0 means smtp-port), smtp:host (the MX
 *	    of host), lmtp:[host]:port (default port 24), lmtp:unix:/path;
 *	  - an address literal: that address, smtp-port;
 *	  - the MX records of domain from the resolver setting, each exchange
 *	    to its AAAA and A addresses, smtp-port; no MX records: the
 *	    domain's own addresses (implicit MX, RFC 5321 §5.1).
 *	Loops (RFC 5321 §5.1): an exchange is this host when its name is the
 *	hostname setting (mx_drop_self()) or when one of its addresses is this
 *	host's: an address of one of its interfaces (getifaddrs(3)), one of the
 *	self-address settings, or 0.0.0.0 or ::. That exchange and every one of
 *	equal or higher preference are dropped; none left: a loop. The domain
 *	itself under implicit MX, and an address literal, are a loop when they
 *	are this host by the same rules. A route's smtp:host is an MX lookup
 *	and gets the same checks; smtp:[host]:port and lmtp: routes are never
 *	checked: an administrator who names the next hop means it.
 *	For a domain whose tls-policy is dane or dane-only every lookup goes
 *	to the dnssec-resolver (dns_open_dnssec()), and a target is marked
 *	dnssec when the MX RRset (or its secure denial, for implicit MX; a
 *	route's own host counts as secure) and the host's address records
 *	all came with the AD bit (RFC 7672 §2.2): only then are its TLSA
 *	records looked up (dane.h).
 *	p receives the addresses in the order to try (at most MX_TARGETS_MAX,
 *	from at most MX_HOSTS_MAX exchanges), each with its host name, whether
 *	to speak LMTP, and the key of its destination.
 *
 *	mx_key() names the destination of domain without any lookup: the next
 *	hop the mail goes to, as Postfix counts destinations. For a routed
 *	domain it is the route's next hop in tern.conf(5) syntax with the host
 *	in lower case and the port filled in ("smtp:[smart.example]:587",
 *	"smtp:relay.example:25" for an MX lookup of relay.example,
 *	"lmtp:[::1]:24", "lmtp:unix:/run/dovecot/lmtp"), so every domain routed
 *	to one host shares one destination; for an address literal it is
 *	"literal:" and the literal; otherwise (MX delivery) "mx:" and the
 *	domain. Workers keep connections by this key (deliver.h) and the
 *	scheduler counts concurrency and backs destinations off by it
 *	(scheduler.h). At most MX_KEY_MAX bytes with the NUL. mx_key_of_hop()
 *	is the key of the next hop h alone (a route's part of mx_key()).
 * DIAGNOSTICS
 *	mx_plan() returns 0, or -1 with verdict set to the result every
 *	recipient gets:
 *	  550 5.1.2  the domain does not exist (NXDOMAIN)
 *	  556 5.1.10 the domain accepts no mail (null MX, RFC 7505 §3)
 *	  554 5.4.6  mail loops back to myself (the best MX is this host)
 *	  451 4.3.0  this host's addresses cannot be listed (getifaddrs)
 *	  550 5.4.4  no exchange or host has an address
 *	  451 4.4.3  DNS failure or timeout, try later
 *	  451 4.3.5  the resolver setting is unusable
 */
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "relay/dns.h"
#include "relay/reply.h"

#define MX_HOSTS_MAX 10
#define MX_TARGETS_MAX 20
#define MX_KEY_MAX 320
#define MX_LMTP_PORT 24	/* an lmtp:[host] route without a port (RFC 2033: never 25) */

struct mx_target {
	char host[DNS_NAME_MAX];
	struct sockaddr_storage ss;	/* port set; AF_UNIX for lmtp:unix: */
	socklen_t sslen;
	int dnssec;	/* the MX (or route host) and address records were validated */
};

struct mx_plan {
	int lmtp;
	char key[MX_KEY_MAX];
	struct mx_target t[MX_TARGETS_MAX];
	size_t n;
};

typedef unsigned mx_random_fn(unsigned bound, void *arg);

void mx_sort(struct mx_record *v, size_t n, mx_random_fn *rnd, void *arg);
size_t mx_drop_self(struct mx_record *v, size_t n, const char *self);
int mx_literal(const char *domain, struct sockaddr_storage *ss);
int mx_plan(const struct config *c, const char *domain, struct mx_plan *p,
	    struct reply *verdict);
void mx_key(const struct config *c, const char *domain, char *key, size_t len);
void mx_key_of_hop(const struct config *c, const struct nexthop *h, char *key, size_t len);

#endif
