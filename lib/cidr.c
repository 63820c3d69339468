/*
 * cidr - relay networks: parsing "address/prefix" and matching a client's
 * address against them (see cidr.h). Addresses are compared as bytes in
 * network order, so IPv4 and IPv6 share one prefix comparison.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "cidr.h"
#include "str.h"

static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int cidr_parse(const char *text, struct cidr *n, const char **why)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long long prefix;
	unsigned maxp, i;

	memset(n, 0, sizeof *n);
	*why = "not an IPv4 or IPv6 address";
	if (hlen == 0 || hlen >= sizeof host)
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, n->addr) == 1)
		n->family = AF_INET, maxp = 32;
	else if (inet_pton(AF_INET6, host, n->addr) == 1)
		n->family = AF_INET6, maxp = 128;
	else
		return -1;
	n->prefix = maxp;
	if (slash) {
		if (str_parse_ull(slash + 1, strlen(slash + 1), &prefix) < 0) {
			*why = "prefix is not a number";
			return -1;
		}
		if (prefix > maxp) {
			*why = maxp == 32 ? "prefix longer than 32" : "prefix longer than 128";
			return -1;
		}
		n->prefix = (unsigned)prefix;
	}
	for (i = n->prefix; i < maxp; i++)
		if (n->addr[i / 8] & (0x80 >> (i % 8))) {
			*why = "host bits set after the prefix";
			return -1;
		}
	return 0;
}

static int prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int cidr_match(const struct cidr *n, const struct sockaddr *sa)
{
	unsigned char v6[16];
	const unsigned char *a;

	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		if (n->family == AF_INET)
			return prefix_equal(n->addr, a, n->prefix);
		memcpy(v6, v4mapped, 12);
		memcpy(v6 + 12, a, 4);
		return n->family == AF_INET6 && prefix_equal(n->addr, v6, n->prefix);
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (n->family == AF_INET6)
		return prefix_equal(n->addr, a, n->prefix);
	return n->family == AF_INET && memcmp(a, v4mapped, 12) == 0 &&
	       prefix_equal(n->addr, a + 12, n->prefix);
}

int cidr_list_match(const struct cidr *nets, size_t count, const char *addrtext)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	const struct sockaddr *sa;
	size_t i;

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (!addrtext)
		return 0;
	if (inet_pton(AF_INET, addrtext, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		sa = (const struct sockaddr *)&s4;
	} else if (inet_pton(AF_INET6, addrtext, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		sa = (const struct sockaddr *)&s6;
	} else {
		return 0;
	}
	for (i = 0; i < count; i++)
		if (cidr_match(&nets[i], sa))
			return 1;
	return 0;
}
