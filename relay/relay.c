/*
 * relay - the delivery daemon: main() only; see relay(8), scheduler.h, pool.h.
 *
 *	relay [-f]	run in the foreground (the only mode; systemd Type=notify)
 *	relay -1	run until the queue is empty (tests)
 *	relay -n	print the effective configuration and exit
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "privdrop.h"
#include "relay/deliver_dkim.h"
#include "relay/deliver_maildir.h"
#include "relay/dkim_agent.h"
#include "relay/maildir_agent.h"
#include "relay/authfile.h"
#include "relay/pool.h"
#include "relay/scheduler.h"
#include "usage.h"

static const char relay_usage[] =
	"usage: relay [-f] [-1] [-n]\n"
	"The delivery daemon: the scheduler (as queue-user) and its delivery workers\n"
	"(as relay-user) deliver the queue to MX hosts, routes and LMTP.\n"
	"  -f      run in the foreground (the default and only mode; systemd Type=notify)\n"
	"  -1      run until the queue is empty, then exit (tests)\n"
	"  -n      check CONFDIR/tern.conf, print every effective setting and exit\n"
	"  --help  print this text and exit\n"
	"CONFDIR is $TERN_CONFDIR, else " TERN_CONFDIR ". See relay(8), tern.conf(5).\n";

/*
 * relay -n: the DKIM keys as the signer would load them (mode, owner,
 * type, size), when run by a user who may read them; 1 if one is refused.
 */
static int relay_check_keys(const struct config *c)
{
	struct dkim_keys ks;
	char err[512];

	if (!c->ndkim_signers)
		return 0;
	if (dkim_keys_load(c, &ks, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "%s", err);
		return 1;
	}
	dkim_keys_free(&ks);
	return 0;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	static struct auth_table auth;
	struct pool pool;
	const char *confdir;
	char err[512];
	int opt, once = 0, print = 0, writer, signer;

	log_init("relay");
	usage_help(argc, argv, relay_usage);
	while ((opt = getopt(argc, argv, "f1n")) != -1) {
		if (opt == '1')
			once = 1;
		else if (opt == 'n')
			print = 1;
		else if (opt != 'f')
			usage_die(100, relay_usage);
	}
	if (optind != argc)
		usage_die(100, relay_usage);
	confdir = config_dir();
	if (config_load(confdir, &cfg, err, sizeof err) < 0)
		log_die(print ? 1 : 111, "%s", err);
	if (print) {
		config_print(&cfg, 1);
		return relay_check_keys(&cfg);
	}
	log_journal_enable();
	/* The credentials while still root (the file is root's alone); the
	 * workers get them in memory. */
	if (cfg.relay_auth_file[0] &&
	    authfile_load(cfg.relay_auth_file, &cfg, &auth, err, sizeof err) < 0)
		log_die(111, "relay-auth-file %s", err);
	/* The Maildir writer (maildir-user) and the workers, from a factory that
	 * is relay-user, before any queue descriptor exists; then the scheduler
	 * becomes queue-user and keeps no way to the writer. */
	if (maildir_agent_needed(&cfg)) {
		if (maildir_agent_start(confdir, &cfg, &writer, err, sizeof err) < 0)
			log_die(111, "start the Maildir writer: %s", err);
		deliver_maildir_set_writer(writer);
	}
	/* The DKIM signer reads the keys itself, as root, and becomes
	 * queue-user: no worker ever holds a key. */
	if (cfg.ndkim_signers) {
		if (dkim_agent_start(&cfg, &signer, err, sizeof err) < 0)
			log_die(111, "start the DKIM signer: %s", err);
		deliver_dkim_set_signer(signer);
	}
	if (pool_start(&pool, confdir, &cfg, &auth, err, sizeof err) < 0)
		log_die(111, "start the worker factory: %s", err);
	deliver_maildir_set_writer(-1);
	deliver_dkim_set_signer(-1);
	authfile_free(&auth);	/* the scheduler needs no passwords */
	if (privdrop_to_user(cfg.queue_user, err, sizeof err) < 0)
		log_die(111, "%s", err);
	return sched_main(confdir, &cfg, &pool, once);
}
