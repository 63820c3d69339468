/* test_mx - MX ordering, self-loop rule, address literals, next-hop selection (relay/mx.c) */
#include <arpa/inet.h>
#include <check.h>
#include "t/unit/check_main.h"
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "relay/mx.h"

static unsigned rnd(unsigned bound, void *arg)
{
	(void)arg;
	return (unsigned)random() % bound;
}

static void mx_set(struct mx_record *v, unsigned pref, const char *host)
{
	v->pref = pref;
	strcpy(v->host, host);
}

START_TEST(sort_by_preference)
{
	struct mx_record v[4];

	mx_set(&v[0], 30, "c");
	mx_set(&v[1], 10, "a");
	mx_set(&v[2], 65535, "d");
	mx_set(&v[3], 20, "b");
	mx_sort(v, 4, rnd, NULL);
	ck_assert_str_eq(v[0].host, "a");
	ck_assert_str_eq(v[1].host, "b");
	ck_assert_str_eq(v[2].host, "c");
	ck_assert_str_eq(v[3].host, "d");
}
END_TEST

/* three of preference 10 between one of 5 and one of 20: all 6 orders seen, order kept */
START_TEST(equal_preferences_shuffled)
{
	int seen[6] = { 0 };
	int run, i;

	srandom(1);
	for (run = 0; run < 600; run++) {
		struct mx_record v[5];
		mx_set(&v[0], 20, "z");
		mx_set(&v[1], 10, "a");
		mx_set(&v[2], 10, "b");
		mx_set(&v[3], 5, "first");
		mx_set(&v[4], 10, "c");
		mx_sort(v, 5, rnd, NULL);
		ck_assert_str_eq(v[0].host, "first");
		ck_assert_str_eq(v[4].host, "z");
		for (i = 1; i < 4; i++)
			ck_assert_uint_eq(v[i].pref, 10);
		/* permutation index of a, b, c in v[1..3] */
		int a = v[1].host[0] - 'a', b = v[2].host[0] - 'a';
		seen[a * 2 + (b > a ? b - 1 : b)]++;
	}
	for (i = 0; i < 6; i++)
		ck_assert_msg(seen[i] > 50, "permutation %d seen %d times", i, seen[i]);
}
END_TEST

START_TEST(drop_self)
{
	struct mx_record v[4];

	mx_set(&v[0], 10, "a.test");
	mx_set(&v[1], 20, "MX.Example.Test.");
	mx_set(&v[2], 20, "b.test");
	mx_set(&v[3], 30, "c.test");
	ck_assert_uint_eq(mx_drop_self(v, 4, "mx.example.test"), 1);
	ck_assert_uint_eq(mx_drop_self(v, 4, "other.test"), 4);
	ck_assert_uint_eq(mx_drop_self(v, 4, "a.test"), 0);
	ck_assert_uint_eq(mx_drop_self(v, 0, "a.test"), 0);
}
END_TEST

START_TEST(literals)
{
	struct sockaddr_storage ss;
	char text[64];

	ck_assert_int_eq(mx_literal("[192.0.2.1]", &ss), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text, sizeof text);
	ck_assert_str_eq(text, "192.0.2.1");
	ck_assert_int_eq(mx_literal("[IPv6:2001:db8::1]", &ss), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_int_eq(mx_literal("[ipv6:::1]", &ss), 0);
	ck_assert_int_eq(mx_literal("192.0.2.1", &ss), -1);
	ck_assert_int_eq(mx_literal("[192.0.2.256]", &ss), -1);
	ck_assert_int_eq(mx_literal("[2001:db8::1]", &ss), -1);
	ck_assert_int_eq(mx_literal("[IPv6:1.2.3.4]", &ss), -1);
	ck_assert_int_eq(mx_literal("[]", &ss), -1);
	ck_assert_int_eq(mx_literal("[192.0.2.1", &ss), -1);
}
END_TEST

static struct config cfg;
static struct route routes[4];

static void cfg_setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	strcpy(cfg.hostname, "mx.example.test");
	cfg.smtp_port = 2525;
	strcpy(cfg.resolver, "bad resolver");	/* routes to addresses never need it */
	memset(routes, 0, sizeof routes);
	strcpy(routes[0].domain, "smart.test");
	routes[0].hop = (struct nexthop){ NEXTHOP_SMTP, "192.0.2.7", 587 };
	strcpy(routes[1].domain, "lmtp.test");
	routes[1].hop = (struct nexthop){ NEXTHOP_LMTP_UNIX, "/run/dovecot/lmtp", 0 };
	strcpy(routes[2].domain, "lmtptcp.test");
	routes[2].hop = (struct nexthop){ NEXTHOP_LMTP_TCP, "[IPv6:::1]", 0 };
	strcpy(routes[3].domain, "noport.test");
	routes[3].hop = (struct nexthop){ NEXTHOP_SMTP, "192.0.2.8", 0 };
	cfg.routes = routes;
	cfg.nroutes = 4;
}

static unsigned port_of(const struct mx_target *t)
{
	if (t->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&t->ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&t->ss)->sin_port);
}

START_TEST(plan_routes_and_literals)
{
	static struct mx_plan p;
	struct reply v;

	cfg_setup();
	ck_assert_int_eq(mx_plan(&cfg, "smart.test", &p, &v), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_int_eq(p.lmtp, 0);
	ck_assert_uint_eq(port_of(&p.t[0]), 587);
	ck_assert_str_eq(p.t[0].host, "192.0.2.7");

	ck_assert_int_eq(mx_plan(&cfg, "noport.test", &p, &v), 0);
	ck_assert_uint_eq(port_of(&p.t[0]), 2525);

	ck_assert_int_eq(mx_plan(&cfg, "lmtp.test", &p, &v), 0);
	ck_assert_int_eq(p.lmtp, 1);
	ck_assert_int_eq(p.t[0].ss.ss_family, AF_UNIX);
	ck_assert_str_eq(((struct sockaddr_un *)&p.t[0].ss)->sun_path, "/run/dovecot/lmtp");

	ck_assert_int_eq(mx_plan(&cfg, "lmtptcp.test", &p, &v), 0);
	ck_assert_int_eq(p.lmtp, 1);
	ck_assert_int_eq(p.t[0].ss.ss_family, AF_INET6);
	ck_assert_uint_eq(port_of(&p.t[0]), 24);

	ck_assert_int_eq(mx_plan(&cfg, "[192.0.2.9]", &p, &v), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_uint_eq(port_of(&p.t[0]), 2525);
	ck_assert_str_eq(p.key, "literal:[192.0.2.9]");

	ck_assert_int_eq(mx_plan(&cfg, "[192.0.2.300]", &p, &v), -1);
	ck_assert_int_eq(v.code, 553);
}
END_TEST

START_TEST(plan_keys)
{
	char a[320], b[320];

	cfg_setup();
	mx_key(&cfg, "smart.test", a, sizeof a);
	mx_key(&cfg, "noport.test", b, sizeof b);
	ck_assert_str_ne(a, b);
	mx_key(&cfg, "plain.test", a, sizeof a);
	ck_assert_str_eq(a, "mx:plain.test");
}
END_TEST

START_TEST(plan_bad_resolver)
{
	static struct mx_plan p;
	struct reply v;

	cfg_setup();
	strcpy(cfg.resolver, "not-an-address");
	ck_assert_int_eq(mx_plan(&cfg, "plain.test", &p, &v), -1);
	ck_assert_int_eq(v.code, 451);
	ck_assert_str_eq(v.enhanced, "4.3.5");
}
END_TEST

/*
 * An address literal that is this host is a loop: a self-address (also as
 * v4-mapped IPv6), the unspecified addresses, an interface's address. A route
 * to a self-address is obeyed.
 */
START_TEST(plan_self_addresses)
{
	static struct mx_plan p;
	struct reply v;
	struct cidr self[2];
	const char *why;

	cfg_setup();
	ck_assert_int_eq(cidr_parse("198.51.100.9", &self[0], &why), 0);
	ck_assert_int_eq(cidr_parse("2001:db8::9", &self[1], &why), 0);
	ck_assert_int_eq(mx_plan(&cfg, "[198.51.100.9]", &p, &v), 0);	/* not yet this host */
	cfg.self_addrs = self;
	cfg.nself_addrs = 2;
	ck_assert_int_eq(mx_plan(&cfg, "[198.51.100.9]", &p, &v), -1);
	ck_assert_int_eq(v.code, 554);
	ck_assert_str_eq(v.enhanced, "5.4.6");
	ck_assert_str_eq(v.text, "mail for [198.51.100.9] loops back to myself");
	ck_assert_int_eq(mx_plan(&cfg, "[IPv6:::ffff:198.51.100.9]", &p, &v), -1);
	ck_assert_int_eq(v.code, 554);
	ck_assert_int_eq(mx_plan(&cfg, "[IPv6:2001:DB8::9]", &p, &v), -1);
	ck_assert_int_eq(v.code, 554);
	ck_assert_int_eq(mx_plan(&cfg, "[198.51.100.10]", &p, &v), 0);
	ck_assert_int_eq(mx_plan(&cfg, "[0.0.0.0]", &p, &v), -1);
	ck_assert_int_eq(v.code, 554);
	ck_assert_int_eq(mx_plan(&cfg, "[IPv6:::]", &p, &v), -1);
	ck_assert_int_eq(v.code, 554);

	/* routes bypass the check: 192.0.2.7 made this host, smart.test still goes there */
	ck_assert_int_eq(cidr_parse("192.0.2.7", &self[0], &why), 0);
	ck_assert_int_eq(mx_plan(&cfg, "smart.test", &p, &v), 0);
	ck_assert_str_eq(p.t[0].host, "192.0.2.7");
	ck_assert_int_eq(mx_plan(&cfg, "[192.0.2.7]", &p, &v), -1);
}
END_TEST

/* Every IPv4 and IPv6 address of this host's interfaces is this host. */
START_TEST(plan_interface_addresses)
{
	static struct mx_plan p;
	struct ifaddrs *ifa, *i;
	struct reply v;
	char lit[INET6_ADDRSTRLEN + 8], text[INET6_ADDRSTRLEN];
	unsigned checked = 0;

	cfg_setup();
	ck_assert_int_eq(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
				     i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, text, sizeof text);
			snprintf(lit, sizeof lit, "[%s]", text);
		} else {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, text, sizeof text);
			snprintf(lit, sizeof lit, "[IPv6:%s]", text);
		}
		ck_assert_msg(mx_plan(&cfg, lit, &p, &v) == -1 && v.code == 554,
			      "%s (interface %s) not seen as this host", lit, i->ifa_name);
		checked++;
	}
	freeifaddrs(ifa);
	/* 198.51.100.0/24 (TEST-NET-2, RFC 5737) is nobody's interface */
	ck_assert_int_eq(mx_plan(&cfg, "[198.51.100.77]", &p, &v), 0);
	if (!checked)
		fprintf(stderr, "test_mx: no interface addresses to check\n");
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("mx");
	TCase *t = tcase_create("mx");

	tcase_add_test(t, sort_by_preference);
	tcase_add_test(t, equal_preferences_shuffled);
	tcase_add_test(t, drop_self);
	tcase_add_test(t, literals);
	tcase_add_test(t, plan_routes_and_literals);
	tcase_add_test(t, plan_keys);
	tcase_add_test(t, plan_bad_resolver);
	tcase_add_test(t, plan_self_addresses);
	tcase_add_test(t, plan_interface_addresses);
	suite_add_tcase(s, t);
	return s;
}
