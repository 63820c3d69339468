/*
 * smtpd - one SMTP session on fd 0/1, as started by systemd (Accept=yes),
 * xinetd or tcpserver. Only main(): configuration, privileges, the client's
 * address from the launcher, then session_run(). See smtpd(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "log.h"
#include "privdrop.h"
#include "session.h"
#include "tlscheck.h"
#include "tls_state.h"
#include "usage.h"

static const char smtpd_usage[] =
	"usage: smtpd [-n] [-s]\n"
	"One SMTP session on descriptors 0 and 1, as started by systemd (Accept=yes),\n"
	"xinetd or tcpserver; messages go to the queue program (inject).\n"
	"  -n      check CONFDIR/tern.conf, print every effective setting and exit\n"
	"  -s      submission (ports 587, 465): AUTH under TLS, MAIL needs AUTH\n"
	"  --help  print this text and exit\n"
	"CONFDIR is $TERN_CONFDIR, else " TERN_CONFDIR ". See smtpd(8), tern.conf(5).\n";

/* A bad configuration: log file/line, tell the client 421 (RFC 5321 §3.8), exit. */
static void smtpd_config_failed(const char *err, int check_only)
{
	static const char reply[] = "421 4.3.0 Service not available: configuration error\r\n";

	log_msg(LOG_ERR, "configuration: %s", err);
	if (!check_only && write(1, reply, sizeof reply - 1) < 0)
		exit(1);
	exit(1);
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct session_options o;
	char err[512];
	const char *dir, *queue;
	int opt, check_only = 0, submission = 0;

	log_init("smtpd");
	log_journal_native_enable();	/* structured entries under systemd */
	usage_help(argc, argv, smtpd_usage);
	while ((opt = getopt(argc, argv, "ns")) != -1) {
		if (opt == 'n')
			check_only = 1;
		else if (opt == 's')
			submission = 1;
		else
			usage_die(2, smtpd_usage);
	}
	if (optind != argc)
		usage_die(2, smtpd_usage);
	dir = config_dir();
	if (config_load(dir, &cfg, err, sizeof err) < 0)
		smtpd_config_failed(err, check_only);
	if (check_only) {
		config_print(&cfg, 1);
		/* no OpenSSL here: tlsd -n loads the pairs and names what is wrong */
		if (tlscheck_run(&cfg, getenv("TERN_CONFDIR"), err, sizeof err) < 0) {
			log_msg(LOG_ERR, "tls-certificate: %s", err);
			return 1;
		}
		return 0;
	}
	/* before a byte is read from the network */
	if (privdrop_to_user(cfg.smtpd_user, err, sizeof err) < 0)
		log_die(1, "drop privileges: %s", err);
	memset(&o, 0, sizeof o);
	o.cfg = &cfg;
	queue = getenv("TERN_QUEUE");
	o.injector = queue && *queue ? queue : cfg.queue_program;
	o.confdir = getenv("TERN_CONFDIR");
	o.relay_client = getenv("RELAYCLIENT") != NULL;
	if (tls_state_from_env(&o.tls) < 0)	/* implicit TLS: tlsd -i says so */
		smtpd_config_failed("TERN_TLS_PROTOCOL, TERN_TLS_CIPHER, TERN_TLS_BITS: "
				    "missing or malformed", 0);
	o.submission = submission;
	client_discover(&o.client, 0);
	return session_run(&o, 0, 1);
}
