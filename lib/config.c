/*
 * config - read and validate CONFDIR/tern.conf (see config.h, tern.conf(5)).
 *
 * One table (settings[]) names every key, its type, where it lives in
 * struct config, its bounds and its default; parsing, defaults and
 * config_print() all walk it, so a setting cannot be half-added.
 * Fail closed: a missing file, an unknown key, a bad or repeated value is
 * an error naming the file and line; nothing is guessed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "cidr.h"
#include "config.h"
#include "dkimconf.h"
#include "nexthop.h"
#include "passwd.h"
#include "str.h"
#include "tlspolicy.h"

#define CONFIG_FILE "tern.conf"
#define CONFIG_LINE_MAX 4096

enum setting_type {
	T_HOSTNAME, T_DOMAIN_LIST, T_CIDR_LIST, T_PATH, T_SIZE, T_COUNT,
	T_DURATION, T_USER, T_RESOLVER, T_PORT, T_ROUTE_LIST, T_ADDRESS, T_SELF_LIST,
	T_TLS_CERT_LIST, T_OPT_USER,
	T_MAP,
	T_TLS_LIST, T_OPT_PATH, T_BOOL, T_DKIM_LIST,
};

struct setting {
	const char *key;
	enum setting_type type;
	size_t off, size;		/* field in struct config */
	unsigned long long min, max;	/* numeric bounds */
	unsigned long long def;		/* numeric default */
	const char *defstr;		/* string default (NULL: computed) */
};

#define F(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)
#define NUM(field, lo, hi, d) F(field), (lo), (hi), (d), NULL
#define TXT(field, d) F(field), 0, 0, 0, (d)
#define LIST(field) F(field), 0, 0, 0, NULL
#define UMAX 4294967295ULL

static const struct setting settings[] = {
	{ "hostname", T_HOSTNAME, TXT(hostname, NULL) },
	{ "accept", T_DOMAIN_LIST, LIST(accept) },
	{ "relay-net", T_CIDR_LIST, LIST(relay_nets) },
	{ "queue-dir", T_PATH, TXT(queue_dir, TERN_QUEUEDIR) },
	{ "max-message-size", T_SIZE, NUM(max_message_size, 1, 1ULL << 40, 64ULL << 20) },
	{ "max-recipients", T_COUNT, NUM(max_recipients, 1, 100000, 100) },
	{ "command-timeout", T_DURATION, NUM(command_timeout, 1, UMAX, 300) },
	{ "data-timeout", T_DURATION, NUM(data_timeout, 1, UMAX, 180) },
	{ "data-min-rate", T_SIZE, NUM(data_min_rate, 0, 1ULL << 40, 500) },
	{ "session-timeout", T_DURATION, NUM(session_timeout, 1, UMAX, 1800) },
	{ "queue-program", T_PATH, TXT(queue_program, TERN_LIBEXECDIR "/inject") },
	{ "smtpd-user", T_USER, TXT(smtpd_user, "tern-smtpd") },
	{ "queue-user", T_USER, TXT(queue_user, "tern-queue") },
	{ "relay-user", T_USER, TXT(relay_user, "tern-relay") },
	{ "resolver", T_RESOLVER, TXT(resolver, "") },
	{ "smtp-port", T_PORT, NUM(smtp_port, 1, 65535, 25) },
	{ "self-address", T_SELF_LIST, LIST(self_addrs) },
	{ "route", T_ROUTE_LIST, LIST(routes) },
	{ "retry-min", T_DURATION, NUM(retry_min, 1, UMAX, 300) },
	{ "retry-max", T_DURATION, NUM(retry_max, 1, UMAX, 3600) },
	{ "queue-lifetime", T_DURATION, NUM(queue_lifetime, 1, UMAX, 5 * 86400) },
	{ "concurrency", T_COUNT, NUM(concurrency, 1, 100000, 50) },
	{ "destination-concurrency", T_COUNT, NUM(destination_concurrency, 1, 100000, 10) },
	{ "bounce-body-max", T_SIZE, NUM(bounce_body_max, 0, 1ULL << 40, 64ULL << 10) },
	{ "postmaster", T_ADDRESS, TXT(postmaster, NULL) },
	{ "tls-certificate", T_TLS_CERT_LIST, LIST(tls_certs) },
	{ "tls-program", T_PATH, TXT(tls_program, TERN_LIBEXECDIR "/tlsd") },
	{ "tls-handshake-timeout", T_DURATION, NUM(tls_handshake_timeout, 1, UMAX, 60) },
	{ "tls-user", T_OPT_USER, TXT(tls_user, "") },
	{ "recipients", T_MAP, TXT(recipients, "") },
	{ "aliases", T_MAP, TXT(aliases, "") },
	{ "maildir-user", T_USER, TXT(maildir_user, "tern-mail") },
	{ "auth-program", T_PATH, TXT(auth_program, TERN_LIBEXECDIR "/checkpw") },
	{ "auth-password-file", T_PATH, TXT(auth_password_file, TERN_CONFDIR "/passwd") },
	{ "auth-timeout", T_DURATION, NUM(auth_timeout, 1, UMAX, 30) },
	{ "auth-failure-delay", T_DURATION, NUM(auth_failure_delay, 0, 3600, 2) },
	{ "auth-failure-limit", T_COUNT, NUM(auth_failure_limit, 1, 1000, 3) },
	{ "sender-login-map", T_PATH, TXT(sender_login_map, NULL) },
	{ "tls-policy", T_TLS_LIST, LIST(tls_rules) },
	{ "tls-ca-file", T_OPT_PATH, TXT(tls_ca_file, "") },
	{ "dnssec-resolver", T_RESOLVER, TXT(dnssec_resolver, "") },
	{ "relay-auth-file", T_OPT_PATH, TXT(relay_auth_file, "") },
	{ "authserv-id", T_HOSTNAME, TXT(authserv_id, NULL) },
	{ "spf-reject", T_BOOL, NUM(spf_reject, 0, 1, 0) },
	{ "dmarc-reject", T_BOOL, NUM(dmarc_reject, 0, 1, 0) },
	{ "mailauth-timeout", T_DURATION, NUM(mailauth_timeout, 1, 3600, 30) },
	{ "mailauth-queue-program", T_PATH, TXT(mailauth_queue_program, TERN_LIBEXECDIR "/inject") },
	{ "public-suffix-list", T_PATH,
	  TXT(public_suffix_list, "/usr/share/publicsuffix/public_suffix_list.dat") },
	{ "dkim-sign", T_DKIM_LIST, LIST(dkim_signers) },
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

/* ---- small syntax checks ---- */

/* RFC 5321 §4.1.2 Domain and §4.1.3 address literal, as addr.h parses them */
static int domain_valid(const char *d)
{
	return addr_domain_valid(d, strlen(d));
}

static int literal_valid(const char *d)
{
	return addr_literal_valid(d, strlen(d));
}

static int user_valid(const char *u)
{
	size_t i;

	if (!u[0] || u[0] == '-' || strlen(u) > 32)
		return 0;
	for (i = 0; u[i]; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
		      (u[i] >= '0' && u[i] <= '9') || strchr("_.-", u[i])))
			return 0;
	return 1;
}

/* ---- values ---- */

static int parse_scaled(const char *v, const char *suffixes, const unsigned long long *mult,
			unsigned long long *out)
{
	size_t n = strlen(v);
	const char *sfx = n ? strchr(suffixes, v[n - 1]) : NULL;
	unsigned long long m = 1;
	int r;

	if (n && !(v[n - 1] >= '0' && v[n - 1] <= '9')) {
		if (!sfx)	/* "10X" has an unknown suffix; "x" is no number */
			return str_parse_ull(v, n - 1, out) == 0 ? -2 : -1;
		m = mult[sfx - suffixes];
		n--;
	}
	r = str_parse_ull(v, n, out);
	if (r < 0)
		return r == -2 ? -3 : -1;
	if (*out > ~0ULL / m)
		return -3;
	*out *= m;
	return 0;
}

static int parse_number(const struct setting *st, const char *v, unsigned long long *out,
			char *err, size_t errlen)
{
	static const unsigned long long size_mult[] = {
		1024, 1024, 1ULL << 20, 1ULL << 20, 1ULL << 30, 1ULL << 30 };
	static const unsigned long long dur_mult[] = { 1, 60, 3600, 86400 };
	int r;

	if (st->type == T_SIZE)
		r = parse_scaled(v, "kKMmGg", size_mult, out);
	else if (st->type == T_DURATION)
		r = parse_scaled(v, "smhd", dur_mult, out);
	else if ((r = str_parse_ull(v, strlen(v), out)) == -2)
		r = -3;
	if (r == -2)
		return str_errorf(err, errlen, "%s: '%s': unknown suffix '%c' (use %s)", st->key, v,
			       v[strlen(v) - 1], st->type == T_SIZE ? "k, M or G" : "s, m, h or d");
	if (r < 0 && r != -3)
		return str_errorf(err, errlen, "%s: '%s': not a number", st->key, v);
	if (r == -3 || *out > st->max)
		return str_errorf(err, errlen, "%s: '%s': larger than %llu", st->key, v, st->max);
	if (*out < st->min)
		return str_errorf(err, errlen, "%s: '%s': smaller than %llu", st->key, v, st->min);
	return 0;
}

static void store_number(struct config *c, const struct setting *st, unsigned long long v)
{
	char *p = (char *)c + st->off;

	if (st->size == sizeof(unsigned long long)) {
		memcpy(p, &v, sizeof v);
	} else {
		unsigned u = (unsigned)v;
		memcpy(p, &u, sizeof u);
	}
}

static unsigned long long load_number(const struct config *c, const struct setting *st)
{
	const char *p = (const char *)c + st->off;
	unsigned long long v;
	unsigned u;

	if (st->size == sizeof(unsigned long long)) {
		memcpy(&v, p, sizeof v);
		return v;
	}
	memcpy(&u, p, sizeof u);
	return u;
}

static int store_text(struct config *c, const struct setting *st, const char *v,
		      char *err, size_t errlen)
{
	if (strlen(v) >= st->size)
		return str_errorf(err, errlen, "%s: value longer than %zu bytes", st->key, st->size - 1);
	memcpy((char *)c + st->off, v, strlen(v) + 1);
	return 0;
}

static int resolver_valid(const char *v)
{
	char host[64];
	unsigned char a[16];
	unsigned long long port;
	const char *end, *colon;
	size_t hlen;

	if (inet_pton(AF_INET6, v, a) == 1)
		return 1;
	if (v[0] == '[') {
		end = strchr(v, ']');
		if (!end)
			return 0;
		hlen = (size_t)(end - v - 1);
		colon = end[1] ? end + 1 : NULL;
		if (colon && colon[0] != ':')
			return 0;
		v++;
	} else {
		colon = strchr(v, ':');
		hlen = colon ? (size_t)(colon - v) : strlen(v);
	}
	if (hlen == 0 || hlen >= sizeof host)
		return 0;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		return 0;
	return !colon || (str_parse_ull(colon + 1, strlen(colon + 1), &port) == 0 &&
			  port >= 1 && port <= 65535);
}

/*
 * The postmaster address goes into envelopes that inject checks with
 * addr_parse_mailbox(): the same parser here, ASCII only (a client that did
 * not say SMTPUTF8 may still write to <postmaster>, RFC 5321 §4.5.1).
 */
static int address_valid(const char *v)
{
	struct addr a;

	return addr_parse_mailbox(v, strlen(v), 0, &a) == ADDR_OK;
}

static int list_grow(void **arr, size_t *n, size_t elem)
{
	void *p;

	if (*n >= 100000)
		return -1;
	p = realloc(*arr, (*n + 1) * elem);
	if (!p)
		return -1;
	*arr = p;
	return 0;
}

static int add_accept(struct config *c, const char *v, char *err, size_t errlen)
{
	char *dup;

	if (!domain_valid(v) && !literal_valid(v))
		return str_errorf(err, errlen, "accept: '%s': not a domain or address literal", v);
	if (list_grow((void **)&c->accept, &c->naccept, sizeof *c->accept) < 0 ||
	    !(dup = strdup(v)))
		return str_errorf(err, errlen, "accept: out of memory");
	c->accept[c->naccept++] = dup;
	return 0;
}

static int add_relay_net(struct config *c, const char *v, char *err, size_t errlen)
{
	struct cidr n;
	const char *why;

	if (cidr_parse(v, &n, &why) < 0)
		return str_errorf(err, errlen, "relay-net: '%s': %s", v, why);
	if (list_grow((void **)&c->relay_nets, &c->nrelay_nets, sizeof n) < 0)
		return str_errorf(err, errlen, "relay-net: out of memory");
	c->relay_nets[c->nrelay_nets++] = n;
	return 0;
}

/* One address of this host (no prefix: a host, not a network). */
static int add_self_address(struct config *c, const char *v, char *err, size_t errlen)
{
	struct cidr n;
	const char *why;

	if (strchr(v, '/'))
		return str_errorf(err, errlen, "self-address: '%s': an address, not a network", v);
	if (cidr_parse(v, &n, &why) < 0)
		return str_errorf(err, errlen, "self-address: '%s': %s", v, why);
	if (list_grow((void **)&c->self_addrs, &c->nself_addrs, sizeof n) < 0)
		return str_errorf(err, errlen, "self-address: out of memory");
	c->self_addrs[c->nself_addrs++] = n;
	return 0;
}

/*
 * "CHAIN-FILE KEY-FILE": two absolute paths; at most CONFIG_TLS_CERT_MAX
 * pairs (one per key type, which only tlsd -n, with OpenSSL, can check).
 */
static int add_tls_certificate(struct config *c, const char *v, char *err, size_t errlen)
{
	struct config_tls_certificate t = { NULL, NULL };
	size_t n = strcspn(v, " \t");
	const char *key = v + n + strspn(v + n, " \t");

	if (!*key || key[strcspn(key, " \t")])
		return str_errorf(err, errlen, "tls-certificate: want CHAIN-FILE KEY-FILE");
	if (v[0] != '/' || key[0] != '/')
		return str_errorf(err, errlen, "tls-certificate: '%s': not absolute paths", v);
	if (n >= 4096 || strlen(key) >= 4096)
		return str_errorf(err, errlen, "tls-certificate: path longer than 4095 bytes");
	if (c->ntls_certs >= CONFIG_TLS_CERT_MAX)
		return str_errorf(err, errlen, "tls-certificate: more than %d (one RSA, one ECDSA)",
				  CONFIG_TLS_CERT_MAX);
	if (!(t.chain = strndup(v, n)) || !(t.key = strdup(key))) {
		free(t.chain);
		return str_errorf(err, errlen, "tls-certificate: out of memory");
	}
	c->tls_certs[c->ntls_certs++] = t;
	return 0;
}

static int add_route(struct config *c, const char *v, char *err, size_t errlen)
{
	struct route r;
	size_t i;

	if (route_parse(v, &r, err, errlen) < 0)
		return -1;
	for (i = 0; i < c->nroutes; i++)
		if (strcasecmp(c->routes[i].domain, r.domain) == 0)
			return str_errorf(err, errlen, "duplicate route for '%s'", r.domain);
	if (list_grow((void **)&c->routes, &c->nroutes, sizeof r) < 0)
		return str_errorf(err, errlen, "out of memory");
	c->routes[c->nroutes++] = r;
	return 0;
}

static int add_tls_rule(struct config *c, const char *v, char *err, size_t errlen)
{
	struct tls_rule r;
	size_t i;

	if (tlspolicy_parse(v, &r, err, errlen) < 0)
		return -1;
	for (i = 0; i < c->ntls_rules; i++)
		if (strcasecmp(c->tls_rules[i].domain, r.domain) == 0)
			return str_errorf(err, errlen, "duplicate tls-policy for '%s'", r.domain);
	if (list_grow((void **)&c->tls_rules, &c->ntls_rules, sizeof r) < 0)
		return str_errorf(err, errlen, "out of memory");
	c->tls_rules[c->ntls_rules++] = r;
	return 0;
}

/* One key per domain and type; the type is the key file's, known only to
 * the signer, so here only the same domain, selector and file twice is an
 * error. */
static int add_dkim_signer(struct config *c, const char *v, char *err, size_t errlen)
{
	struct dkim_signer d;
	size_t i;

	if (dkimconf_parse(v, &d, err, errlen) < 0)
		return -1;
	for (i = 0; i < c->ndkim_signers; i++)
		if (strcmp(c->dkim_signers[i].domain, d.domain) == 0 &&
		    strcmp(c->dkim_signers[i].selector, d.selector) == 0) {
			str_errorf(err, errlen, "selector %s of %s given twice", d.selector,
				   d.domain);
			dkimconf_free(&d);
			return -1;
		}
	if (c->ndkim_signers >= CONFIG_DKIM_MAX ||
	    list_grow((void **)&c->dkim_signers, &c->ndkim_signers, sizeof d) < 0) {
		dkimconf_free(&d);
		return str_errorf(err, errlen, "more than %d", CONFIG_DKIM_MAX);
	}
	c->dkim_signers[c->ndkim_signers++] = d;
	return 0;
}

/* Check and store one value for st. */
static int setting_apply(struct config *c, const struct setting *st, const char *v,
			 char *err, size_t errlen)
{
	unsigned long long num;
	char why[512];

	if (st->type != T_ROUTE_LIST && st->type != T_TLS_CERT_LIST && st->type != T_TLS_LIST &&
	    st->type != T_DKIM_LIST && strpbrk(v, " \t"))
		return str_errorf(err, errlen, "%s: '%s': one value expected", st->key, v);
	switch (st->type) {
	case T_DOMAIN_LIST:
		return add_accept(c, v, err, errlen);
	case T_CIDR_LIST:
		return add_relay_net(c, v, err, errlen);
	case T_SELF_LIST:
		return add_self_address(c, v, err, errlen);
	case T_TLS_CERT_LIST:
		return add_tls_certificate(c, v, err, errlen);
	case T_ROUTE_LIST:
		if (add_route(c, v, why, sizeof why) < 0)
			return str_errorf(err, errlen, "route: %s", why);
		return 0;
	case T_TLS_LIST:
		if (add_tls_rule(c, v, why, sizeof why) < 0)
			return str_errorf(err, errlen, "tls-policy: %s", why);
		return 0;
	case T_DKIM_LIST:
		if (add_dkim_signer(c, v, why, sizeof why) < 0)
			return str_errorf(err, errlen, "dkim-sign: %s", why);
		return 0;
	case T_SIZE: case T_COUNT: case T_DURATION: case T_PORT:
		if (parse_number(st, v, &num, err, errlen) < 0)
			return -1;
		store_number(c, st, num);
		return 0;
	case T_HOSTNAME:
		if (!domain_valid(v))
			return str_errorf(err, errlen, "%s: '%s': not a domain name", st->key, v);
		break;
	case T_BOOL:
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return str_errorf(err, errlen, "%s: '%s': want yes or no", st->key, v);
		store_number(c, st, strcmp(v, "yes") == 0);
		return 0;
	case T_PATH: case T_MAP: case T_OPT_PATH:
		if (v[0] != '/')
			return str_errorf(err, errlen, "%s: '%s': not an absolute path", st->key, v);
		break;
	case T_USER: case T_OPT_USER:
		if (!user_valid(v))
			return str_errorf(err, errlen, "%s: '%s': not a user name", st->key, v);
		break;
	case T_RESOLVER:
		if (!resolver_valid(v))
			return str_errorf(err, errlen, "%s: '%s': want IP, IP:PORT or [IPv6]:PORT",
					  st->key, v);
		break;
	case T_ADDRESS:
		if (!address_valid(v))
			return str_errorf(err, errlen, "postmaster: '%s': not an address", v);
		break;
	}
	return store_text(c, st, v, err, errlen);
}

/* ---- the file ---- */

static void config_defaults(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *st = &settings[i];
		if (st->defstr)
			memcpy((char *)c + st->off, st->defstr, strlen(st->defstr) + 1);
		else if (st->type == T_SIZE || st->type == T_COUNT ||
			 st->type == T_DURATION || st->type == T_PORT || st->type == T_BOOL)
			store_number(c, st, st->def);
	}
	if (gethostname(c->hostname, sizeof c->hostname - 1) < 0 || !c->hostname[0])
		strcpy(c->hostname, "localhost");
}

static int setting_repeats(const struct setting *st)
{
	return st->type == T_DOMAIN_LIST || st->type == T_CIDR_LIST || st->type == T_ROUTE_LIST ||
	       st->type == T_SELF_LIST || st->type == T_TLS_CERT_LIST || st->type == T_TLS_LIST ||
	       st->type == T_DKIM_LIST;
}

/* One line (LF removed): comment stripped, "key value" split and applied. */
static int config_line(struct config *c, char *line, size_t len, unsigned char *seen,
		       char *err, size_t errlen)
{
	char *key, *val, *end, *hash;
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			return str_errorf(err, errlen, "control byte 0x%02x in line (remove it)",
				       (unsigned char)line[i]);
	line[len] = '\0';
	if ((hash = strchr(line, '#')))
		*hash = '\0';
	key = line + strspn(line, " \t");
	end = key + strlen(key);
	while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!*key)
		return 0;
	val = key + strcspn(key, " \t");
	if (*val)
		*val++ = '\0';
	val += strspn(val, " \t");
	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].key, key) == 0)
			break;
	if (i == NSETTINGS)
		return str_errorf(err, errlen, "unknown setting '%s' (tern.conf(5) lists them)", key);
	if (!*val)
		return str_errorf(err, errlen, "%s: missing value (write '%s VALUE')", key, key);
	if (seen[i] && !setting_repeats(&settings[i]))
		return str_errorf(err, errlen, "duplicate setting '%s' (keep one line; only "
				  "accept, relay-net, self-address and route repeat)", key);
	seen[i] = 1;
	return setting_apply(c, &settings[i], val, err, errlen);
}

static int config_read(int fd, struct config *c, unsigned char *seen,
		       const char *path, char *err, size_t errlen)
{
	char mem[8192], line[CONFIG_LINE_MAX + 2], why[768];
	struct inbuf in;
	unsigned long lineno = 0;
	enum buf_result r;
	size_t len;

	inbuf_init(&in, fd, mem, sizeof mem);
	buf_set_timeout(&in, -1);	/* a file: no peer to wait for */
	for (;;) {
		r = inbuf_getline(&in, line, CONFIG_LINE_MAX + 1, &len);
		if (r == BUF_EOF)
			return 0;
		lineno++;
		if (r == BUF_ERROR)
			return str_errorf(err, errlen, "%s:%lu: read: %s", path, lineno, strerror(errno));
		if (r == BUF_TIMEOUT)
			return str_errorf(err, errlen, "%s:%lu: read timed out", path, lineno);
		if (len && line[len - 1] == '\n')
			len--;
		if (r == BUF_TOOLONG || len > CONFIG_LINE_MAX)
			return str_errorf(err, errlen, "%s:%lu: line longer than %d bytes",
				       path, lineno, CONFIG_LINE_MAX);
		if (config_line(c, line, len, seen, why, sizeof why) < 0)
			return str_errorf(err, errlen, "%s:%lu: %s", path, lineno, why);
	}
}

static int config_tls_dane_used(const struct config *c)
{
	size_t i;

	for (i = 0; i < c->ntls_rules; i++)
		if (c->tls_rules[i].policy == TLS_DANE || c->tls_rules[i].policy == TLS_DANE_ONLY)
			return 1;
	return 0;
}

/* Checks that span settings, after the whole file is read. */
/*
 * config_user_uids: the uid of each of n users in /etc/passwd, read once
 * (every program start checks these); -1 for one it has none of (the drop
 * to it fails then), 0 for root.
 */
static void config_user_uids(const char *const *names, size_t n, long *uids)
{
	size_t i;

	if (passwd_users(names, n, uids) < 0)
		for (i = 0; i < n; i++)
			uids[i] = -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "root") == 0)
			uids[i] = 0;
}

/*
 * The three users are the privilege split: none may be root, no two one
 * user (by name or by uid). smtpd as the queue user could write the queue
 * past the injector, delivery workers as the queue user could alter it,
 * and smtpd and the workers as one user could take each other over
 * (signals, ptrace), so a flaw in either would reach both peers' sides.
 */
static int config_check_users(const struct config *c, const char *path, char *err,
			      size_t errlen)
{
	static const char *const key[3] = { "smtpd-user", "queue-user", "relay-user" };
	static const char *const why[3] = {
		"smtpd could write the queue without the injector",
		"smtpd and the delivery workers could take each other over",
		"the delivery workers could write the queue",
	};
	const char *name[3] = { c->smtpd_user, c->queue_user, c->relay_user };
	long uid[3];
	size_t i, j;

	config_user_uids(name, 3, uid);
	for (i = 0; i < 3; i++)
		if (uid[i] == 0)
			return str_errorf(err, errlen, "%s: %s %s: uid 0 (root) would undo the "
					  "privilege split (set %s to an unprivileged user of its "
					  "own, tern-%.*s)", path, key[i], name[i], key[i],
					  (int)strcspn(key[i], "-"), key[i]);
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (strcmp(name[i], name[j]) == 0 || (uid[i] > 0 && uid[i] == uid[j]))
				return str_errorf(err, errlen, "%s: %s %s and %s %s are one user: "
						  "%s (give each its own: tern-smtpd, "
						  "tern-queue, tern-relay)", path, key[i],
						  name[i], key[j], name[j], why[i + j - 1]);
	return 0;
}

/*
 * With a maildir: route, the Maildir writer's user is a fourth side of the
 * split: as queue-user it could write the queue, as relay-user or
 * smtpd-user the processes that face the network could write mailboxes.
 */
static int config_check_maildir_user(const struct config *c, const char *path, char *err,
				     size_t errlen)
{
	static const char *const key[3] = { "smtpd-user", "queue-user", "relay-user" };
	const char *name[4] = { c->smtpd_user, c->queue_user, c->relay_user, c->maildir_user };
	long uids[4], uid;
	size_t i;

	for (i = 0; i < c->nroutes && c->routes[i].hop.kind != NEXTHOP_MAILDIR; i++)
		;
	if (i == c->nroutes)
		return 0;	/* no Maildir writer: nothing to look up */
	config_user_uids(name, 4, uids);
	uid = uids[3];
	if (uid == 0)
		return str_errorf(err, errlen, "%s: maildir-user %s: uid 0 (root) may not write "
				  "the Maildirs (set maildir-user to a user of its own, tern-mail)",
				  path, c->maildir_user);
	for (i = 0; i < 3; i++)
		if (strcmp(name[i], c->maildir_user) == 0 || (uid > 0 && uid == uids[i]))
			return str_errorf(err, errlen, "%s: maildir-user %s and %s %s are one user: "
					  "the Maildir writer must be apart from the queue and "
					  "the network (give it its own: tern-mail)", path,
					  c->maildir_user, key[i], name[i]);
	return 0;
}

static int config_finish(struct config *c, const char *path, char *err, size_t errlen)
{
	if (!c->authserv_id[0])	/* RFC 8601 §2.5: this host's name by default */
		memcpy(c->authserv_id, c->hostname, sizeof c->authserv_id);
	if (!c->postmaster[0] &&
	    snprintf(c->postmaster, sizeof c->postmaster, "postmaster@%s", c->hostname) >=
	    (int)sizeof c->postmaster)
		return str_errorf(err, errlen, "%s: hostname too long for postmaster@hostname "
				  "(set postmaster)", path);
	if (!c->dnssec_resolver[0] && config_tls_dane_used(c))
		return str_errorf(err, errlen, "%s: tls-policy dane needs a dnssec-resolver "
				  "(set dnssec-resolver to a validating resolver)", path);
	if (c->retry_min > c->retry_max)
		return str_errorf(err, errlen, "%s: retry-min (%us) is greater than retry-max (%us) "
				  "(lower retry-min or raise retry-max)",
			       path, c->retry_min, c->retry_max);
	if (config_check_users(c, path, err, errlen) < 0)
		return -1;
	return config_check_maildir_user(c, path, err, errlen);
}

int config_load(const char *dir, struct config *c, char *err, size_t errlen)
{
	unsigned char seen[NSETTINGS] = { 0 };
	char path[4200];
	int fd, r;

	config_defaults(c);
	if (snprintf(path, sizeof path, "%s/%s", dir, CONFIG_FILE) >= (int)sizeof path)
		return str_errorf(err, errlen, "%s: directory name too long", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return str_errorf(err, errlen, "%s: cannot open: %s (%s)", path, strerror(errno),
				  errno == ENOENT ? "tern refuses to run without it: create it "
				  "(tern.conf(5)) or name its directory in TERN_CONFDIR" :
				  "it must be readable by every tern user");
	r = config_read(fd, c, seen, path, err, errlen);
	close(fd);
	if (r == 0)
		r = config_finish(c, path, err, errlen);
	if (r < 0)
		config_free(c);
	return r;
}

void config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < c->naccept; i++)
		free(c->accept[i]);
	free(c->accept);
	free(c->relay_nets);
	free(c->routes);
	free(c->self_addrs);
	for (i = 0; i < c->ntls_certs; i++) {
		free(c->tls_certs[i].chain);
		free(c->tls_certs[i].key);
	}
	c->ntls_certs = 0;
	free(c->tls_rules);
	c->tls_rules = NULL;
	c->ntls_rules = 0;
	for (i = 0; i < c->ndkim_signers; i++)
		dkimconf_free(&c->dkim_signers[i]);
	free(c->dkim_signers);
	c->dkim_signers = NULL;
	c->ndkim_signers = 0;
	c->accept = NULL;
	c->relay_nets = NULL;
	c->routes = NULL;
	c->self_addrs = NULL;
	c->naccept = c->nrelay_nets = c->nroutes = c->nself_addrs = 0;
}

const char *config_dir(void)
{
	const char *env;

	/* a setuid/setgid caller must not choose which configuration we trust */
	if (getuid() == geteuid() && getgid() == getegid() &&
	    (env = getenv("TERN_CONFDIR")) && env[0])
		return env;
	return TERN_CONFDIR;
}

int config_accepts_domain(const struct config *c, const char *domain)
{
	size_t i;

	for (i = 0; i < c->naccept; i++)
		if (strcasecmp(c->accept[i], domain) == 0)
			return 1;
	return 0;
}

const struct route *config_route_for(const struct config *c, const char *domain)
{
	return route_find(c->routes, c->nroutes, domain);
}

enum tls_policy config_tls_policy_for(const struct config *c, const char *domain)
{
	return tlspolicy_find(c->tls_rules, c->ntls_rules, domain);
}

int config_client_in_relay_nets(const struct config *c, const char *addrtext)
{
	return cidr_list_match(c->relay_nets, c->nrelay_nets, addrtext);
}

/* ---- printing ---- */

static void print_scaled(struct str *o, unsigned long long v, enum setting_type t)
{
	static const unsigned long long dur[] = { 86400, 3600, 60 };
	static const unsigned long long size[] = { 1ULL << 30, 1ULL << 20, 1024 };
	const unsigned long long *m = t == T_DURATION ? dur : size;
	const char *sfx = t == T_DURATION ? "dhm" : "GMk";
	int i;

	for (i = 0; i < 3; i++)
		if (v && v % m[i] == 0) {
			str_appendf(o, "%llu%c", v / m[i], sfx[i]);
			return;
		}
	str_appendf(o, t == T_DURATION ? "%llus" : "%llu", v);
}

void config_size_text(unsigned long long bytes, char out[24])
{
	struct str s = STR_INIT(24);

	print_scaled(&s, bytes, T_SIZE);
	snprintf(out, 24, "%s", s.s ? str_cstr(&s) : "?");
	str_free(&s);
}

static void print_setting(struct str *o, const struct config *c, const struct setting *st)
{
	size_t i;

	switch (st->type) {
	case T_DOMAIN_LIST:
		if (!c->naccept)
			str_appendz(o, "# accept: none, no mail is accepted (fail closed)\n");
		for (i = 0; i < c->naccept; i++)
			str_appendf(o, "accept %s\n", c->accept[i]);
		return;
	case T_CIDR_LIST:
		if (!c->nrelay_nets)
			str_appendz(o, "# relay-net: none\n");
		for (i = 0; i < c->nrelay_nets; i++) {
			char a[INET6_ADDRSTRLEN];
			const struct cidr *n = &c->relay_nets[i];
			inet_ntop(n->family, n->addr, a, sizeof a);
			str_appendf(o, "relay-net %s/%u\n", a, n->prefix);
		}
		return;
	case T_SELF_LIST:
		if (!c->nself_addrs)
			str_appendz(o, "# self-address: none, only the interfaces' addresses\n");
		for (i = 0; i < c->nself_addrs; i++) {
			char a[INET6_ADDRSTRLEN];
			inet_ntop(c->self_addrs[i].family, c->self_addrs[i].addr, a, sizeof a);
			str_appendf(o, "self-address %s\n", a);
		}
		return;
	case T_ROUTE_LIST:
		if (!c->nroutes)
			str_appendz(o, "# route: none, MX lookups for every domain\n");
		for (i = 0; i < c->nroutes; i++) {
			str_appendf(o, "route %s ", c->routes[i].domain);
			nexthop_format(o, &c->routes[i].hop);
			str_appendc(o, '\n');
		}
		return;
	case T_TLS_LIST:
		if (!c->ntls_rules)
			str_appendz(o, "# tls-policy: none, every domain: may\n");
		for (i = 0; i < c->ntls_rules; i++)
			str_appendf(o, "tls-policy %s %s\n", c->tls_rules[i].domain,
				    tlspolicy_name(c->tls_rules[i].policy));
		return;
	case T_DKIM_LIST:
		if (!c->ndkim_signers)
			str_appendz(o, "# dkim-sign: none, no DKIM signatures\n");
		for (i = 0; i < c->ndkim_signers; i++)
			str_appendf(o, "dkim-sign %s %s %s\n", c->dkim_signers[i].domain,
				    c->dkim_signers[i].selector, c->dkim_signers[i].keyfile);
		return;
	case T_TLS_CERT_LIST:
		if (!c->ntls_certs)
			str_appendz(o, "# tls-certificate: none, no STARTTLS\n");
		for (i = 0; i < c->ntls_certs; i++)
			str_appendf(o, "tls-certificate %s %s\n", c->tls_certs[i].chain,
				    c->tls_certs[i].key);
		return;
	case T_OPT_USER:
		if (!c->tls_user[0])
			str_appendz(o, "# tls-user: the smtpd-user\n");
		else
			str_appendf(o, "%s %s\n", st->key, c->tls_user);
		return;
	case T_SIZE: case T_DURATION:
		str_appendf(o, "%s ", st->key);
		print_scaled(o, load_number(c, st), st->type);
		str_appendc(o, '\n');
		return;
	case T_COUNT: case T_PORT:
		str_appendf(o, "%s %llu\n", st->key, load_number(c, st));
		return;
	case T_BOOL:
		str_appendf(o, "%s %s\n", st->key, load_number(c, st) ? "yes" : "no");
		return;
	case T_MAP:
		if (!*((const char *)c + st->off))
			str_appendf(o, "# %s: none, %s\n", st->key, !strcmp(st->key, "recipients") ?
				    "every local part of an accepted domain is valid" :
				    "no aliases");
		else
			str_appendf(o, "%s %s\n", st->key, (const char *)c + st->off);
		return;
	default:
		if (st->type == T_RESOLVER && !c->resolver[0] && st->off == offsetof(struct config, resolver))
			str_appendz(o, "# resolver: from /etc/resolv.conf\n");
		else if (!((const char *)c + st->off)[0])	/* an optional path unset */
			str_appendf(o, "# %s: none\n", st->key);
		else
			str_appendf(o, "%s %s\n", st->key, (const char *)c + st->off);
	}
}

void config_print(const struct config *c, int fd)
{
	struct str o = STR_INIT(0);
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		print_setting(&o, c, &settings[i]);
	fd_write_all(fd, o.s ? o.s : "", o.len);
	str_free(&o);
}
