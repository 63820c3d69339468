#ifndef TERN_CIDR_H
#define TERN_CIDR_H
/*
 * NAME
 *	cidr - IPv4 and IPv6 networks in CIDR notation, and matching clients
 * SYNOPSIS
 *	int cidr_parse(const char *text, struct cidr *n, const char **why);
 *	int cidr_match(const struct cidr *n, const struct sockaddr *sa);
 *	int cidr_list_match(const struct cidr *nets, size_t count, const char *addrtext);
 * DESCRIPTION
 *	cidr_parse() reads "ADDRESS" or "ADDRESS/PREFIX" (the relay-net setting
 *	of tern.conf(5)): an address inet_pton() takes as IPv4 or IPv6, a decimal
 *	prefix of at most 32 or 128 bits (default: all of them), and no host bits
 *	set after the prefix ("10.0.0.1/8" is a mistake, not a network).
 *
 *	cidr_match() says whether the address in sa (AF_INET or AF_INET6) is in
 *	n. An IPv4 client also matches a ::ffff:0:0/96 network; an IPv4-mapped
 *	IPv6 client also matches an IPv4 network.
 *
 *	cidr_list_match() parses addrtext (IPv4, IPv6 or IPv4-mapped IPv6) and
 *	says whether it is in any of count networks.
 * DIAGNOSTICS
 *	cidr_parse() returns 0, or -1 with *why a short English reason ("prefix
 *	longer than 32"). The match functions return 1 or 0 (0 for text that is
 *	no address).
 */
#include <stddef.h>
#include <sys/socket.h>

struct cidr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

int cidr_parse(const char *text, struct cidr *n, const char **why);
int cidr_match(const struct cidr *n, const struct sockaddr *sa);
int cidr_list_match(const struct cidr *nets, size_t count, const char *addrtext);

#endif
