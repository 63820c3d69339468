#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H
/*
 * NAME
 *	config - read and validate CONFDIR/tern.conf, the one configuration file
 * SYNOPSIS
 *	const char *config_dir(void);
 *	int config_load(const char *dir, struct config *c, char *err, size_t errlen);
 *	void config_free(struct config *c);
 *	void config_print(const struct config *c, int fd);
 *	void config_size_text(unsigned long long bytes, char out[24]);
 *	int config_accepts_domain(const struct config *c, const char *domain);
 *	const struct route *config_route_for(const struct config *c, const char *domain);
 *	enum tls_policy config_tls_policy_for(const struct config *c, const char *domain);
 *	int config_client_in_relay_nets(const struct config *c, const char *addrtext);
 * DESCRIPTION
 *	config_dir() is TERN_CONFDIR from the environment when the process is not
 *	setuid or setgid (real ids equal effective ids), else the compiled-in
 *	CONFDIR. config_load() reads dir/tern.conf: one setting per line,
 *	"key value", '#' starts a comment, blank lines ignored, keys marked (r)
 *	may repeat. Unknown keys, bad values and missing required values are
 *	errors. Every setting and its default is in tern.conf(5):
 *
 *	  hostname NAME               default: the system's host name
 *	  accept DOMAIN (r)           domains whose mail this host accepts;
 *	                              none means accept none (fail closed)
 *	  relay-net CIDR (r)          clients that may relay (v4 and v6)
 *	  queue-dir PATH              used only when not setuid; default QUEUEDIR
 *	  max-message-size BYTES      default 64M (k, M, G suffixes)
 *	  max-recipients N            default 100 (RFC 5321 §4.5.3.1.8 minimum)
 *	  command-timeout DURATION    default 5m (s, m, h, d suffixes), each
 *	                              whole command line
 *	  data-timeout DURATION       default 3m, DATA's wait budget (smtpd(8))
 *	  data-min-rate BYTES         default 500, per second, DATA's average
 *	                              past the budget; 0: none
 *	  session-timeout DURATION    default 30m, whole session
 *	  queue-program PATH          default LIBEXECDIR/inject
 *	  smtpd-user NAME             default tern-smtpd: smtpd started as root
 *	                              drops to it before reading the network
 *	  queue-user NAME             default tern-queue: the relay scheduler
 *	                              started as root drops to it
 *	  resolver HOST[:PORT]        default: /etc/resolv.conf
 *	  smtp-port N                 default 25, port used for MX hosts
 *	  self-address ADDRESS (r)    an address of this host beside its
 *	                              interfaces' (NAT, proxy front end): an MX
 *	                              at it is a mail loop (relay(8))
 *	  route DOMAIN NEXTHOP (r)    DOMAIN or "*" (default route); NEXTHOP is
 *	                              smtp:[host]:port, smtp:host (MX lookup of
 *	                              host), lmtp:[host]:port, lmtp:unix:/path
 *	                              or maildir:/path/%d/%u/
 *	  retry-min DURATION          default 5m
 *	  retry-max DURATION          default 1h
 *	  queue-lifetime DURATION     default 5d
 *	  concurrency N               default 50, deliveries in flight and
 *	                              connections open (idle ones too)
 *	  destination-concurrency N   default 10, the same per destination:
 *	                              per next hop (a route's, else the
 *	                              domain's MX), relay(8)
 *	  bounce-body-max BYTES       default 64k of the original body in a DSN
 *	  postmaster ADDRESS          default postmaster@hostname
 *	  relay-user NAME             default tern-relay: delivery workers started
 *	                              as root drop to it
 *	  tls-certificate CHAIN KEY (r)  a certificate chain file and its
 *	                              private key file (absolute paths), at
 *	                              most CONFIG_TLS_CERT_MAX (one RSA, one
 *	                              ECDSA); none: no STARTTLS
 *	  tls-program PATH            default LIBEXECDIR/tlsd
 *	  tls-handshake-timeout DURATION  default 1m
 *	  tls-user NAME               default "" (the smtpd-user): tlsd -i
 *	                              started as root drops to it
 *	  auth-program PATH           default LIBEXECDIR/checkpw, the
 *	                              checkpassword program smtpd -s asks
 *	  auth-password-file PATH     default CONFDIR/passwd, read by checkpw
 *	  auth-timeout DURATION       default 30s, the wait for auth-program
 *	  auth-failure-delay DURATION default 2s before each 535 (0 allowed)
 *	  auth-failure-limit N        default 3 failed AUTHs, then 421 and close
 *	  sender-login-map PATH       default none: which login may use which
 *	                              MAIL FROM address (smtpd(8))
 *	  tls-policy DOMAIN POLICY (r)  DOMAIN or "*"; POLICY none, may (the
 *	                              default), encrypt, verify, dane, dane-only
 *	                              (tlspolicy.h, relay(8))
 *	  tls-ca-file PATH            the relay's trusted CAs for verify; default
 *	                              the system's
 *	  dnssec-resolver HOST[:PORT] the validating resolver trusted for DNSSEC
 *	                              (its AD bit); needed by tls-policy dane
 *	  relay-auth-file PATH        smarthost credentials, read as root at start
 *	  authserv-id NAME            default: hostname; the id of mailauth(8)'s
 *	                              Authentication-Results: (RFC 8601 §2.5)
 *	  spf-reject yes|no           default no: mailauth refuses SPF fail
 *	  dmarc-reject yes|no         default no: mailauth refuses a DMARC
 *	                              failure under p=reject
 *	  mailauth-timeout DURATION   default 30s, all of mailauth's DNS
 *	                              lookups for one message together
 *	  mailauth-queue-program PATH default LIBEXECDIR/inject: where mailauth
 *	                              hands the checked message on
 *	  public-suffix-list PATH     default /usr/share/publicsuffix/
 *	                              public_suffix_list.dat (DMARC's
 *	                              organizational domains)
 *	  dkim-sign DOMAIN SELECTOR KEYFILE (r)  sign mail from DOMAIN (its
 *	                              From:) with the key in KEYFILE, read by
 *	                              the relay's signer only (dkimconf.h,
 *	                              relay(8)); at most CONFIG_DKIM_MAX
 *
 *	config_load() fills c with defaults first. err receives
 *	"FILE:LINE: problem" (or "FILE: problem"). config_print() writes every
 *	effective setting in tern.conf syntax, defaults included.
 *	config_size_text() writes bytes as tern.conf would (1048576: "1M").
 *	config_accepts_domain() compares ignoring case; an address literal is
 *	never accepted unless listed literally.
 *	config_route_for() gives the route for domain, the "*" route, or NULL
 *	(then: MX lookup). config_tls_policy_for() is tlspolicy_find() over
 *	c's tls-policy rules.
 *	config_client_in_relay_nets() parses addrtext (v4, v6, v4-mapped v6)
 *	and matches it against relay-net.
 *	config_route_for() is route_find() over c's routes; nexthop.h and
 *	cidr.h define the syntax of route and relay-net values.
 * DIAGNOSTICS
 *	config_load() returns 0, or -1 with err set (ENOENT of tern.conf is an
 *	error: tern fails closed).
 */
#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "cidr.h"	/* struct cidr, cidr_match() */
#include "dkimconf.h"	/* struct dkim_signer */
#include "nexthop.h"	/* struct nexthop, struct route */
#include "tlspolicy.h"	/* struct tls_rule, enum tls_policy */

#define CONFIG_TLS_CERT_MAX 2
#define CONFIG_DKIM_MAX 64

struct config_tls_certificate {
	char *chain;	/* PEM: the certificate, then its intermediates */
	char *key;	/* PEM: its private key */
};

struct config {
	char hostname[256];
	char **accept;
	size_t naccept;
	struct cidr *relay_nets;
	size_t nrelay_nets;
	char queue_dir[4096];
	unsigned long long max_message_size;
	unsigned max_recipients;
	unsigned command_timeout, data_timeout, session_timeout;	/* seconds */
	unsigned long long data_min_rate;	/* bytes per second, 0: none */
	char queue_program[4096];
	char smtpd_user[64];
	char resolver[300];	/* "" : /etc/resolv.conf */
	unsigned smtp_port;
	struct route *routes;
	size_t nroutes;
	unsigned retry_min, retry_max, queue_lifetime;	/* seconds */
	unsigned concurrency, destination_concurrency;
	unsigned long long bounce_body_max;
	char postmaster[300];
	char relay_user[64];
	char queue_user[64];
	struct cidr *self_addrs;	/* self-address settings, full-length prefixes */
	size_t nself_addrs;
	struct config_tls_certificate tls_certs[CONFIG_TLS_CERT_MAX];
	size_t ntls_certs;
	char tls_program[4096];
	unsigned tls_handshake_timeout;	/* seconds */
	char tls_user[64];	/* "": the smtpd_user */
	char recipients[4096];		/* map source, "" : none */
	char aliases[4096];		/* map source, "" : none */
	char maildir_user[64];
	char auth_program[4096];
	char auth_password_file[4096];
	unsigned auth_timeout, auth_failure_delay;	/* seconds */
	unsigned auth_failure_limit;
	char sender_login_map[4096];
	struct tls_rule *tls_rules;	/* tls-policy settings */
	size_t ntls_rules;
	char tls_ca_file[4096];		/* "": the system's CAs */
	char dnssec_resolver[300];	/* "": none (no DANE) */
	char relay_auth_file[4096];	/* "": no smarthost credentials */
	char authserv_id[256];		/* Authentication-Results: id; default hostname */
	unsigned spf_reject, dmarc_reject;	/* 0 or 1 */
	unsigned mailauth_timeout;	/* seconds, all DNS of one message */
	char mailauth_queue_program[4096];
	char public_suffix_list[4096];
	struct dkim_signer *dkim_signers;	/* dkim-sign settings */
	size_t ndkim_signers;
};

const char *config_dir(void);
int config_load(const char *dir, struct config *c, char *err, size_t errlen);
void config_free(struct config *c);
void config_size_text(unsigned long long bytes, char out[24]);
void config_print(const struct config *c, int fd);
int config_accepts_domain(const struct config *c, const char *domain);
const struct route *config_route_for(const struct config *c, const char *domain);
enum tls_policy config_tls_policy_for(const struct config *c, const char *domain);
int config_client_in_relay_nets(const struct config *c, const char *addrtext);

#endif
