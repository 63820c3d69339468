/*
 * client - the peer's address from the launcher's environment or the socket
 * (see client.h). Only the launcher and the kernel are believed: nothing
 * here is ever taken from what the client sends.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "client.h"

static void client_clear(struct client *c)
{
	c->known = 0;
	c->family = 0;
	strcpy(c->addr, "unknown");
	c->port[0] = '\0';
	c->host[0] = '\0';
}

/* Canonical text of a binary address; v4-mapped v6 is shown as v4. */
static void client_set_binary(struct client *c, int family, const void *bin)
{
	const unsigned char *b = bin;
	static const unsigned char mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

	if (family == AF_INET6 && memcmp(b, mapped, 12) == 0) {
		family = AF_INET;
		b += 12;
	}
	if (!inet_ntop(family, b, c->addr, sizeof c->addr)) {
		client_clear(c);
		return;
	}
	c->family = family;
	c->known = 1;
}

/* The reverse name goes into Received: as the Domain of RFC 5321 §4.4
 * TCP-info ("Domain FWS address-literal"): it must be one (§4.1.2 sub-domains
 * of letters, digits and inner hyphens, labels of 1 to 63, at most 255
 * octets, §4.5.3.1.2), or it is dropped. */
static int host_name_ok(const char *h)
{
	size_t n = strnlen(h, ADDR_DOMAIN_MAX + 1);

	return n > 0 && n <= ADDR_DOMAIN_MAX && addr_domain_valid(h, n);
}

static int port_ok(const char *p)
{
	size_t n = strlen(p), i;

	if (n == 0 || n > 5)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return atoi(p) <= 65535;
}

int client_set(struct client *c, const char *addr, const char *port, const char *host)
{
	unsigned char bin[16];

	client_clear(c);
	if (!addr)
		return -1;
	if (inet_pton(AF_INET, addr, bin) == 1)
		client_set_binary(c, AF_INET, bin);
	else if (inet_pton(AF_INET6, addr, bin) == 1)
		client_set_binary(c, AF_INET6, bin);
	else
		return -1;
	if (port && port_ok(port))
		strcpy(c->port, port);
	if (host && host_name_ok(host))
		strcpy(c->host, host);
	return 0;
}

static void client_from_socket(struct client *c, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	client_clear(c);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		client_set_binary(c, AF_INET, &sin->sin_addr);
		snprintf(c->port, sizeof c->port, "%u", (unsigned)ntohs(sin->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		client_set_binary(c, AF_INET6, &sin6->sin6_addr);
		snprintf(c->port, sizeof c->port, "%u", (unsigned)ntohs(sin6->sin6_port));
	}
}

void client_discover(struct client *c, int fd)
{
	if (client_set(c, getenv("REMOTE_ADDR"), getenv("REMOTE_PORT"), NULL) == 0)
		return;
	if (client_set(c, getenv("TCPREMOTEIP"), getenv("TCPREMOTEPORT"),
		       getenv("TCPREMOTEHOST")) == 0)
		return;
	client_from_socket(c, fd);
}

int client_format(const struct client *c, char *out, size_t outlen)
{
	int n;

	if (!c->known)
		n = snprintf(out, outlen, "unknown");
	else
		n = snprintf(out, outlen, "%s%s[%s%s]", c->host, c->host[0] ? " " : "",
			     c->family == AF_INET6 ? "IPv6:" : "", c->addr);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
