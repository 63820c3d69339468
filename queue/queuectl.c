/*
 * queuectl - look at and act on the queue, and check the configuration
 * (queuectl(8)): list, show ID, delete ID..., retry [ID...], sweep [SECONDS],
 * check. Works on a private instance through TERN_CONFDIR.
 */
#include <errno.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "tlscheck.h"
#include "queue/queue.h"
#include "queue/queue_list.h"
#include "usage.h"

#define SWEEP_TMP_AGE (36 * 3600)	/* as qmail: a tmp/ file older than this is garbage */

static const char usage[] =
	"usage: queuectl list | show ID | delete ID... | retry [ID...] | sweep [SECONDS] | check\n"
	"Look at and act on the queue of CONFDIR/tern.conf (as the queue user or root).\n"
	"  list          one line per message (id, age, size, sender), one per recipient\n"
	"  show ID       the envelope, each recipient's state, then the message as queued\n"
	"  delete ID...  remove messages (a delivery in progress may still complete)\n"
	"  retry [ID...] ask the relay to try now: the messages named, or every message\n"
	"  sweep [SECS]  remove tmp/ files older than SECS (default 36 hours) and orphans\n"
	"  check         check the configuration, users, queue and injector (exit 1: not OK)\n"
	"  --help        print this text and exit\n"
	"CONFDIR is $TERN_CONFDIR, else " TERN_CONFDIR ". See queuectl(8), queue(5).\n";

static struct config cfg;
static struct queue q;

static void config_setup(void)
{
	char err[512];

	if (config_load(config_dir(), &cfg, err, sizeof err) < 0)
		log_die(1, "%s", err);
}

static void queue_setup(void)
{
	config_setup();
	if (queue_open(&q, queue_dir(&cfg)) < 0)
		log_die(1, "%s", q.err);
}

static int cmd_delete(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 1)
		usage_die(2, usage);
	for (i = 0; i < argc; i++) {
		if (queue_message_remove(&q, argv[i]) < 0) {
			dprintf(2, "queuectl: delete %s: %s\n", argv[i],
				errno == ENOENT ? "no such message" : q.err);
			rc = 1;
		} else {
			dprintf(1, "deleted %s\n", argv[i]);
		}
	}
	return rc;
}

static int cmd_retry(int argc, char **argv)
{
	int i, rc = 0;

	if (argc == 0) {
		if (queue_retry_request(&q, NULL) < 0)
			log_die(1, "%s", q.err);
		return 0;
	}
	for (i = 0; i < argc; i++) {
		struct stat st;
		if (!queue_id_valid(argv[i]) || fstatat(q.messfd, argv[i], &st, 0) < 0) {
			dprintf(2, "queuectl: retry %s: no such message\n", argv[i]);
			rc = 1;
		} else if (queue_retry_request(&q, argv[i]) < 0) {
			dprintf(2, "queuectl: %s\n", q.err);
			rc = 1;
		}
	}
	return rc;
}

static int cmd_sweep(int argc, char **argv)
{
	long long age = SWEEP_TMP_AGE;
	char *end;

	if (argc > 1)
		usage_die(2, usage);
	if (argc == 1) {
		errno = 0;
		age = strtoll(argv[0], &end, 10);
		if (errno || end == argv[0] || *end || age < 0)
			log_die(2, "sweep: not a number of seconds: %s", argv[0]);
	}
	if (queue_sweep(&q, (long long)time(NULL), age) < 0)
		log_die(1, "%s", q.err);
	return 0;
}

static int check_problems;

static void check_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void check_problem(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dprintf(2, "queuectl: check: %s\n", msg);
	check_problems++;
}

/* check_user: the user named by key must exist; gives its uid. */
static int check_user(const char *key, const char *name, uid_t *uid)
{
	struct passwd *pw = getpwnam(name);

	if (!pw) {
		check_problem("%s %s: no such user", key, name);
		return -1;
	}
	*uid = pw->pw_uid;
	return 0;
}

/* check_queue_dirs: the queue and its subdirectories: directories, owned by
 * the queue user, no access for group or others (queue(5)). */
static void check_queue_dirs(const char *dir, int have_owner, uid_t owner)
{
	static const char *const subs[] = { "", "/tmp", "/mess", "/state", "/retry" };
	char path[4200];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		snprintf(path, sizeof path, "%s%s", dir, subs[i]);
		if (lstat(path, &st) < 0) {
			check_problem("queue directory %s: %s", path, strerror(errno));
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			check_problem("queue directory %s: not a directory", path);
			continue;
		}
		if (have_owner && st.st_uid != owner)
			check_problem("queue directory %s: owned by uid %u, not queue-user %s",
				      path, (unsigned)st.st_uid, cfg.queue_user);
		if (st.st_mode & 077)
			check_problem("queue directory %s: mode %04o, want 0700", path,
				      (unsigned)(st.st_mode & 07777));
	}
}

/*
 * check_injector: the program smtpd and sendmail run (TERN_QUEUE, else
 * queue-program) must be executable. Installed, it is setuid queue-user; if
 * it is not setuid, smtpd runs it as smtpd-user, which then must be the
 * queue user (as in a private instance) or it cannot write the queue.
 */
static void check_injector(const struct config *c, int have_owner, uid_t owner)
{
	const char *env = getenv("TERN_QUEUE");
	const char *prog = env && env[0] ? env : c->queue_program;
	struct stat st;

	if (stat(prog, &st) < 0) {
		check_problem("injector %s: %s", prog, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || access(prog, X_OK) < 0) {
		check_problem("injector %s: not an executable file", prog);
		return;
	}
	if (st.st_mode & S_ISUID) {
		if (have_owner && st.st_uid != owner)
			check_problem("injector %s: setuid uid %u, not queue-user %s", prog,
				      (unsigned)st.st_uid, c->queue_user);
	} else if (strcmp(c->smtpd_user, c->queue_user) != 0) {
		check_problem("injector %s: not setuid %s, so smtpd (as %s) cannot queue mail",
			      prog, c->queue_user, c->smtpd_user);
	}
}

/* check_tls: tlsd -n loads every tls-certificate pair and names problems */
static void check_tls(const struct config *c)
{
	char err[600];

	if (tlscheck_run(c, getenv("TERN_CONFDIR"), err, sizeof err) < 0)
		check_problem("tls-certificate: %s", err);
}

static int check_run(const struct config *c)
{
	uid_t owner = 0, other;
	int have_owner;

	config_print(c, 1);
	check_user("smtpd-user", c->smtpd_user, &other);
	check_user("relay-user", c->relay_user, &other);
	have_owner = check_user("queue-user", c->queue_user, &owner) == 0;
	check_queue_dirs(queue_dir(c), have_owner, owner);
	check_injector(c, have_owner, owner);
	check_tls(c);
	if (check_problems) {
		dprintf(2, "queuectl: check: %d problem%s\n", check_problems,
			check_problems == 1 ? "" : "s");
		return 1;
	}
	dprintf(2, "queuectl: check: configuration, users, queue and injector are OK\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int rc = 0;

	log_init("queuectl");
	usage_help(argc, argv, usage);
	if (argc < 2)
		usage_die(2, usage);
	cmd = argv[1];
	if (strcmp(cmd, "check") == 0) {
		if (argc != 2)
			usage_die(2, usage);
		config_setup();
		return check_run(&cfg);
	}
	if (strcmp(cmd, "list") && strcmp(cmd, "show") && strcmp(cmd, "delete") &&
	    strcmp(cmd, "retry") && strcmp(cmd, "sweep"))
		usage_die(2, usage);
	queue_setup();
	if (strcmp(cmd, "list") == 0) {
		if (argc != 2)
			usage_die(2, usage);
		if (queue_list_print(&q, 1, (long long)time(NULL)) < 0)
			log_die(1, "%s", q.err);
	} else if (strcmp(cmd, "show") == 0) {
		if (argc != 3)
			usage_die(2, usage);
		if (queue_show_print(&q, argv[2], 1, (long long)time(NULL)) < 0)
			log_die(1, "show %s: %s", argv[2],
				errno == ENOENT || errno == EINVAL ? "no such message" : q.err);
	} else if (strcmp(cmd, "delete") == 0) {
		rc = cmd_delete(argc - 2, argv + 2);
	} else if (strcmp(cmd, "retry") == 0) {
		rc = cmd_retry(argc - 2, argv + 2);
	} else {
		rc = cmd_sweep(argc - 2, argv + 2);
	}
	queue_close(&q);
	config_free(&cfg);
	return rc;
}
