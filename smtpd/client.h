#ifndef TERN_SMTPD_CLIENT_H
#define TERN_SMTPD_CLIENT_H
/*
 * NAME
 *	client - who is on the other end of smtpd's fd 0, as the launcher says
 * SYNOPSIS
 *	void client_discover(struct client *c, int fd);
 *	int client_set(struct client *c, const char *addr, const char *port,
 *	               const char *host);
 *	int client_format(const struct client *c, char *out, size_t outlen);
 * DESCRIPTION
 *	client_discover() fills c from, in order: REMOTE_ADDR and REMOTE_PORT
 *	(systemd Accept=yes), TCPREMOTEIP, TCPREMOTEPORT and TCPREMOTEHOST
 *	(tcpserver, UCSPI), getpeername(fd). A session on a pipe or file has
 *	c->known == 0 and c->addr "unknown". None of this comes from the client:
 *	an address is used only if inet_pton() parses it (a source whose address
 *	does not parse is skipped as if absent, so the next one is asked); a port
 *	only if it is 1 to 5 digits up to 65535; the reverse name only with
 *	TCPREMOTEIP, and only if it is an RFC 5321 Domain (addr_domain_valid():
 *	labels of letters, digits and inner hyphens, at most 255 octets), since
 *	it is written into Received: as the Domain of TCP-info (RFC 5321 §4.4).
 *	Which name tcpserver sets is its business: run it with -p, so that the
 *	PTR name is kept only when it resolves back to the client's address.
 *	An IPv4-mapped IPv6 address is shown as IPv4.
 *
 *	client_set() does the same checks for given strings (NULL: absent) and
 *	returns 0, or -1 when addr is absent or not an address (then c is
 *	"unknown").
 *
 *	client_format() writes the RFC 5321 §4.4 TCP-info for a Received line:
 *	"host [192.0.2.1]", "[IPv6:2001:db8::1]" or "unknown"; -1 if it does
 *	not fit.
 */
#include <stddef.h>
#include <arpa/inet.h>

struct client {
	int known;
	int family;			/* AF_INET or AF_INET6 when known */
	char addr[INET6_ADDRSTRLEN];	/* canonical text, or "unknown" */
	char port[8];			/* "" when not known */
	char host[256];			/* reverse name, "" when not given */
};

void client_discover(struct client *c, int fd);
int client_set(struct client *c, const char *addr, const char *port, const char *host);
int client_format(const struct client *c, char *out, size_t outlen);

#endif
