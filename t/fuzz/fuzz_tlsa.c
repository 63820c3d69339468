/*
 * fuzz_tlsa - the relay's DANE decision (relay/dane.c over relay/dns.c's
 * TLSA lookup): what RFC 7672 makes of a DNSSEC resolver's TLSA answer,
 * with every answer made from the input.
 *
 * ldns_resolver_send() is replaced at link time as in fuzz_dns: each query
 * takes the next packet of the input (DNS wire format, through
 * ldns_wire2pkt()); when the input is used up the query fails.
 *
 * Input: one byte choosing the target (bit 0: port 25 or 587; bit 1: IPv4
 * or IPv6; bit 2: whether its MX and address records were validated),
 * then packets, each a 2-byte big-endian length and that many bytes.
 * Checks: the verdict is one dane.h lists; DANE_AUTH holds 1 to
 * DANE_TLSA_MAX records, every one usable (dane_usable()) with its data;
 * every other verdict holds none; the reason is printable text.
 */
#include <netinet/in.h>
#include <ldns/ldns.h>

#include "fuzz.h"
#include "dnswire.h"
#include "relay/dane.h"

static struct dns *dns;
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	if (!(dns = dns_open_dnssec("127.0.0.1:53", err, sizeof err))) {
		fprintf(stderr, "fuzz_tlsa: %s\n", err);
		abort();
	}
	return 0;
}

/* The target: mx.example.test at a documentation address. */
static void tlsa_target(struct mx_target *t, uint8_t how)
{
	unsigned short port = how & 1 ? 587 : 25;

	memset(t, 0, sizeof *t);
	strcpy(t->host, "mx.example.test");
	t->dnssec = (how & 4) != 0;
	if (how & 2) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		t->sslen = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&t->ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		t->sslen = sizeof *s4;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_target t;
	struct dane_set set;
	enum dane_verdict v;
	char why[512];
	size_t i;

	if (size < 1)
		return 0;
	tlsa_target(&t, data[0]);
	dnswire_packets = data + 1;
	dnswire_left = size - 1;
	v = dane_lookup(dns, &t, &set, why, sizeof why);
	if (v != DANE_NONE && v != DANE_ENCRYPT && v != DANE_AUTH && v != DANE_DEFER)
		abort();
	if ((v == DANE_AUTH) != (set.n > 0) || set.n > DANE_TLSA_MAX)
		abort();
	for (i = 0; i < set.n; i++)
		if (!dane_usable(&set.r[i]) || !set.r[i].data || !set.r[i].len)
			abort();
	if (strnlen(why, sizeof why) == sizeof why)
		abort();
	for (i = 0; why[i]; i++)
		if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
			abort();
	dane_free(&set);
	return 0;
}
