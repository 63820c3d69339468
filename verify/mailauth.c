/*
 * mailauth - the inbound SPF, DKIM and DMARC checks as a qmail-queue
 * filter: smtpd runs it as its queue program; it reads the message (fd 0)
 * and the envelope (fd 1), checks, and hands the message with its
 * Authentication-Results: header to the real queue program, or refuses
 * it with one of tern's exit codes. Only main(); see mailauth(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "config.h"
#include "dmarc.h"
#include "envelope.h"
#include "forward.h"
#include "log.h"
#include "queue_client.h"
#include "spool.h"
#include "str.h"
#include "usage.h"
#include "vdns.h"

static const char mailauth_usage[] =
	"usage: mailauth [-n]\n"
	"SPF, DKIM and DMARC checks as a qmail-queue filter: the message on fd 0,\n"
	"the envelope on fd 1; the message goes on to mailauth-queue-program with an\n"
	"Authentication-Results: header, or is refused by the spf-reject and\n"
	"dmarc-reject policies.\n"
	"  -n      check CONFDIR/tern.conf and the public suffix list, print the\n"
	"          settings and exit\n"
	"  --help  print this text and exit\n"
	"CONFDIR is $TERN_CONFDIR, else " TERN_CONFDIR ". See mailauth(8), tern.conf(5).\n";

/* qmail-queue(8) exit codes used here */
enum { EXIT_REFUSED = 31, EXIT_NOMEM = 51, EXIT_READ = 54, EXIT_CONFIG = 55, EXIT_BUG = 81 };

/* room for the header lines smtpd adds before max-message-size counts */
#define HEADER_ROOM (64u << 10)

static const char *env_get(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* the public suffix list is read only when a message is checked (-n: always) */
static void mailauth_config(struct config *cfg, int check_only)
{
	char err[512];

	if (config_load(config_dir(), cfg, err, sizeof err) < 0)
		log_die(check_only ? 1 : EXIT_CONFIG, "configuration: %s", err);
	if (check_only && dmarc_init(cfg->public_suffix_list, err, sizeof err) < 0)
		log_die(1, "configuration: %s", err);
}

/* the message's checks: 0 and *ar filled, or the refusal's exit code */
static int mailauth_check(const struct config *cfg, const struct spool *sp, const char *sender,
			  struct checks_output *out)
{
	struct checks_input in = {
		env_get("TERN_CLIENT_IP"), env_get("TERN_CLIENT_HELO"), sender,
		env_get("TERN_CLIENT_AUTH"), env_get("TERN_CLIENT_RELAY") != NULL,
		sp->msg, sp->len, cfg->authserv_id, (int)cfg->spf_reject, (int)cfg->dmarc_reject,
	};
	struct vdns *dns = NULL;
	char err[256];
	int code;

	if (in.ip && !in.auth && !in.relay &&
	    (dmarc_init(cfg->public_suffix_list, err, sizeof err) < 0 ||
	     !(dns = vdns_open(cfg->resolver, cfg->mailauth_timeout, err, sizeof err))))
		log_die(EXIT_CONFIG, "configuration: %s", err);
	code = checks_run(&in, dns, out);
	vdns_close(dns);
	return code;
}

static int mailauth_forward(const struct config *cfg, const struct spool *sp,
			    const struct str *env, const struct checks_output *out)
{
	struct str ar = STR_INIT(0), head = STR_INIT(0);
	struct queue_origin origin = {
		env_get("TERN_CLIENT_IP"), env_get("TERN_CLIENT_HELO"), env_get("TERN_CLIENT_AUTH"),
		env_get("TERN_CLIENT_RELAY") != NULL,
	};
	struct forward f = { 0 };
	size_t removed;
	int code;

	if (authres_format(&out->ar, &ar) < 0 ||
	    forward_strip(sp->msg, sp->len, cfg->authserv_id, &head, &f.body, &removed) < 0)
		log_die(EXIT_NOMEM, "out of memory");
	if (removed)
		log_msg(LOG_NOTICE, "removed %zu Authentication-Results: field(s) with our id %s",
			removed, cfg->authserv_id);
	f.program = cfg->mailauth_queue_program;
	f.received_id = env_get("TERN_RECEIVED_ID");
	f.confdir = env_get("TERN_CONFDIR");
	f.origin = &origin;
	f.ar = ar.s;
	f.arlen = ar.len;
	f.head = head.s;
	f.headlen = head.len;
	f.msg = sp->msg;
	f.len = sp->len;
	f.envelope = env->s;
	f.envlen = env->len;
	f.timeout_ms = (int)(cfg->data_timeout > 86400 ? 86400000 : cfg->data_timeout * 1000);
	code = forward_message(&f);
	str_free(&ar);
	str_free(&head);
	return code;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct spool sp = { -1, NULL, 0 };
	struct str env = STR_INIT(0);
	struct envelope e;
	struct checks_output *out;
	int code, r;

	log_init("mailauth");
	usage_help(argc, argv, mailauth_usage);
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-n") != 0))
		usage_die(2, mailauth_usage);
	mailauth_config(&cfg, argc == 2);
	if (argc == 2) {
		config_print(&cfg, 1);
		return 0;
	}
	r = spool_message(0, cfg.max_message_size + HEADER_ROOM, &sp);
	if (r == -2)
		log_die(EXIT_REFUSED, "message longer than max-message-size");
	if (r < 0 || (r = spool_envelope(1, &env)) < 0)
		log_die(r == -2 ? EXIT_REFUSED : EXIT_READ, "cannot read the message or envelope");
	if (envelope_decode(env.s ? env.s : "", env.len, &e) != ENVELOPE_OK)
		log_die(EXIT_READ, "envelope format error");	/* no envelope: nothing queued */
	if (!(out = malloc(sizeof *out)))
		log_die(EXIT_NOMEM, "out of memory");
	code = mailauth_check(&cfg, &sp, e.sender, out);
	if (code) {
		log_msg(LOG_NOTICE, "refused (exit %d): %s", code, out->why);
		return code;
	}
	code = mailauth_forward(&cfg, &sp, &env, out);
	envelope_free(&e);
	free(out);
	spool_free(&sp);
	str_free(&env);
	config_free(&cfg);
	return code ? code : 0;
	(void)EXIT_BUG;
}
