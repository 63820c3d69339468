/*
 * fuzz_dns - the relay's handling of DNS answers (relay/dns.c) and the
 * next-hop decision built on them (relay/mx.c: MX sorting, null MX, CNAME
 * chains, implicit MX, loops to this host), with every answer made from
 * the input.
 *
 * ldns_resolver_send() is replaced at link time (-Wl,--wrap, see
 * t/fuzz/build.mk): each query takes the next packet of the input, in DNS
 * wire format, and turns it into an ldns_pkt with ldns_wire2pkt(), as ldns
 * does with what arrives from the network; when the input is used up the
 * query fails (a timeout). Nothing is ever sent.
 *
 * Input: one byte choosing the destination (an MX domain, an address
 * literal, a domain routed to smtp:host, one routed to smtp:[host]:port),
 * then packets, each a 2-byte big-endian length and that many bytes.
 * Checks: a plan holds 1..MX_TARGETS_MAX targets of a known family with a
 * port; a refusal is one of the verdicts mx.h lists.
 */
#include <netinet/in.h>
#include <ldns/ldns.h>

#include "fuzz.h"
#include "dnswire.h"
#include "relay/mx.h"

static struct config cfg;
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char conf[] = "hostname mx.example.test\naccept example.test\n"
		"resolver 127.0.0.1:53\nself-address 192.0.2.99\nsmtp-port 25\n"
		"route routed.test smtp:relay.example\n"
		"route direct.test smtp:[relay.example]:2525\n";
	char dir[64], err[512];
	int dfd;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_tmpdir(dir, "dns");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		abort();
	fuzz_write(dfd, "tern.conf", conf, sizeof conf - 1);
	if (config_load(dir, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_dns: %s\n", err);
		abort();
	}
	unlinkat(dfd, "tern.conf", 0);
	close(dfd);
	rmdir(dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const domains[] = {
		"example.test", "routed.test", "direct.test", "[192.0.2.7]",
	};
	struct mx_plan p;
	struct reply v;
	size_t i;

	if (size < 1)
		return 0;
	dnswire_packets = data + 1;
	dnswire_left = size - 1;
	memset(&p, 0, sizeof p);
	if (mx_plan(&cfg, domains[data[0] % 4], &p, &v) == 0) {
		if (p.n == 0 || p.n > MX_TARGETS_MAX)
			abort();
		for (i = 0; i < p.n; i++) {
			const struct sockaddr_in *sin = (const void *)&p.t[i].ss;
			if ((p.t[i].ss.ss_family != AF_INET && p.t[i].ss.ss_family != AF_INET6) ||
			    sin->sin_port == 0 || strlen(p.t[i].host) >= sizeof p.t[i].host)
				abort();
		}
	} else if (v.code != 550 && v.code != 556 && v.code != 554 && v.code != 451) {
		abort();
	}
	return 0;
}
