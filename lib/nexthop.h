#ifndef TERN_NEXTHOP_H
#define TERN_NEXTHOP_H
/*
 * NAME
 *	nexthop - where the relay sends a domain's mail: next hops and routes
 * SYNOPSIS
 *	int nexthop_parse(const char *text, struct nexthop *n, char *err, size_t errlen);
 *	int nexthop_format(struct str *out, const struct nexthop *n);
 *	int route_parse(const char *text, struct route *r, char *err, size_t errlen);
 *	const struct route *route_find(const struct route *routes, size_t count,
 *	                               const char *domain);
 * DESCRIPTION
 *	nexthop_parse() reads one next hop of tern.conf(5):
 *
 *	  smtp:[host]:port   SMTP to host itself (NEXTHOP_SMTP)
 *	  smtp:host:port     SMTP to the MX hosts of host (NEXTHOP_SMTP_MX)
 *	  lmtp:[host]:port   LMTP over TCP, never an MX lookup (RFC 2033)
 *	  lmtp:unix:/path    LMTP over a unix socket (absolute, < 108 bytes)
 *	  maildir:/path      Maildir delivery by the relay (NEXTHOP_MAILDIR):
 *	                     path is a template, absolute, < 256 bytes, in
 *	                     which %d stands for the recipient's domain, %u
 *	                     for its local part and %% for "%" (maildir.h);
 *	                     no other "%", no "." or ".." component
 *
 *	The port is optional (0 in n: the kind's default); host is a domain
 *	(RFC 5321 §4.1.2) or an IPv4 or IPv6 address, brackets allowing IPv6
 *	with a port. nexthop_format() appends the same syntax to out.
 *
 *	route_parse() reads the value of a route setting, "DOMAIN NEXTHOP",
 *	where DOMAIN is a domain, an address literal or "*" (the default route).
 *	route_find() gives the route whose domain equals domain ignoring ASCII
 *	case, else the "*" route, else NULL (then: the MX lookup).
 * DIAGNOSTICS
 *	nexthop_parse() and route_parse() return 0, or -1 with err set to the
 *	problem ("'smtp:[a': missing ']'"). nexthop_format() returns 0 or -1
 *	as str_append().
 */
#include <stddef.h>

#include "str.h"

enum nexthop_kind {
	NEXTHOP_SMTP, NEXTHOP_SMTP_MX, NEXTHOP_LMTP_TCP, NEXTHOP_LMTP_UNIX, NEXTHOP_MAILDIR
};

struct nexthop {
	enum nexthop_kind kind;
	char host[256];		/* host name or address; socket path for LMTP_UNIX;
				   path template for MAILDIR */
	unsigned port;		/* 0: the default for the kind */
};

struct route {
	char domain[256];	/* "*" for the default route */
	struct nexthop hop;
};

int nexthop_parse(const char *text, struct nexthop *n, char *err, size_t errlen);
int nexthop_format(struct str *out, const struct nexthop *n);
int route_parse(const char *text, struct route *r, char *err, size_t errlen);
const struct route *route_find(const struct route *routes, size_t count, const char *domain);

#endif
