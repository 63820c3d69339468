/*
 * test_client - smtpd/client.c: where smtpd learns who the client is.
 * client_discover() believes, in this order, systemd (REMOTE_ADDR,
 * REMOTE_PORT), tcpserver (TCPREMOTEIP, TCPREMOTEPORT, TCPREMOTEHOST) and the
 * kernel (getpeername on the fd); a pipe is "unknown". TCPREMOTEHOST counts
 * only with TCPREMOTEIP, and a malformed value (CR/LF, over-long, not an
 * address, not an RFC 5321 Domain) is ignored, never written into the
 * Received: line's TCP-info (client_format()).
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtpd/client.h"

static const char *const launcher_vars[] = {
	"REMOTE_ADDR", "REMOTE_PORT", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPREMOTEHOST",
};

/* Start from an environment with no launcher variable at all. */
static void env_clear(void)
{
	size_t i;

	for (i = 0; i < sizeof launcher_vars / sizeof launcher_vars[0]; i++)
		unsetenv(launcher_vars[i]);
}

static void env_set(const char *name, const char *value)
{
	ck_assert_int_eq(setenv(name, value, 1), 0);
}

/* Only these launcher variables (NULL: unset), in launcher_vars' order:
 * systemd's address and port, tcpserver's address, port and name. */
static void env_launcher(const char *addr, const char *port, const char *tcpip,
			 const char *tcpport, const char *tcphost)
{
	const char *value[] = { addr, port, tcpip, tcpport, tcphost };
	size_t i;

	env_clear();
	for (i = 0; i < sizeof value / sizeof value[0]; i++)
		if (value[i])
			env_set(launcher_vars[i], value[i]);
}

/* A pipe for each test (checked fixture): an fd that is no socket. */
static int pipe_fds[2];

static void pipe_setup(void)
{
	ck_assert_int_eq(pipe(pipe_fds), 0);
}

static void pipe_teardown(void)
{
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}

/* The TCP-info client_format() gives, as Received: would carry it. */
static const char *tcpinfo(const struct client *c)
{
	static char out[300];

	ck_assert_int_eq(client_format(c, out, sizeof out), 0);
	return out;
}

/* A connected loopback TCP pair: *server is accept()'s end, its peer's
 * port goes to port. Only 127.0.0.1. */
static void loopback_pair(int *server, int *peer, char *port, size_t portlen)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(l, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	*peer = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(*peer, 0);
	ck_assert_int_eq(connect(*peer, (struct sockaddr *)&sin, sizeof sin), 0);
	*server = accept(l, NULL, NULL);
	ck_assert_int_ge(*server, 0);
	close(l);
	len = sizeof sin;
	ck_assert_int_eq(getsockname(*peer, (struct sockaddr *)&sin, &len), 0);
	snprintf(port, portlen, "%u", (unsigned)ntohs(sin.sin_port));
}

START_TEST(systemd_first)
{
	struct client c;

	env_launcher("192.0.2.1", "4711", "198.51.100.2", "25", "tcpserver.example");
	client_discover(&c, pipe_fds[0]);
	ck_assert_int_eq(c.known, 1);
	ck_assert_str_eq(c.addr, "192.0.2.1");
	ck_assert_str_eq(c.port, "4711");
	/* systemd gives no name; tcpserver's goes only with tcpserver's address */
	ck_assert_str_eq(c.host, "");
	ck_assert_str_eq(tcpinfo(&c), "[192.0.2.1]");
}
END_TEST

START_TEST(systemd_ipv6_mapped)
{
	struct client c;

	env_launcher("::ffff:192.0.2.9", NULL, NULL, NULL, NULL);
	client_discover(&c, -1);
	ck_assert_int_eq(c.family, AF_INET);
	ck_assert_str_eq(tcpinfo(&c), "[192.0.2.9]");
	env_set("REMOTE_ADDR", "2001:DB8::1");
	client_discover(&c, -1);
	ck_assert_int_eq(c.family, AF_INET6);
	ck_assert_str_eq(tcpinfo(&c), "[IPv6:2001:db8::1]");
}
END_TEST

START_TEST(tcpserver_second)
{
	struct client c;

	env_launcher(NULL, NULL, "198.51.100.2", "1025", "mail.client.example");
	client_discover(&c, pipe_fds[0]);
	ck_assert_str_eq(c.addr, "198.51.100.2");
	ck_assert_str_eq(c.port, "1025");
	ck_assert_str_eq(tcpinfo(&c), "mail.client.example [198.51.100.2]");
	/* tcpserver -H (or a PTR that failed -p): no name */
	unsetenv("TCPREMOTEHOST");
	client_discover(&c, pipe_fds[0]);
	ck_assert_str_eq(tcpinfo(&c), "[198.51.100.2]");
}
END_TEST

START_TEST(socket_third)
{
	struct client c;
	char port[8];
	int server, peer;

	env_clear();
	loopback_pair(&server, &peer, port, sizeof port);
	client_discover(&c, server);
	ck_assert_int_eq(c.known, 1);
	ck_assert_str_eq(c.addr, "127.0.0.1");
	ck_assert_str_eq(c.port, port);
	ck_assert_str_eq(tcpinfo(&c), "[127.0.0.1]");
	/* a name without TCPREMOTEIP is nobody's word: not used */
	env_set("TCPREMOTEHOST", "claimed.example");
	env_set("TCPREMOTEPORT", "1");
	client_discover(&c, server);
	ck_assert_str_eq(c.addr, "127.0.0.1");
	ck_assert_str_eq(c.port, port);
	ck_assert_str_eq(tcpinfo(&c), "[127.0.0.1]");
	close(server);
	close(peer);
}
END_TEST

START_TEST(pipe_unknown)
{
	struct client c;

	env_clear();
	client_discover(&c, pipe_fds[0]);
	ck_assert_int_eq(c.known, 0);
	ck_assert_str_eq(c.addr, "unknown");
	ck_assert_str_eq(c.port, "");
	ck_assert_str_eq(c.host, "");
	ck_assert_str_eq(tcpinfo(&c), "unknown");
	/* a name alone does not make a client known */
	env_set("TCPREMOTEHOST", "claimed.example");
	client_discover(&c, pipe_fds[0]);
	ck_assert_str_eq(tcpinfo(&c), "unknown");
}
END_TEST

/* A launcher address that does not parse is skipped as if absent: the
 * next source is asked, down to the socket. */
static const char *const bad_addrs[] = {
	"", "not-an-address", "192.0.2.1\r\n", "192.0.2.1\nReceived: x", "192.0.2.1 ",
	"192.0.2.256", "[192.0.2.1]", "IPv6:2001:db8::1", "2001:db8::1%eth0",
	"0000000000000000000000000000000000000000000000000000000000000000000000001.2.3.4",
};

START_TEST(bad_address_skipped)
{
	const char *bad = bad_addrs[_i];
	struct client c;
	char port[8];
	int server, peer;

	loopback_pair(&server, &peer, port, sizeof port);
	/* systemd's is bad: tcpserver's is used */
	env_launcher(bad, "4711", "198.51.100.2", NULL, NULL);
	client_discover(&c, server);
	ck_assert_str_eq(tcpinfo(&c), "[198.51.100.2]");
	ck_assert_str_eq(c.port, "");
	/* both bad: the kernel's, and tcpserver's name goes with its address */
	env_set("TCPREMOTEIP", bad);
	env_set("TCPREMOTEHOST", "claimed.example");
	client_discover(&c, server);
	ck_assert_str_eq(tcpinfo(&c), "[127.0.0.1]");
	ck_assert_str_eq(c.port, port);
	close(server);
	close(peer);
	/* and on a pipe, unknown */
	client_discover(&c, -1);
	ck_assert_str_eq(tcpinfo(&c), "unknown");
}
END_TEST

/* A reverse name that is no RFC 5321 §4.1.2 Domain is dropped; the address
 * stays. TCP-info is "Domain FWS address-literal" (RFC 5321 §4.4). */
static const char *const bad_hosts[] = {
	"", "mail.example\r\n", "mail.example\n\tby evil", "mail.example\r", "a b.example",
	"evil (trusted [10.0.0.1])", "x[10.0.0.1]", "a..example", ".example", "example.",
	"-mail.example", "mail-.example", "mail_1.example", "mail.exa\xc3\xa9mple",
	"mail.example;", "mail\x7f.example",
};

START_TEST(bad_host_dropped)
{
	struct client c;

	env_launcher(NULL, NULL, "198.51.100.2", "1025", bad_hosts[_i]);
	client_discover(&c, -1);
	ck_assert_str_eq(c.host, "");
	ck_assert_str_eq(c.port, "1025");
	ck_assert_str_eq(tcpinfo(&c), "[198.51.100.2]");
}
END_TEST

/* RFC 5321 §4.5.3.1.2: a domain is at most 255 octets; §4.1.2 and RFC 1035
 * §2.3.4: a label at most 63. */
START_TEST(host_length)
{
	char host[300], want[320];
	struct client c;

	env_launcher(NULL, NULL, "198.51.100.2", NULL, NULL);
	/* 4 labels of 63 and one of 3: 63 * 4 + 3 + 4 dots = 259 */
	memset(host, 'a', sizeof host);
	host[63] = host[127] = host[191] = host[255] = '.';
	host[259] = '\0';
	env_set("TCPREMOTEHOST", host);
	client_discover(&c, -1);
	ck_assert_str_eq(tcpinfo(&c), "[198.51.100.2]");
	host[255] = '\0';	/* 255 octets: the longest there is */
	env_set("TCPREMOTEHOST", host);
	client_discover(&c, -1);
	snprintf(want, sizeof want, "%s [198.51.100.2]", host);
	ck_assert_str_eq(tcpinfo(&c), want);
	/* a label of 64 */
	memset(host, 'b', 64);
	strcpy(host + 64, ".example");
	env_set("TCPREMOTEHOST", host);
	client_discover(&c, -1);
	ck_assert_str_eq(tcpinfo(&c), "[198.51.100.2]");
	host[1] = '.';		/* "b." then a label of 62: fine */
	env_set("TCPREMOTEHOST", host);
	client_discover(&c, -1);
	ck_assert_str_eq(c.host, host);
}
END_TEST

static const char *const bad_ports[] = {
	"", "x", "25\r\n", "65536", "99999", "123456", "-1", "+25", " 25", "0x19",
};

START_TEST(bad_port_dropped)
{
	struct client c;

	env_launcher("192.0.2.1", bad_ports[_i], NULL, NULL, NULL);
	client_discover(&c, -1);
	ck_assert_str_eq(c.addr, "192.0.2.1");
	ck_assert_str_eq(c.port, "");
	env_launcher(NULL, NULL, "192.0.2.1", bad_ports[_i], NULL);
	client_discover(&c, -1);
	ck_assert_str_eq(c.addr, "192.0.2.1");
	ck_assert_str_eq(c.port, "");
}
END_TEST

START_TEST(format_bound)
{
	struct client c;
	char out[16];

	ck_assert_int_eq(client_set(&c, "192.0.2.1", NULL, "mail.client.example"), 0);
	ck_assert_int_eq(client_format(&c, out, sizeof out), -1);
	ck_assert_int_eq(client_set(&c, "192.0.2.1", NULL, NULL), 0);
	ck_assert_int_eq(client_format(&c, out, sizeof out), 0);
	ck_assert_str_eq(out, "[192.0.2.1]");
	ck_assert_int_eq(client_format(&c, out, 11), -1);
}
END_TEST

#define N(a) ((int)(sizeof a / sizeof a[0]))

Suite *suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, pipe_setup, pipe_teardown);
	tcase_add_test(tc, systemd_first);
	tcase_add_test(tc, systemd_ipv6_mapped);
	tcase_add_test(tc, tcpserver_second);
	tcase_add_test(tc, socket_third);
	tcase_add_test(tc, pipe_unknown);
	tcase_add_loop_test(tc, bad_address_skipped, 0, N(bad_addrs));
	tcase_add_loop_test(tc, bad_host_dropped, 0, N(bad_hosts));
	tcase_add_test(tc, host_length);
	tcase_add_loop_test(tc, bad_port_dropped, 0, N(bad_ports));
	tcase_add_test(tc, format_bound);
	suite_add_tcase(s, tc);
	return s;
}
