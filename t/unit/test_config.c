/*
 * test_config - lib/config.c: every setting, defaults, errors naming file
 * and line, CIDR matching (v4, v6, v4-mapped), next hops, routes, print.
 */
#include <arpa/inet.h>
#include <check.h>
#include "t/unit/check_main.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "passwd.h"

static char dir[64];
static char path[256];

static void dir_setup(void)
{
	strcpy(dir, "/tmp/test_config.XXXXXX");	/* fresh also when CK_FORK=no */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/tern.conf", dir);
}

static void dir_teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static void write_conf(const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Load text; return 0/-1 and leave the error in err. */
static int load(const char *text, struct config *c, char *err, size_t errlen)
{
	write_conf(text, strlen(text));
	err[0] = '\0';
	return config_load(dir, c, err, errlen);
}

/* text must fail with exactly "PATH:LINE: want" */
static void expect_error(const char *text, unsigned line, const char *want)
{
	struct config c;
	char err[1024], full[1400];

	ck_assert_int_eq(load(text, &c, err, sizeof err), -1);
	snprintf(full, sizeof full, "%s:%u: %s", path, line, want);
	ck_assert_str_eq(err, full);
	ck_assert_ptr_null(c.accept);
	ck_assert_ptr_null(c.routes);
	ck_assert_ptr_null(c.self_addrs);
}

START_TEST(defaults)
{
	struct config c;
	char err[512], host[256] = "";

	ck_assert_int_eq(load("# nothing but a comment\n\n   \n", &c, err, sizeof err), 0);
	gethostname(host, sizeof host - 1);
	ck_assert_str_eq(c.hostname, host);
	ck_assert_uint_eq(c.naccept, 0);
	ck_assert_uint_eq(c.nrelay_nets, 0);
	ck_assert_uint_eq(c.nself_addrs, 0);
	ck_assert_str_eq(c.queue_dir, TERN_QUEUEDIR);
	ck_assert_uint_eq(c.max_message_size, 64ULL << 20);
	ck_assert_uint_eq(c.max_recipients, 100);
	ck_assert_uint_eq(c.command_timeout, 300);
	ck_assert_uint_eq(c.data_timeout, 180);
	ck_assert_uint_eq(c.session_timeout, 1800);
	ck_assert_uint_eq(c.data_min_rate, 500);
	ck_assert_str_eq(c.queue_program, TERN_LIBEXECDIR "/inject");
	ck_assert_str_eq(c.smtpd_user, "tern-smtpd");
	ck_assert_str_eq(c.queue_user, "tern-queue");
	ck_assert_str_eq(c.relay_user, "tern-relay");
	ck_assert_str_eq(c.maildir_user, "tern-mail");
	ck_assert_str_eq(c.recipients, "");
	ck_assert_str_eq(c.aliases, "");
	ck_assert_str_eq(c.resolver, "");
	ck_assert_uint_eq(c.smtp_port, 25);
	ck_assert_uint_eq(c.nroutes, 0);
	ck_assert_uint_eq(c.retry_min, 300);
	ck_assert_uint_eq(c.retry_max, 3600);
	ck_assert_uint_eq(c.queue_lifetime, 5 * 86400);
	ck_assert_uint_eq(c.concurrency, 50);
	ck_assert_uint_eq(c.destination_concurrency, 10);
	ck_assert_uint_eq(c.bounce_body_max, 64 * 1024);
	ck_assert_uint_eq(c.ntls_certs, 0);
	ck_assert_str_eq(c.tls_program, TERN_LIBEXECDIR "/tlsd");
	ck_assert_uint_eq(c.tls_handshake_timeout, 60);
	ck_assert_str_eq(c.tls_user, "");
	ck_assert_int_eq(strncmp(c.postmaster, "postmaster@", 11), 0);
	ck_assert_str_eq(c.postmaster + 11, host);
	ck_assert_int_eq(config_accepts_domain(&c, "example.test"), 0);
	ck_assert_ptr_null(config_route_for(&c, "example.test"));
	config_free(&c);
}
END_TEST

static const char full_conf[] =
	"# every setting\n"
	"hostname mx.example.test\n"
	"accept example.test   # trailing comment\n"
	"accept Other.Example\n"
	"accept [127.0.0.1]\n"
	"\trelay-net\t127.0.0.0/8\n"
	"relay-net 2001:db8::/32\n"
	"relay-net 192.0.2.7\n"
	"queue-dir /var/tmp/q\n"
	"max-message-size 10M\n"
	"max-recipients 200\n"
	"command-timeout 2m\n"
	"data-timeout 90s\n"
	"session-timeout 2h\n"
	"queue-program /opt/tern/inject\n"
	"smtpd-user nobody\n"
	"queue-user daemon\n"
	"relay-user relay_1\n"
	"resolver 127.0.0.1:5353\n"
	"smtp-port 2525\n"
	"self-address 203.0.113.5\n"
	"self-address 2001:db8::25\n"
	"route example.org smtp:[127.0.0.2]:2526\n"
	"route mx.example smtp:relay.example.net\n"
	"route lmtp.example lmtp:[::1]:24\n"
	"route sock.example lmtp:unix:/run/dovecot/lmtp\n"
	"route box.example maildir:/var/mail/%d/%u/\n"
	"route * smtp:[smarthost.example.net]\n"
	"retry-min 1m\n"
	"retry-max 1d\n"
	"queue-lifetime 3d\n"
	"concurrency 7\n"
	"destination-concurrency 3\n"
	"bounce-body-max 1k\n"
	"postmaster hostmaster@example.test\n"
	"recipients /etc/tern/recipients\n"
	"aliases /etc/tern/aliases\n"
	"maildir-user vmail\n"
	"auth-program /opt/checkpassword\n"
	"auth-password-file /etc/tern/users\n"
	"auth-timeout 10s\n"
	"auth-failure-delay 0\n"
	"auth-failure-limit 5\n"
	"sender-login-map /etc/tern/sender-logins\n"
	"last-line-without-lf-is-ok-too";

START_TEST(every_setting)
{
	struct config c;
	char err[512];
	const struct route *r;
	char t[sizeof full_conf];

	/* the last line of full_conf is an unknown setting without LF */
	ck_assert_int_eq(load(full_conf, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":45: unknown setting 'last-line-without-lf-is-ok-too' (tern.conf(5) lists them)"));
	strcpy(t, full_conf);
	*strstr(t, "last-line") = '\0';
	ck_assert_msg(load(t, &c, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(c.hostname, "mx.example.test");
	ck_assert_uint_eq(c.naccept, 3);
	ck_assert_int_eq(config_accepts_domain(&c, "EXAMPLE.test"), 1);
	ck_assert_int_eq(config_accepts_domain(&c, "other.example"), 1);
	ck_assert_int_eq(config_accepts_domain(&c, "[127.0.0.1]"), 1);
	ck_assert_int_eq(config_accepts_domain(&c, "[127.0.0.2]"), 0);
	ck_assert_int_eq(config_accepts_domain(&c, "sub.example.test"), 0);
	ck_assert_uint_eq(c.nrelay_nets, 3);
	ck_assert_uint_eq(c.relay_nets[2].prefix, 32);
	ck_assert_str_eq(c.queue_dir, "/var/tmp/q");
	ck_assert_uint_eq(c.max_message_size, 10 << 20);
	ck_assert_uint_eq(c.max_recipients, 200);
	ck_assert_uint_eq(c.command_timeout, 120);
	ck_assert_uint_eq(c.data_timeout, 90);
	ck_assert_uint_eq(c.session_timeout, 7200);
	ck_assert_str_eq(c.queue_program, "/opt/tern/inject");
	ck_assert_str_eq(c.smtpd_user, "nobody");
	ck_assert_str_eq(c.queue_user, "daemon");
	ck_assert_str_eq(c.relay_user, "relay_1");
	ck_assert_str_eq(c.resolver, "127.0.0.1:5353");
	ck_assert_uint_eq(c.smtp_port, 2525);
	ck_assert_uint_eq(c.nself_addrs, 2);
	ck_assert_int_eq(c.self_addrs[0].family, AF_INET);
	ck_assert_uint_eq(c.self_addrs[0].prefix, 32);
	ck_assert_int_eq(c.self_addrs[1].family, AF_INET6);
	ck_assert_uint_eq(c.self_addrs[1].prefix, 128);
	ck_assert_uint_eq(c.nroutes, 6);
	ck_assert_uint_eq(c.retry_min, 60);
	ck_assert_uint_eq(c.retry_max, 86400);
	ck_assert_uint_eq(c.queue_lifetime, 3 * 86400);
	ck_assert_uint_eq(c.concurrency, 7);
	ck_assert_uint_eq(c.destination_concurrency, 3);
	ck_assert_uint_eq(c.bounce_body_max, 1024);
	ck_assert_str_eq(c.postmaster, "hostmaster@example.test");
	ck_assert_str_eq(c.recipients, "/etc/tern/recipients");
	ck_assert_str_eq(c.aliases, "/etc/tern/aliases");
	ck_assert_str_eq(c.maildir_user, "vmail");
	ck_assert_str_eq(c.auth_program, "/opt/checkpassword");
	ck_assert_str_eq(c.auth_password_file, "/etc/tern/users");
	ck_assert_uint_eq(c.auth_timeout, 10);
	ck_assert_uint_eq(c.auth_failure_delay, 0);
	ck_assert_uint_eq(c.auth_failure_limit, 5);
	ck_assert_str_eq(c.sender_login_map, "/etc/tern/sender-logins");

	r = config_route_for(&c, "box.example");
	ck_assert_int_eq(r->hop.kind, NEXTHOP_MAILDIR);
	ck_assert_str_eq(r->hop.host, "/var/mail/%d/%u/");
	r = config_route_for(&c, "EXAMPLE.ORG");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->hop.kind, NEXTHOP_SMTP);
	ck_assert_str_eq(r->hop.host, "127.0.0.2");
	ck_assert_uint_eq(r->hop.port, 2526);
	r = config_route_for(&c, "mx.example");
	ck_assert_int_eq(r->hop.kind, NEXTHOP_SMTP_MX);
	ck_assert_str_eq(r->hop.host, "relay.example.net");
	r = config_route_for(&c, "lmtp.example");
	ck_assert_int_eq(r->hop.kind, NEXTHOP_LMTP_TCP);
	ck_assert_str_eq(r->hop.host, "::1");
	ck_assert_uint_eq(r->hop.port, 24);
	r = config_route_for(&c, "sock.example");
	ck_assert_int_eq(r->hop.kind, NEXTHOP_LMTP_UNIX);
	ck_assert_str_eq(r->hop.host, "/run/dovecot/lmtp");
	r = config_route_for(&c, "anything.else");
	ck_assert_str_eq(r->domain, "*");
	ck_assert_int_eq(r->hop.kind, NEXTHOP_SMTP);
	ck_assert_str_eq(r->hop.host, "smarthost.example.net");
	ck_assert_uint_eq(r->hop.port, 0);
	config_free(&c);
}
END_TEST

START_TEST(postmaster_follows_hostname)
{
	struct config c;
	char err[512];

	ck_assert_int_eq(load("hostname a.example\n", &c, err, sizeof err), 0);
	ck_assert_str_eq(c.postmaster, "postmaster@a.example");
	/* submission defaults; no sender-login-map, and config_print says so */
	ck_assert_str_eq(c.auth_program, TERN_LIBEXECDIR "/checkpw");
	ck_assert_str_eq(c.auth_password_file, TERN_CONFDIR "/passwd");
	ck_assert_uint_eq(c.auth_failure_delay, 2);
	ck_assert_uint_eq(c.auth_failure_limit, 3);
	ck_assert_str_eq(c.sender_login_map, "");
	config_free(&c);
}
END_TEST

START_TEST(print_round_trip)
{
	struct config c, d;
	char err[512], out[8192], t[sizeof full_conf];
	int pfd[2];
	ssize_t n;

	strcpy(t, full_conf);
	*strstr(t, "last-line") = '\0';
	ck_assert_int_eq(load(t, &c, err, sizeof err), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	config_print(&c, pfd[1]);
	close(pfd[1]);
	n = read(pfd[0], out, sizeof out - 1);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	close(pfd[0]);
	ck_assert_ptr_nonnull(strstr(out, "max-message-size 10M\n"));
	ck_assert_ptr_nonnull(strstr(out, "data-timeout 90s\n"));
	ck_assert_ptr_nonnull(strstr(out, "command-timeout 2m\n"));
	ck_assert_ptr_nonnull(strstr(out, "relay-net 127.0.0.0/8\n"));
	ck_assert_ptr_nonnull(strstr(out, "relay-net 2001:db8::/32\n"));
	ck_assert_ptr_nonnull(strstr(out, "self-address 203.0.113.5\nself-address 2001:db8::25\n"));
	ck_assert_ptr_nonnull(strstr(out, "route example.org smtp:[127.0.0.2]:2526\n"));
	ck_assert_ptr_nonnull(strstr(out, "route mx.example smtp:relay.example.net\n"));
	ck_assert_ptr_nonnull(strstr(out, "route sock.example lmtp:unix:/run/dovecot/lmtp\n"));
	ck_assert_ptr_nonnull(strstr(out, "route * smtp:[smarthost.example.net]\n"));
	ck_assert_ptr_nonnull(strstr(out, "route box.example maildir:/var/mail/%d/%u/\n"));
	ck_assert_ptr_nonnull(strstr(out, "recipients /etc/tern/recipients\n"));
	ck_assert_ptr_nonnull(strstr(out, "aliases /etc/tern/aliases\n"));
	ck_assert_ptr_nonnull(strstr(out, "maildir-user vmail\n"));
	/* what config_print writes loads back to the same settings */
	ck_assert_int_eq(load(out, &d, err, sizeof err), 0);
	ck_assert_str_eq(d.hostname, c.hostname);
	ck_assert_uint_eq(d.naccept, c.naccept);
	ck_assert_uint_eq(d.nrelay_nets, c.nrelay_nets);
	ck_assert_uint_eq(d.nroutes, c.nroutes);
	ck_assert_int_eq(memcmp(d.routes, c.routes, c.nroutes * sizeof *c.routes), 0);
	ck_assert_int_eq(memcmp(d.relay_nets, c.relay_nets, c.nrelay_nets * sizeof *c.relay_nets), 0);
	ck_assert_uint_eq(d.nself_addrs, c.nself_addrs);
	ck_assert_int_eq(memcmp(d.self_addrs, c.self_addrs, c.nself_addrs * sizeof *c.self_addrs), 0);
	ck_assert_uint_eq(d.max_message_size, c.max_message_size);
	ck_assert_uint_eq(d.queue_lifetime, c.queue_lifetime);
	ck_assert_uint_eq(d.bounce_body_max, c.bounce_body_max);
	ck_assert_str_eq(d.postmaster, c.postmaster);
	ck_assert_str_eq(d.sender_login_map, c.sender_login_map);
	ck_assert_uint_eq(d.auth_failure_delay, c.auth_failure_delay);
	config_free(&c);
	config_free(&d);
}
END_TEST

START_TEST(missing_file_fails_closed)
{
	struct config c;
	char err[512], want[600];

	unlink(path);
	ck_assert_int_eq(config_load(dir, &c, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory (tern refuses to run without it: create it (tern.conf(5)) or name its directory in TERN_CONFDIR)", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
	expect_error("# ok\nfoo bar\n", 2, "unknown setting 'foo' (tern.conf(5) lists them)");
	expect_error("hostname a.example\n\nhostname b.example\n", 3, "duplicate setting 'hostname' (keep one line; only accept, relay-net, self-address and route repeat)");
	expect_error("self-address 192.0.2.0/24\n", 1, "self-address: '192.0.2.0/24': an address, not a network");
	expect_error("self-address mx.example\n", 1, "self-address: 'mx.example': not an IPv4 or IPv6 address");
	expect_error("self-address 192.0.2.1 192.0.2.2\n", 1, "self-address: '192.0.2.1 192.0.2.2': one value expected");
	expect_error("relay-net 10.0.0.0/33\n", 1, "relay-net: '10.0.0.0/33': prefix longer than 32");
	expect_error("relay-net ::1/129\n", 1, "relay-net: '::1/129': prefix longer than 128");
	expect_error("relay-net 10.0.0.1/8\n", 1, "relay-net: '10.0.0.1/8': host bits set after the prefix");
	expect_error("relay-net 10.0.0/8\n", 1, "relay-net: '10.0.0/8': not an IPv4 or IPv6 address");
	expect_error("relay-net 10.0.0.0/x\n", 1, "relay-net: '10.0.0.0/x': prefix is not a number");
	expect_error("hostname\n", 1, "hostname: missing value (write 'hostname VALUE')");
	expect_error("hostname -bad.example\n", 1, "hostname: '-bad.example': not a domain name");
	expect_error("hostname a b\n", 1, "hostname: 'a b': one value expected");
	expect_error("accept exa_mple.test\n", 1, "accept: 'exa_mple.test': not a domain or address literal");
	expect_error("accept [300.1.1.1]\n", 1, "accept: '[300.1.1.1]': not a domain or address literal");
	expect_error("queue-dir var/q\n", 1, "queue-dir: 'var/q': not an absolute path");
	expect_error("queue-program inject\n", 1, "queue-program: 'inject': not an absolute path");
	expect_error("max-message-size 10X\n", 1, "max-message-size: '10X': unknown suffix 'X' (use k, M or G)");
	expect_error("max-message-size 99999999999G\n", 1, "max-message-size: '99999999999G': larger than 1099511627776");
	expect_error("max-message-size 99999999999999999999999\n", 1,
		     "max-message-size: '99999999999999999999999': larger than 1099511627776");
	expect_error("max-message-size 0\n", 1, "max-message-size: '0': smaller than 1");
	expect_error("max-recipients -1\n", 1, "max-recipients: '-1': not a number");
	expect_error("max-recipients 10k\n", 1, "max-recipients: '10k': not a number");
	expect_error("command-timeout 5y\n", 1, "command-timeout: '5y': unknown suffix 'y' (use s, m, h or d)");
	expect_error("data-timeout 0s\n", 1, "data-timeout: '0s': smaller than 1");
	expect_error("session-timeout 50000d\n", 1, "session-timeout: '50000d': larger than 4294967295");
	expect_error("session-timeout m\n", 1, "session-timeout: 'm': not a number");
	expect_error("smtpd-user -root\n", 1, "smtpd-user: '-root': not a user name");
	expect_error("queue-user a/b\n", 1, "queue-user: 'a/b': not a user name");
	expect_error("relay-user a:b\n", 1, "relay-user: 'a:b': not a user name");
	expect_error("resolver dns.example\n", 1, "resolver: 'dns.example': want IP, IP:PORT or [IPv6]:PORT");
	expect_error("resolver 127.0.0.1:0\n", 1, "resolver: '127.0.0.1:0': want IP, IP:PORT or [IPv6]:PORT");
	expect_error("smtp-port 65536\n", 1, "smtp-port: '65536': larger than 65535");
	expect_error("smtp-port 0\n", 1, "smtp-port: '0': smaller than 1");
	expect_error("route example.org\n", 1, "route: want 'route DOMAIN NEXTHOP'");
	expect_error("route example.org smtp:[a]:1 x\n", 1, "route: want 'route DOMAIN NEXTHOP'");
	expect_error("route ex_ample smtp:a.example\n", 1, "route: 'ex_ample': not a domain, literal or '*'");
	expect_error("route a.example ftp:x\n", 1, "route: 'ftp:x': want smtp:[host]:port, smtp:host, "
		     "lmtp:[host]:port, lmtp:unix:/path or maildir:/path");
	expect_error("recipients etc/rcpt\n", 1, "recipients: 'etc/rcpt': not an absolute path");
	expect_error("aliases x\n", 1, "aliases: 'x': not an absolute path");
	expect_error("maildir-user a/b\n", 1, "maildir-user: 'a/b': not a user name");
	expect_error("route * smtp:[a.example]:1\nroute * smtp:[b.example]:1\n", 2,
		     "route: duplicate route for '*'");
	expect_error("retry-min x\n", 1, "retry-min: 'x': not a number");
	expect_error("retry-max 1s\nretry-max 2s\n", 2, "duplicate setting 'retry-max' (keep one line; only accept, relay-net, self-address and route repeat)");
	expect_error("queue-lifetime 1.5d\n", 1, "queue-lifetime: '1.5d': not a number");
	expect_error("concurrency 0\n", 1, "concurrency: '0': smaller than 1");
	expect_error("destination-concurrency many\n", 1, "destination-concurrency: 'many': not a number");
	expect_error("bounce-body-max 1T\n", 1, "bounce-body-max: '1T': unknown suffix 'T' (use k, M or G)");
	expect_error("postmaster nobody\n", 1, "postmaster: 'nobody': not an address");
	/* what inject would refuse (exit 91: <postmaster> mail refused for good) */
	expect_error("postmaster a..b@example.test\n", 1, "postmaster: 'a..b@example.test': not an address");
	expect_error("postmaster a@b@example.test\n", 1, "postmaster: 'a@b@example.test': not an address");
	expect_error("postmaster a(b)@example.test\n", 1, "postmaster: 'a(b)@example.test': not an address");
	expect_error("postmaster j\xc3\xb6rg@example.test\n", 1,
		     "postmaster: 'j\xc3\xb6rg@example.test': not an address");
	expect_error("tls-certificate /a.pem\n", 1, "tls-certificate: want CHAIN-FILE KEY-FILE");
	expect_error("tls-certificate /a.pem /k.pem /x\n", 1, "tls-certificate: want CHAIN-FILE KEY-FILE");
	expect_error("tls-certificate a.pem /k.pem\n", 1,
		     "tls-certificate: 'a.pem /k.pem': not absolute paths");
	expect_error("tls-certificate /a.pem k.pem\n", 1,
		     "tls-certificate: '/a.pem k.pem': not absolute paths");
	expect_error("tls-certificate /a /b\ntls-certificate /c /d\ntls-certificate /e /f\n", 3,
		     "tls-certificate: more than 2 (one RSA, one ECDSA)");
	expect_error("tls-program tlsd\n", 1, "tls-program: 'tlsd': not an absolute path");
	expect_error("tls-handshake-timeout 0\n", 1, "tls-handshake-timeout: '0': smaller than 1");
	expect_error("tls-user a:b\n", 1, "tls-user: 'a:b': not a user name");
	expect_error("hostname a.example\r\n", 1, "control byte 0x0d in line (remove it)");
	expect_error("accept a.example\n\nhostname a\x01\n", 3, "control byte 0x01 in line (remove it)");
	expect_error("accept a.example\nhost\x7fname x\n", 2, "control byte 0x7f in line (remove it)");
}
END_TEST

/* dkim-sign DOMAIN SELECTOR KEYFILE (r): parsed, printed, every refusal named */
START_TEST(dkim_settings)
{
	struct config c, d;
	char err[512], out[8192];
	int pfd[2];
	ssize_t n;

	ck_assert_msg(load("dkim-sign Example.TEST rsa /etc/tern/dkim/rsa.pem\n"
			   "dkim-sign example.test ed25519\t/etc/tern/dkim/ed.pem\n"
			   "dkim-sign other.test s2024.a-b /k\n", &c, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(c.ndkim_signers, 3);
	ck_assert_str_eq(c.dkim_signers[0].domain, "example.test");
	ck_assert_str_eq(c.dkim_signers[0].selector, "rsa");
	ck_assert_str_eq(c.dkim_signers[0].keyfile, "/etc/tern/dkim/rsa.pem");
	ck_assert_str_eq(c.dkim_signers[1].selector, "ed25519");
	ck_assert_str_eq(c.dkim_signers[2].selector, "s2024.a-b");
	ck_assert_int_eq(pipe(pfd), 0);
	config_print(&c, pfd[1]);
	close(pfd[1]);
	n = read(pfd[0], out, sizeof out - 1);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	close(pfd[0]);
	ck_assert_ptr_nonnull(strstr(out, "dkim-sign example.test rsa /etc/tern/dkim/rsa.pem\n"
				     "dkim-sign example.test ed25519 /etc/tern/dkim/ed.pem\n"));
	ck_assert_int_eq(load(out, &d, err, sizeof err), 0);
	ck_assert_uint_eq(d.ndkim_signers, 3);
	config_free(&d);
	config_free(&c);
	ck_assert_int_eq(load("accept a.test\n", &c, err, sizeof err), 0);
	ck_assert_uint_eq(c.ndkim_signers, 0);
	config_free(&c);
	expect_error("accept a.test\ndkim-sign example.test rsa\n", 2,
		     "dkim-sign: want DOMAIN SELECTOR KEYFILE");
	expect_error("dkim-sign example.test rsa /k extra\n", 1,
		     "dkim-sign: want DOMAIN SELECTOR KEYFILE");
	expect_error("dkim-sign exa_mple.test rsa /k\n", 1,
		     "dkim-sign: 'exa_mple.test': not a domain name");
	expect_error("dkim-sign example.test -rsa /k\n", 1,
		     "dkim-sign: selector '-rsa': want letters, digits, hyphens and dots (at most 63)");
	expect_error("dkim-sign example.test a..b /k\n", 1,
		     "dkim-sign: selector 'a..b': want letters, digits, hyphens and dots (at most 63)");
	expect_error("dkim-sign example.test rsa k.pem\n", 1,
		     "dkim-sign: 'k.pem': not an absolute path");
	expect_error("dkim-sign example.test rsa /k\ndkim-sign EXAMPLE.test rsa /j\n", 2,
		     "dkim-sign: selector rsa of example.test given twice");
}
END_TEST

START_TEST(tls_settings)
{
	struct config c, d;
	char err[512], out[8192];
	int pfd[2];
	ssize_t n;

	ck_assert_msg(load("tls-certificate /etc/tern/tls/rsa.pem\t /etc/tern/tls/rsa.key\n"
			   "tls-certificate /etc/tern/tls/ec.pem /etc/tern/tls/ec.key # ECDSA\n"
			   "tls-program /opt/tlsd\ntls-handshake-timeout 30s\ntls-user tern-tlsd\n",
			   &c, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(c.ntls_certs, 2);
	ck_assert_str_eq(c.tls_certs[0].chain, "/etc/tern/tls/rsa.pem");
	ck_assert_str_eq(c.tls_certs[0].key, "/etc/tern/tls/rsa.key");
	ck_assert_str_eq(c.tls_certs[1].chain, "/etc/tern/tls/ec.pem");
	ck_assert_str_eq(c.tls_certs[1].key, "/etc/tern/tls/ec.key");
	ck_assert_str_eq(c.tls_program, "/opt/tlsd");
	ck_assert_uint_eq(c.tls_handshake_timeout, 30);
	ck_assert_str_eq(c.tls_user, "tern-tlsd");
	ck_assert_int_eq(pipe(pfd), 0);
	config_print(&c, pfd[1]);
	close(pfd[1]);
	n = read(pfd[0], out, sizeof out - 1);
	close(pfd[0]);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	ck_assert_ptr_nonnull(strstr(out, "tls-certificate /etc/tern/tls/rsa.pem /etc/tern/tls/rsa.key\n"
				     "tls-certificate /etc/tern/tls/ec.pem /etc/tern/tls/ec.key\n"));
	ck_assert_ptr_nonnull(strstr(out, "tls-handshake-timeout 30s\ntls-user tern-tlsd\n"));
	ck_assert_int_eq(load(out, &d, err, sizeof err), 0);
	ck_assert_uint_eq(d.ntls_certs, 2);
	ck_assert_str_eq(d.tls_certs[1].key, "/etc/tern/tls/ec.key");
	config_free(&d);
	config_free(&c);
	ck_assert_uint_eq(c.ntls_certs, 0);
	/* the defaults print as comments and load back */
	ck_assert_int_eq(load("hostname a.example\n", &c, err, sizeof err), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	config_print(&c, pfd[1]);
	close(pfd[1]);
	n = read(pfd[0], out, sizeof out - 1);
	close(pfd[0]);
	out[n > 0 ? n : 0] = '\0';
	ck_assert_ptr_nonnull(strstr(out, "# tls-certificate: none, no STARTTLS\n"));
	ck_assert_ptr_nonnull(strstr(out, "# tls-user: the smtpd-user\n"));
	ck_assert_int_eq(load(out, &d, err, sizeof err), 0);
	ck_assert_str_eq(d.tls_user, "");
	config_free(&c);
	config_free(&d);
}
END_TEST

/* The privilege split: no user root, no two one user (issue 9 #6). */
static const struct { const char *text, *want; } user_errors[] = {
	{ "relay-user root\n", "relay-user root: uid 0 (root) would undo the privilege split "
	  "(set relay-user to an unprivileged user of its own, tern-relay)" },
	{ "queue-user root\n", "queue-user root: uid 0 (root) would undo the privilege split "
	  "(set queue-user to an unprivileged user of its own, tern-queue)" },
	{ "smtpd-user root\n", "smtpd-user root: uid 0 (root) would undo the privilege split "
	  "(set smtpd-user to an unprivileged user of its own, tern-smtpd)" },
	{ "smtpd-user x\nqueue-user x\n", "smtpd-user x and queue-user x are one user: smtpd "
	  "could write the queue without the injector (give each its own: tern-smtpd, "
	  "tern-queue, tern-relay)" },
	{ "relay-user x\nqueue-user x\n", "queue-user x and relay-user x are one user: the "
	  "delivery workers could write the queue (give each its own: tern-smtpd, "
	  "tern-queue, tern-relay)" },
	{ "smtpd-user x\nrelay-user x\n", "smtpd-user x and relay-user x are one user: smtpd "
	  "and the delivery workers could take each other over (give each its own: "
	  "tern-smtpd, tern-queue, tern-relay)" },
	/* users /etc/passwd has */
	{ "smtpd-user nobody\nqueue-user nobody\n", "smtpd-user nobody and queue-user nobody "
	  "are one user: smtpd could write the queue without the injector (give each its own: "
	  "tern-smtpd, tern-queue, tern-relay)" },
	{ "smtpd-user nobody\nrelay-user nobody\nqueue-user daemon\n", "smtpd-user nobody and "
	  "relay-user nobody are one user: smtpd and the delivery workers could take each "
	  "other over (give each its own: tern-smtpd, tern-queue, tern-relay)" },
	/* with a maildir: route, the Maildir writer's user is apart too */
	{ "route a.test maildir:/m/%u\nmaildir-user root\n", "maildir-user root: uid 0 (root) "
	  "may not write the Maildirs (set maildir-user to a user of its own, tern-mail)" },
	{ "route a.test maildir:/m/%u\nmaildir-user tern-queue\n", "maildir-user tern-queue and "
	  "queue-user tern-queue are one user: the Maildir writer must be apart from the queue "
	  "and the network (give it its own: tern-mail)" },
	{ "route a.test maildir:/m/%u\nmaildir-user bin\nrelay-user bin\n", "maildir-user bin "
	  "and relay-user bin are one user: the Maildir writer must be apart from the queue "
	  "and the network (give it its own: tern-mail)" },
	{ "route a.test maildir:/m/%u\nmaildir-user daemon\nsmtpd-user daemon\n", "maildir-user "
	  "daemon and smtpd-user daemon are one user: the Maildir writer must be apart from the "
	  "queue and the network (give it its own: tern-mail)" },
};

START_TEST(user_split_errors)
{
	struct config c;
	char err[512], want[600];

	ck_assert_int_eq(load(user_errors[_i].text, &c, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: %s", path, user_errors[_i].want);
	ck_assert_str_eq(err, want);
}
END_TEST

/* Without a maildir: route no writer runs: its user is not checked. */
START_TEST(maildir_user_unchecked_without_route)
{
	struct config c;
	char err[512];

	ck_assert_msg(load("maildir-user bin\nrelay-user bin\n", &c, err, sizeof err) == 0,
		      "%s", err);
	config_free(&c);
}
END_TEST

START_TEST(retry_order_error)
{
	struct config c;
	char err[512], want[600];

	ck_assert_int_eq(load("retry-min 2h\nretry-max 1h\n", &c, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: retry-min (7200s) is greater than retry-max (3600s) (lower retry-min or raise retry-max)", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(nul_byte_refused)
{
	struct config c;
	char err[512], want[600];

	write_conf("accept a.example\nhostname a\0b\n", 29);
	ck_assert_int_eq(config_load(dir, &c, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: control byte 0x00 in line (remove it)", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(long_lines)
{
	static char text[6000];
	struct config c;
	char err[512], want[600];

	/* 4096 bytes of content is allowed (a comment), 4097 is not */
	memset(text, '#', 4096);
	strcpy(text + 4096, "\nhostname a.example\n");
	ck_assert_int_eq(load(text, &c, err, sizeof err), 0);
	ck_assert_str_eq(c.hostname, "a.example");
	config_free(&c);
	memset(text, '#', 4097);
	strcpy(text + 4097, "\nhostname a.example\n");
	ck_assert_int_eq(load(text, &c, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:1: line longer than 4096 bytes", path);
	ck_assert_str_eq(err, want);
	/* the same at EOF without LF */
	memset(text, '#', 4097);
	text[4097] = '\0';
	ck_assert_int_eq(load(text, &c, err, sizeof err), -1);
	ck_assert_str_eq(err, want);
}
END_TEST

static struct sockaddr_storage sa_of(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, text, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		ck_abort_msg("bad address %s", text);
	return ss;
}

static int matches(const char *cidr, const char *addr)
{
	const char *why;
	struct cidr n;
	struct sockaddr_storage ss = sa_of(addr);

	ck_assert_int_eq(cidr_parse(cidr, &n, &why), 0);
	return cidr_match(&n, (struct sockaddr *)&ss);
}

START_TEST(cidr_matching)
{
	const char *why;
	struct cidr n;

	ck_assert_int_eq(matches("127.0.0.0/8", "127.0.0.1"), 1);
	ck_assert_int_eq(matches("127.0.0.0/8", "127.255.255.255"), 1);
	ck_assert_int_eq(matches("127.0.0.0/8", "128.0.0.1"), 0);
	ck_assert_int_eq(matches("127.0.0.0/8", "::ffff:127.0.0.1"), 1);
	ck_assert_int_eq(matches("127.0.0.0/8", "::ffff:128.0.0.1"), 0);
	ck_assert_int_eq(matches("127.0.0.0/8", "::127.0.0.1"), 0);	/* v4-compatible is not mapped */
	ck_assert_int_eq(matches("127.0.0.0/8", "::1"), 0);
	ck_assert_int_eq(matches("::ffff:127.0.0.0/104", "127.0.0.1"), 1);
	ck_assert_int_eq(matches("192.168.1.128/25", "192.168.1.200"), 1);
	ck_assert_int_eq(matches("192.168.1.128/25", "192.168.1.127"), 0);
	ck_assert_int_eq(matches("10.1.2.3", "10.1.2.3"), 1);
	ck_assert_int_eq(matches("10.1.2.3", "10.1.2.4"), 0);
	ck_assert_int_eq(matches("0.0.0.0/0", "203.0.113.9"), 1);
	ck_assert_int_eq(matches("0.0.0.0/0", "2001:db8::1"), 0);
	ck_assert_int_eq(matches("::/0", "2001:db8::1"), 1);
	ck_assert_int_eq(matches("2001:db8::/32", "2001:db8:ffff::1"), 1);
	ck_assert_int_eq(matches("2001:db8::/32", "2001:db9::1"), 0);
	ck_assert_int_eq(matches("2001:db8::/33", "2001:db8:8000::1"), 0);
	ck_assert_int_eq(matches("::1", "::1"), 1);
	ck_assert_int_eq(matches("::1/128", "127.0.0.1"), 0);
	ck_assert_int_eq(cidr_parse("", &n, &why), -1);
	ck_assert_int_eq(cidr_parse("/8", &n, &why), -1);
	ck_assert_int_eq(cidr_parse("1.2.3.0/", &n, &why), -1);
	ck_assert_int_eq(cidr_parse("1.2.3.0/+8", &n, &why), -1);
	ck_assert_int_eq(cidr_parse("1.2.3.0/8 ", &n, &why), -1);
}
END_TEST

START_TEST(client_in_relay_nets)
{
	struct config c;
	char err[512];

	ck_assert_int_eq(load("relay-net 127.0.0.0/8\nrelay-net fd00::/8\n", &c, err, sizeof err), 0);
	ck_assert_int_eq(config_client_in_relay_nets(&c, "127.0.0.1"), 1);
	ck_assert_int_eq(config_client_in_relay_nets(&c, "::ffff:127.0.0.1"), 1);
	ck_assert_int_eq(config_client_in_relay_nets(&c, "fd12::1"), 1);
	ck_assert_int_eq(config_client_in_relay_nets(&c, "::1"), 0);
	ck_assert_int_eq(config_client_in_relay_nets(&c, "10.0.0.1"), 0);
	ck_assert_int_eq(config_client_in_relay_nets(&c, "not-an-address"), 0);
	ck_assert_int_eq(config_client_in_relay_nets(&c, ""), 0);
	ck_assert_int_eq(config_client_in_relay_nets(&c, NULL), 0);
	config_free(&c);
}
END_TEST

static void hop_ok(const char *text, enum nexthop_kind kind, const char *host, unsigned port)
{
	struct nexthop n;
	char err[256] = "";

	ck_assert_msg(nexthop_parse(text, &n, err, sizeof err) == 0, "%s: %s", text, err);
	ck_assert_int_eq(n.kind, kind);
	ck_assert_str_eq(n.host, host);
	ck_assert_uint_eq(n.port, port);
}

static void hop_bad(const char *text, const char *want)
{
	struct nexthop n;
	char err[256] = "";

	ck_assert_int_eq(nexthop_parse(text, &n, err, sizeof err), -1);
	ck_assert_str_eq(err, want);
}

START_TEST(nexthops)
{
	hop_ok("smtp:[127.0.0.1]:2525", NEXTHOP_SMTP, "127.0.0.1", 2525);
	hop_ok("smtp:[::1]:25", NEXTHOP_SMTP, "::1", 25);
	hop_ok("smtp:[relay.example]", NEXTHOP_SMTP, "relay.example", 0);
	hop_ok("smtp:example.net", NEXTHOP_SMTP_MX, "example.net", 0);
	hop_ok("smtp:example.net:587", NEXTHOP_SMTP_MX, "example.net", 587);
	hop_ok("lmtp:[127.0.0.1]:24", NEXTHOP_LMTP_TCP, "127.0.0.1", 24);
	hop_ok("lmtp:[::1]:2424", NEXTHOP_LMTP_TCP, "::1", 2424);
	hop_ok("lmtp:unix:/run/dovecot/lmtp", NEXTHOP_LMTP_UNIX, "/run/dovecot/lmtp", 0);
	hop_bad("smtp:[127.0.0.1", "'smtp:[127.0.0.1': missing ']'");
	hop_bad("smtp:[127.0.0.1]x", "'smtp:[127.0.0.1]x': junk after ']'");
	hop_bad("smtp:[127.0.0.1]:0", "'smtp:[127.0.0.1]:0': bad port '0'");
	hop_bad("smtp:[127.0.0.1]:65536", "'smtp:[127.0.0.1]:65536': bad port '65536'");
	hop_bad("smtp:[127.0.0.1]:", "'smtp:[127.0.0.1]:': bad port ''");
	hop_bad("smtp:[]:25", "'smtp:[]:25': empty host");
	hop_bad("smtp:", "'smtp:': empty host");
	hop_bad("smtp:bad_host", "'smtp:bad_host': bad host 'bad_host'");
	hop_bad("lmtp:unix:run/lmtp", "'lmtp:unix:run/lmtp': socket path must be absolute");
	hop_bad("lmtp:[h.example]:x", "'lmtp:[h.example]:x': bad port 'x'");
	hop_bad("SMTP:[a]", "'SMTP:[a]': want smtp:[host]:port, smtp:host, lmtp:[host]:port, "
		"lmtp:unix:/path or maildir:/path");
	hop_ok("maildir:/var/mail/%d/%u/", NEXTHOP_MAILDIR, "/var/mail/%d/%u/", 0);
	hop_ok("maildir:/m/%%/%d-%u", NEXTHOP_MAILDIR, "/m/%%/%d-%u", 0);
	hop_bad("maildir:var/%d/%u", "'maildir:var/%d/%u': Maildir path must be absolute");
	hop_bad("maildir:/var/%x/%u", "'maildir:/var/%x/%u': want %d, %u or %% after %");
	hop_bad("maildir:/var/%", "'maildir:/var/%': want %d, %u or %% after %");
	hop_bad("maildir:/var/../%u", "'maildir:/var/../%u': '.' or '..' in the Maildir path");
	hop_bad("maildir:/var/./%u", "'maildir:/var/./%u': '.' or '..' in the Maildir path");
	hop_bad("maildir:/var/%d/..", "'maildir:/var/%d/..': '.' or '..' in the Maildir path");
}
END_TEST

/* The length limits of nexthop.c and config_load() (the rest of the reject branches) */
START_TEST(length_limits)
{
	char text[600], want[1200], err[600], longdir[4300], host[300];
	struct nexthop n;
	struct config c;

	memset(host, 'h', 256);
	host[256] = '\0';
	snprintf(text, sizeof text, "smtp:[%s]", host);
	ck_assert_int_eq(nexthop_parse(text, &n, err, sizeof err), -1);
	snprintf(want, sizeof want, "'%s': too long a host", text);
	ck_assert_str_eq(err, want);
	memset(host, 'p', 108);
	host[0] = '/';
	host[108] = '\0';
	snprintf(text, sizeof text, "lmtp:unix:%s", host);
	ck_assert_int_eq(nexthop_parse(text, &n, err, sizeof err), -1);
	snprintf(want, sizeof want, "'%s': socket path longer than 107 bytes", text);
	ck_assert_str_eq(err, want);
	host[107] = '\0';	/* 107 bytes fit sun_path with its NUL */
	snprintf(text, sizeof text, "lmtp:unix:%s", host);
	ck_assert_int_eq(nexthop_parse(text, &n, err, sizeof err), 0);
	memset(host, 'd', 256);
	host[256] = '\0';
	snprintf(text, sizeof text, "route %s smtp:[127.0.0.1]\n", host);
	expect_error(text, 1, "route: domain longer than 255 bytes");
	memset(longdir, 'x', sizeof longdir - 1);
	longdir[0] = '/';
	longdir[sizeof longdir - 1] = '\0';
	ck_assert_int_eq(config_load(longdir, &c, want, sizeof want), -1);	/* cut to fit */
	ck_assert_int_eq(strncmp(want, longdir, sizeof want - 1), 0);
	{
		static char big[4400];
		ck_assert_int_eq(config_load(longdir, &c, big, sizeof big), -1);
		ck_assert_str_eq(big + strlen(longdir), ": directory name too long");
	}
}
END_TEST

START_TEST(route_lookup)
{
	struct config c;
	char err[512];

	ck_assert_int_eq(load("route a.example smtp:[127.0.0.2]:25\n", &c, err, sizeof err), 0);
	ck_assert_ptr_nonnull(config_route_for(&c, "A.EXAMPLE"));
	ck_assert_ptr_null(config_route_for(&c, "b.a.example"));	/* exact, not suffix */
	ck_assert_ptr_null(config_route_for(&c, "b.example"));
	config_free(&c);
	ck_assert_int_eq(load("route * smtp:[127.0.0.3]:25\nroute a.example smtp:[127.0.0.2]:25\n",
			      &c, err, sizeof err), 0);
	ck_assert_str_eq(config_route_for(&c, "a.example")->hop.host, "127.0.0.2");
	ck_assert_str_eq(config_route_for(&c, "b.example")->hop.host, "127.0.0.3");
	config_free(&c);
}
END_TEST

START_TEST(confdir_env)
{
	setenv("TERN_CONFDIR", "/tmp/elsewhere", 1);
	ck_assert_str_eq(config_dir(), "/tmp/elsewhere");	/* not setuid in tests */
	setenv("TERN_CONFDIR", "", 1);
	ck_assert_str_eq(config_dir(), TERN_CONFDIR);
	unsetenv("TERN_CONFDIR");
	ck_assert_str_eq(config_dir(), TERN_CONFDIR);
}
END_TEST

/* tls-policy: every policy, "*", case, lookup default; every reject branch */
START_TEST(tls_policies)
{
	struct config c;
	char err[1024], out[8192];
	int pfd[2];
	ssize_t n;

	ck_assert_int_eq(load("tls-policy a.example none\ntls-policy B.example may\n"
			      "tls-policy c.example encrypt\ntls-policy d.example verify\n"
			      "tls-policy e.example\tdane\ntls-policy f.example dane-only\n"
			      "tls-policy [192.0.2.1] encrypt\ntls-policy * verify\n"
			      "tls-ca-file /etc/ssl/test.pem\ndnssec-resolver 127.0.0.1:5353\n"
			      "relay-auth-file /etc/tern/relay-auth\n", &c, err, sizeof err), 0);
	ck_assert_uint_eq(c.ntls_rules, 8);
	ck_assert_int_eq(config_tls_policy_for(&c, "a.example"), TLS_NONE);
	ck_assert_int_eq(config_tls_policy_for(&c, "b.EXAMPLE"), TLS_MAY);
	ck_assert_int_eq(config_tls_policy_for(&c, "c.example"), TLS_ENCRYPT);
	ck_assert_int_eq(config_tls_policy_for(&c, "d.example"), TLS_VERIFY);
	ck_assert_int_eq(config_tls_policy_for(&c, "e.example"), TLS_DANE);
	ck_assert_int_eq(config_tls_policy_for(&c, "f.example"), TLS_DANE_ONLY);
	ck_assert_int_eq(config_tls_policy_for(&c, "[192.0.2.1]"), TLS_ENCRYPT);
	ck_assert_int_eq(config_tls_policy_for(&c, "other.example"), TLS_VERIFY);
	ck_assert_str_eq(c.tls_ca_file, "/etc/ssl/test.pem");
	ck_assert_str_eq(c.dnssec_resolver, "127.0.0.1:5353");
	ck_assert_str_eq(c.relay_auth_file, "/etc/tern/relay-auth");
	ck_assert_int_eq(pipe(pfd), 0);
	config_print(&c, pfd[1]);
	close(pfd[1]);
	n = read(pfd[0], out, sizeof out - 1);
	close(pfd[0]);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	ck_assert_ptr_nonnull(strstr(out, "tls-policy e.example dane\ntls-policy f.example dane-only\n"));
	ck_assert_ptr_nonnull(strstr(out, "tls-policy * verify\n"));
	config_free(&c);
	/* no rule and no "*": may */
	ck_assert_int_eq(load("tls-policy a.example none\n", &c, err, sizeof err), 0);
	ck_assert_int_eq(config_tls_policy_for(&c, "b.example"), TLS_MAY);
	ck_assert_str_eq(c.dnssec_resolver, "");
	config_free(&c);
	expect_error("tls-policy a.example\n", 1, "tls-policy: want 'tls-policy DOMAIN POLICY'");
	expect_error("tls-policy a.example secure\n", 1,
		     "tls-policy: 'secure': not none, may, encrypt, verify, dane or dane-only");
	expect_error("tls-policy a.example may extra\n", 1,
		     "tls-policy: 'may extra': not none, may, encrypt, verify, dane or dane-only");
	expect_error("tls-policy a..example may\n", 1,
		     "tls-policy: 'a..example': not a domain, literal or '*'");
	expect_error("tls-policy a.example may\ntls-policy A.example none\n", 2,
		     "tls-policy: duplicate tls-policy for 'A.example'");
	expect_error("tls-ca-file etc/ca.pem\n", 1, "tls-ca-file: 'etc/ca.pem': not an absolute path");
	expect_error("dnssec-resolver ns.example\n", 1,
		     "dnssec-resolver: 'ns.example': want IP, IP:PORT or [IPv6]:PORT");
	/* dane without a validating resolver cannot work: refused */
	ck_assert_int_eq(load("tls-policy * dane\n", &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "tls-policy dane needs a dnssec-resolver"));
	ck_assert_int_eq(load("tls-policy a.example dane-only\n", &c, err, sizeof err), -1);
}
END_TEST

/* mailauth(8)'s settings: authserv-id follows hostname, yes|no policies */
START_TEST(mailauth_settings)
{
	struct config c;
	char err[512];

	ck_assert_int_eq(load("hostname mx.example.test\n", &c, err, sizeof err), 0);
	ck_assert_str_eq(c.authserv_id, "mx.example.test");
	ck_assert_uint_eq(c.spf_reject, 0);
	ck_assert_uint_eq(c.dmarc_reject, 0);
	ck_assert_uint_eq(c.mailauth_timeout, 30);
	ck_assert_str_eq(c.public_suffix_list, "/usr/share/publicsuffix/public_suffix_list.dat");
	config_free(&c);
	ck_assert_int_eq(load("authserv-id auth.example.test\nspf-reject yes\ndmarc-reject no\n"
			      "mailauth-timeout 2s\n", &c, err, sizeof err), 0);
	ck_assert_str_eq(c.authserv_id, "auth.example.test");
	ck_assert_uint_eq(c.spf_reject, 1);
	ck_assert_uint_eq(c.dmarc_reject, 0);
	ck_assert_uint_eq(c.mailauth_timeout, 2);
	config_free(&c);
	expect_error("spf-reject maybe\n", 1, "spf-reject: 'maybe': want yes or no");
	expect_error("dmarc-reject YES\n", 1, "dmarc-reject: 'YES': want yes or no");
	expect_error("authserv-id -x.test\n", 1, "authserv-id: '-x.test': not a domain name");
	expect_error("mailauth-queue-program inject\n", 1,
		     "mailauth-queue-program: 'inject': not an absolute path");
}
END_TEST

/* Several users in one reading of /etc/passwd, as passwd_user() finds each. */
START_TEST(passwd_users_at_once)
{
	static const char *const names[] = { "root", "no-such-user-tern", "daemon", "root" };
	long uids[4];
	unsigned uid, gid;

	ck_assert_int_eq(passwd_users(names, 4, uids), 0);
	ck_assert_int_eq(uids[0], 0);
	ck_assert_int_eq(uids[1], -1);
	ck_assert_int_eq(passwd_user("daemon", &uid, &gid), 0);
	ck_assert_int_eq(uids[2], (long)uid);
	ck_assert_int_eq(uids[3], 0);	/* a name twice: both found */
	ck_assert_int_eq(passwd_users(names, 0, uids), 0);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, mailauth_settings);
	tcase_add_test(tc, passwd_users_at_once);
	tcase_add_test(tc, every_setting);
	tcase_add_test(tc, postmaster_follows_hostname);
	tcase_add_test(tc, print_round_trip);
	tcase_add_test(tc, missing_file_fails_closed);
	tcase_add_test(tc, errors_name_file_and_line);
	tcase_add_test(tc, tls_settings);
	tcase_add_test(tc, dkim_settings);
	tcase_add_test(tc, retry_order_error);
	tcase_add_test(tc, maildir_user_unchecked_without_route);
	tcase_add_loop_test(tc, user_split_errors, 0,
			    (int)(sizeof user_errors / sizeof user_errors[0]));
	tcase_add_test(tc, nul_byte_refused);
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, cidr_matching);
	tcase_add_test(tc, client_in_relay_nets);
	tcase_add_test(tc, nexthops);
	tcase_add_test(tc, length_limits);
	tcase_add_test(tc, route_lookup);
	tcase_add_test(tc, confdir_env);
	tcase_add_test(tc, tls_policies);
	suite_add_tcase(s, tc);
	return s;
}
