/*
 * tlsd - the TLS engine between the network and smtpd; the only tern
 * program that reads the server's private keys. See tlsd(8).
 *
 *	tlsd -n                  check every tls-certificate pair
 *	tlsd                     STARTTLS, started by smtpd: network on 0/1,
 *	                         plaintext socket on 3, control socket on 4
 *	tlsd -i PROGRAM [ARG...] implicit TLS (RFC 8314), started by the launcher
 *
 * Installed setgid tern-tls: the group that may read the key files. It
 * trusts no argument or variable that would change which key it reads,
 * and it gives the group up (and root, for -i) before it reads a byte
 * from the network. It is never dumpable, so smtpd, which shares its
 * uid, cannot ptrace it or read its memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "client.h"
#include "config.h"
#include "log.h"
#include "privdrop.h"
#include "str.h"
#include "tls_control.h"
#include "tlsd_keys.h"
#include "tlsd_relay.h"
#include "usage.h"

#define FD_PLAIN 3
#define FD_CONTROL 4

static struct config cfg;
static struct client peer;

static const char tlsd_usage[] =
	"usage: tlsd -n | tlsd -i PROGRAM [ARG...] | tlsd\n"
	"The TLS engine in front of smtpd; the only program that reads the TLS keys.\n"
	"  -n          load every tls-certificate pair, name each problem, exit\n"
	"  -i PROGRAM  implicit TLS (port 465): handshake on 0/1, then run PROGRAM\n"
	"              (smtpd) over a socketpair with TERN_TLS_* set\n"
	"  (none)      STARTTLS, as smtpd starts it: network on 0/1, plaintext on 3,\n"
	"              control socket on 4\n"
	"  --help      print this text and exit\n"
	"See tlsd(8), smtpd(8), tern.conf(5).\n";

/*
 * Give up a setgid group for good and check that it cannot come back (as
 * root, the child of tlsd -i, it could: that child becomes PROGRAM, which
 * drops root itself).
 */
static void tlsd_drop_group(void)
{
	gid_t g = getgid(), saved = getegid();

	if (g == saved)
		return;
	if (setresgid(g, g, g) < 0)
		log_die(111, "setresgid %u: %s", (unsigned)g, strerror(errno));
	if (getegid() != g || (geteuid() != 0 && setegid(saved) == 0))
		log_die(111, "group %u could be regained", (unsigned)saved);
}

/*
 * Root (tlsd -i from a launcher running as root): become tls-user, else
 * smtpd-user, as privdrop does for smtpd. Otherwise drop the setgid group.
 */
static void tlsd_drop_privileges(void)
{
	char err[512];
	const char *user = cfg.tls_user[0] ? cfg.tls_user : cfg.smtpd_user;

	if (geteuid() == 0 && privdrop_to_user(user, err, sizeof err) < 0)
		log_die(111, "drop privileges: %s", err);
	tlsd_drop_group();
}

/*
 * The configuration from the compiled-in CONFDIR when setgid. A caller
 * who names another one with TERN_CONFDIR gets it, but only after the
 * group is gone: then tlsd reads only what the caller could read.
 */
static void tlsd_config(void)
{
	const char *env = getenv("TERN_CONFDIR");
	char err[512];

	if (getgid() != getegid() && env && *env && strcmp(env, TERN_CONFDIR) != 0)
		tlsd_drop_group();
	if (config_load(config_dir(), &cfg, err, sizeof err) < 0)
		log_die(111, "configuration: %s", err);
}

static void tlsd_log_failure(const char *what, const char *why)
{
	struct log_field f[] = { { LOG_FIELD_CLIENT_ADDR, peer.addr }, { LOG_FIELD_REASON, why }, { NULL, NULL } };

	log_event(LOG_INFO, f, "%s", what);
}

static SSL *tlsd_ssl(SSL_CTX *ctx)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl || !SSL_set_rfd(ssl, 0) || !SSL_set_wfd(ssl, 1))
		log_die(111, "SSL_new: out of memory");
	return ssl;
}

static void tlsd_relay_limits(struct tlsd_limits *l)
{
	unsigned idle = cfg.command_timeout > cfg.data_timeout ? cfg.command_timeout
							       : cfg.data_timeout;

	/* smtpd ends a silent session itself; this bound is the backstop */
	l->idle_ms = idle > 86400 ? 86400 * 1000 : (int)(idle + 60) * 1000;
	l->deadline_ms = clock_ms() + 1000LL * cfg.session_timeout + 60000;
	l->close_ms = 10000;
}

static int tlsd_check(void)
{
	char err[600];
	SSL_CTX *ctx = tlsd_keys_context(&cfg, err, sizeof err);

	if (!ctx) {
		fprintf(stderr, "tlsd: %s\n", err);
		return 1;
	}
	SSL_CTX_free(ctx);
	return 0;
}

/* ---- STARTTLS: the control dialogue of tls_control.h ---- */

static void control_send(enum tls_control_kind k, const char *text)
{
	char line[TLS_CONTROL_LINE_MAX + 2];
	int n = tls_control_format(line, sizeof line, k, text);

	if (n < 0 || fd_write_all(FD_CONTROL, line, (size_t)n) < 0)
		log_die(111, "control: cannot write");
}

static int control_wait_start(long long deadline_ms)
{
	char mem[TLS_CONTROL_LINE_MAX + 2], line[TLS_CONTROL_LINE_MAX + 2];
	struct tls_control_msg m;
	struct inbuf in;
	size_t len;

	inbuf_init(&in, FD_CONTROL, mem, sizeof mem);
	buf_set_deadline(&in, deadline_ms);
	if (inbuf_getline(&in, line, sizeof line, &len) != BUF_OK)
		return -1;
	return tls_control_parse(line, len, &m) == TLS_CONTROL_START ? 0 : -1;
}

/* After "start": the handshake, its outcome to smtpd, then the relay. */
static int tlsd_starttls_session(SSL_CTX *ctx, long long deadline)
{
	char err[600], proto[64], cipher[64], bits[64], ok[200];
	struct tlsd_limits lim;
	SSL *ssl = tlsd_ssl(ctx);
	int r = 1;

	if (tlsd_handshake(ssl, deadline, err, sizeof err) < 0) {
		tlsd_log_failure("TLS handshake failed", err);
		control_send(TLS_CONTROL_FAIL, err);
	} else {
		tlsd_facts(ssl, proto, cipher, bits, sizeof proto);
		snprintf(ok, sizeof ok, "%s %s %s", proto, cipher, bits);
		control_send(TLS_CONTROL_OK, ok);
		tlsd_relay_limits(&lim);
		r = tlsd_relay(ssl, FD_PLAIN, &lim) == 0 ? 0 : 1;
	}
	SSL_free(ssl);
	return r;
}

static int tlsd_starttls(void)
{
	char err[600];
	long long deadline = clock_ms() + 1000LL * cfg.tls_handshake_timeout;
	SSL_CTX *ctx;
	int r = 0;

	if (!(ctx = tlsd_keys_context(&cfg, err, sizeof err))) {
		control_send(TLS_CONTROL_ERROR, err);
		log_msg(LOG_ERR, "%s", err);
		return 1;
	}
	tlsd_drop_privileges();
	control_send(TLS_CONTROL_READY, NULL);
	/* no "start": smtpd changed its mind (or died), nothing to do */
	if (control_wait_start(deadline) == 0)
		r = tlsd_starttls_session(ctx, deadline);
	SSL_CTX_free(ctx);
	return r;
}

/* ---- implicit TLS: tlsd -i PROGRAM ARG... ---- */

/*
 * The child, forked before any key is read: wait for the handshake's
 * facts, put them in the environment (with REMOTE_ADDR and REMOTE_PORT
 * from getpeername() when the launcher set no address), give up the setgid
 * group and
 * become PROGRAM on the plaintext socket. Still root if tlsd was: the
 * program (smtpd) drops to its own user.
 */
static void tlsd_child(int facts, int plain, char **argv)
{
	char mem[TLS_CONTROL_LINE_MAX + 2], line[TLS_CONTROL_LINE_MAX + 2];
	struct tls_control_msg m;
	struct inbuf in;
	size_t len;

	inbuf_init(&in, facts, mem, sizeof mem);
	buf_set_timeout(&in, -1);	/* the parent has its deadline; EOF if it fails */
	if (inbuf_getline(&in, line, sizeof line, &len) != BUF_OK ||
	    tls_control_parse(line, len, &m) != TLS_CONTROL_OK)
		_exit(0);
	snprintf(line, sizeof line, "%u/%u", m.tls.bits, m.tls.alg_bits);
	if (setenv("TERN_TLS_PROTOCOL", m.tls.protocol, 1) < 0 ||
	    setenv("TERN_TLS_CIPHER", m.tls.cipher, 1) < 0 || setenv("TERN_TLS_BITS", line, 1) < 0)
		_exit(111);
	/* xinetd sets no variable: the address getpeername() gave, for smtpd */
	if (!getenv("REMOTE_ADDR") && !getenv("TCPREMOTEIP") && peer.known &&
	    (setenv("REMOTE_ADDR", peer.addr, 1) < 0 ||
	     (peer.port[0] && setenv("REMOTE_PORT", peer.port, 1) < 0)))
		_exit(111);
	tlsd_drop_group();
	if (dup2(plain, 0) < 0 || dup2(plain, 1) < 0)
		_exit(111);
	execv(argv[0], argv);
	log_msg(LOG_ERR, "cannot run %s: %s", argv[0], strerror(errno));
	_exit(111);
}

static int tlsd_wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 111;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 111;
}

/* The handshake on 0/1; its facts to the child, then the relay. */
static int tlsd_implicit_session(SSL_CTX *ctx, long long deadline, int facts, int plain)
{
	char err[600], proto[64], cipher[64], bits[64], ok[200];
	struct tlsd_limits lim;
	SSL *ssl = tlsd_ssl(ctx);
	int r = 1;

	if (tlsd_handshake(ssl, deadline, err, sizeof err) < 0) {
		tlsd_log_failure("TLS handshake failed", err);
		close(facts);	/* the child sees end of file and exits */
	} else {
		tlsd_facts(ssl, proto, cipher, bits, sizeof proto);
		snprintf(ok, sizeof ok, "ok %s %s %s\n", proto, cipher, bits);
		fd_write_all(facts, ok, strlen(ok));
		close(facts);
		tlsd_relay_limits(&lim);
		r = tlsd_relay(ssl, plain, &lim) == 0 ? 0 : 1;
	}
	close(plain);
	SSL_free(ssl);
	return r;
}

static int tlsd_implicit(char **argv)
{
	char err[600];
	long long deadline = clock_ms() + 1000LL * cfg.tls_handshake_timeout;
	int facts[2], plain[2], r, status;
	SSL_CTX *ctx;
	pid_t pid;

	if (pipe2(facts, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, plain) < 0)
		log_die(111, "socketpair: %s", strerror(errno));
	if ((pid = fork()) < 0)
		log_die(111, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(facts[1]);
		close(plain[0]);
		tlsd_child(facts[0], plain[1], argv);
	}
	close(facts[0]);
	close(plain[1]);
	if (!(ctx = tlsd_keys_context(&cfg, err, sizeof err)))
		log_die(111, "%s", err);	/* the child sees EOF and exits */
	tlsd_drop_privileges();
	r = tlsd_implicit_session(ctx, deadline, facts[1], plain[0]);
	SSL_CTX_free(ctx);
	/* PROGRAM's status; after a failed handshake the child exits 0: 1 */
	status = tlsd_wait_child(pid);
	return status ? status : r;
}

int main(int argc, char **argv)
{
	int opt, check = 0, implicit = 0;

	prctl(PR_SET_DUMPABLE, 0);	/* before anything is read */
	log_init("tlsd");
	usage_help(argc, argv, tlsd_usage);
	log_journal_native_enable();
	if (fd_std_ensure() < 0)
		return 111;
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "+ni")) != -1) {
		if (opt == 'n')
			check = 1;
		else if (opt == 'i')
			implicit = 1;
		else
			usage_die(2, tlsd_usage);
	}
	if (check + implicit > 1 || (implicit && optind == argc) || (!implicit && optind != argc))
		usage_die(2, tlsd_usage);
	if (implicit && argv[optind][0] != '/')
		log_die(2, "-i %s: not an absolute path", argv[optind]);
	tlsd_config();
	if (check)
		return tlsd_check();
	client_discover(&peer, 0);
	if (implicit)
		return tlsd_implicit(argv + optind);
	return tlsd_starttls();
}
