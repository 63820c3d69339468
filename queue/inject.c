/*
 * inject - put one message into the queue: the qmail-queue protocol; with
 * -S every message of an SMTP session (the session protocol,
 * inject_session.c).
 *
 * The message arrives on fd 0 and is streamed into a tmp/ file; then the
 * envelope ("F" sender NUL, "T" recipient NUL ..., NUL) is read from fd 1,
 * checked, and the message is committed (queue(5)). Exit 0 only after the
 * commit point; otherwise the qmail-queue(8) codes of inject(8).
 *
 * Installed setuid tern-queue: then (real ids differ from effective ids) it
 * clears its environment, ignores its arguments but -S (which changes how
 * it reads, not where it writes) and uses the compiled-in CONFDIR and
 * QUEUEDIR (config_dir(), queue_dir()). The message's attributes
 * (TERN_*=value variables, or ATTR frames with -S) are the only input read
 * from the environment; setuid they count only when the caller (real uid)
 * is smtpd-user: from anyone else TERN_RECEIVED_ID would make a local
 * user's message look like an SMTP session's. TERN_RECEIVED_ID only ever
 * lands in the "i" record and the log, after checking it against
 * [A-Za-z0-9.-]{1,32}. The log names the caller's real uid (and user) for
 * every message.
 *
 * max-message-size (with HEADER_ROOM) and max-recipients of that
 * configuration hold for every caller: past them, exit 31 and nothing
 * queued.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "log.h"
#include "passwd.h"
#include "queue/inject_private.h"
#include "queue/queue.h"
#include "str.h"
#include "usage.h"

extern char **environ;

/*
 * The whole run (message and envelope; with -S the whole session) must
 * finish within a day, as with qmail-queue; a hung writer costs one process
 * and one tmp/ file until then (smtpd kills its injector much sooner, at
 * its data timeout; with -S each wait is bounded by tern.conf's timeouts).
 */
#define INJECT_TIMEOUT 86400
#define RECORD_MAX 1000		/* bytes of one envelope address before exit 11 */

static const char inject_usage[] =
	"usage: inject [-S] < message 1< envelope\n"
	"Put one message into the queue (the qmail-queue protocol): the message on\n"
	"descriptor 0, the envelope on descriptor 1: F sender NUL, T recipient NUL for\n"
	"each recipient, NUL. Exit 0: queued; 11-40 and 91: refused for good; other\n"
	"codes: temporary failure. Quiet on success (the event goes to the journal or\n"
	"syslog). Setuid, it ignores its environment and every other argument.\n"
	"  -S      the session protocol (smtpd): every message of an SMTP session in\n"
	"          frames on descriptor 0, a reply per message on descriptor 1\n"
	"  --help  print this text and exit\n"
	"See inject(8), queue(5).\n";

static int caller_setuid;	/* real ids differ from effective ids */

/*
 * signals_reset: the signal mask survives execve, so a caller (setuid: any
 * user) could block SIGALRM and keep a tmp/ file open for ever; unblock all.
 */
static void signals_reset(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* RLIMIT_FSIZE: EFBIG, a write error (53) */
	signal(SIGALRM, inject_on_alarm);
}

/*
 * root_drop: run from the build tree as root (not setuid), become the
 * queue's owner, so that files are the relay's to read (private instances).
 */
static void root_drop(void)
{
	struct stat st;

	if (geteuid() != 0)
		return;
	if (fstat(inject_queue.dirfd, &st) < 0)
		inject_fail(EXIT_QUEUE, "fstat %s: %s", inject_queue.path, strerror(errno));
	if (st.st_uid == 0)
		return;
	if (setgroups(0, NULL) < 0 || setgid(st.st_gid) < 0 || setuid(st.st_uid) < 0)
		inject_fail(EXIT_QUEUE, "drop to the owner of %s: %s", inject_queue.path,
			    strerror(errno));
}

/*
 * input_read: read(2) on fd 0 or 1 that also waits when the caller handed
 * over a non-blocking descriptor (EAGAIN), without changing its flags (the
 * open file description is shared with the caller). The time limit is
 * INJECT_TIMEOUT's alarm.
 */
static ssize_t input_read(int fd, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, p, n);
		struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };

		if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return r;
		if (errno != EINTR)
			poll(&pfd, 1, -1);
	}
}

/* message_read: the message from fd 0 to the queue file (the classic protocol). */
static void message_read(void)
{
	for (;;) {
		size_t room;
		char *p = inject_message_space(&room);
		ssize_t r = input_read(0, p, room);	/* waits */

		if (r < 0)
			inject_fail(EXIT_READ, "read message: %s", strerror(errno));
		if (r == 0)
			return;
		inject_message_wrote((size_t)r);
	}
}

struct envelope_scan {
	size_t pos;		/* bytes examined */
	size_t reclen;		/* bytes of the open record */
	int in_record;
};

/*
 * envelope_scan_more: look at new bytes; returns the envelope's length once
 * its final NUL is seen, 0 if more is needed. Exits on a wrong record type
 * (91) or an overlong address (11), as qmail-queue does, without reading on.
 */
static size_t envelope_scan_more(struct envelope_scan *s, const char *p, size_t len)
{
	for (; s->pos < len; s->pos++) {
		char c = p[s->pos];
		if (s->in_record) {
			if (c == 0)
				s->in_record = 0;
			else if (++s->reclen > RECORD_MAX)
				inject_fail(EXIT_ADDRESS_TOO_LONG, "envelope address too long");
			continue;
		}
		if (s->pos == 0 && c != 'F')
			inject_fail(EXIT_FORMAT, "envelope does not start with F");
		if (s->pos > 0 && c == 0)
			return s->pos + 1;
		if (s->pos > 0 && c != 'T')
			inject_fail(EXIT_FORMAT, "envelope record is not T");
		s->in_record = 1;
		s->reclen = 0;
	}
	return 0;
}

/* envelope_read: fd 1 up to the envelope's final NUL, at most ENVELOPE_MAX. */
static size_t envelope_read(struct str *env)
{
	struct envelope_scan scan = { 0, 0, 0 };
	char buf[8192];
	size_t end = 0;

	while (end == 0) {
		ssize_t r = input_read(1, buf, sizeof buf);	/* EINTR, EAGAIN: waits */
		if (r < 0)
			inject_fail(EXIT_READ, "read envelope: %s", strerror(errno));
		if (r == 0)
			inject_fail(EXIT_READ, "read envelope: premature end");
		if (str_append(env, buf, (size_t)r) < 0) {
			if (errno == E2BIG)
				inject_fail(EXIT_FORMAT, "envelope longer than %u bytes",
					    ENVELOPE_MAX);
			inject_fail(EXIT_NOMEM, "read envelope: %s", strerror(errno));
		}
		end = envelope_scan_more(&scan, env->s, env->len);
	}
	return end;
}

/*
 * caller_trust: setuid, the caller's attributes (smtpd's id above all) are
 * taken only from smtpd-user (the real uid). Not setuid, every caller is the
 * instance's own user (private instances and tests, where smtpd keeps the
 * uid it was started with): they gain nothing there and are taken.
 */
static int caller_trust(const char *smtpd_user)
{
	unsigned uid, gid;

	if (!caller_setuid)
		return 1;
	return passwd_user(smtpd_user, &uid, &gid) == 0 && uid == inject_setup.caller_uid;
}

static void queue_setup(void)
{
	struct config cfg;
	char err[512];
	const char *dir = config_dir();

	if (config_load(dir, &cfg, err, sizeof err) < 0)
		inject_fail(EXIT_CONFIG, "%s", err);
	inject_setup.size_max = cfg.max_message_size;
	inject_setup.rcpt_max = cfg.max_recipients;
	inject_setup.idle_timeout = cfg.session_timeout;
	inject_setup.data_timeout = cfg.data_timeout;
	inject_setup.trusted = caller_trust(cfg.smtpd_user);
	if (queue_open_commit(&inject_queue, queue_dir(&cfg)) < 0) {
		config_free(&cfg);
		inject_fail(EXIT_QUEUE, "%s", inject_queue.err);
	}
	config_free(&cfg);
	root_drop();
}

/* the classic protocol: one message, its envelope, the commit, exit 0 */
static void classic_run(void)
{
	struct str env = STR_INIT(ENVELOPE_MAX);
	size_t envlen;

	inject_message_new();
	message_read();
	envlen = envelope_read(&env);
	inject_message_commit(env.s, envlen);
	str_free(&env);
}

int main(int argc, char **argv)
{
	if (fd_std_ensure() < 0)	/* setuid: our files must not land on fd 0-2 */
		exit(EXIT_BUG);
	if (argc == 2)	/* nothing else from the arguments may steer us */
		usage_help(argc, argv, inject_usage);
	/* -S changes how the input is read, never where anything is written */
	inject_setup.session = argc == 2 && strcmp(argv[1], "-S") == 0;
	if (!inject_setup.session)
		inject_attrs_from_env(environ);
	inject_setup.caller_uid = (unsigned)getuid();
	caller_setuid = getuid() != geteuid() || getgid() != getegid();
	inject_setup.setuid = caller_setuid;
	if (caller_setuid)
		clearenv();	/* before log_init(), which reads JOURNAL_STREAM */
	if (passwd_name(inject_setup.caller_uid, inject_setup.caller_name,
			sizeof inject_setup.caller_name) < 0)
		inject_setup.caller_name[0] = '\0';
	log_init("inject");
	log_journal_native_enable();	/* not setuid, under systemd (JOURNAL_STREAM) */
	log_syslog_enable();	/* "queued" never on the caller's stderr (cron) */
	umask(077);
	signals_reset();
	alarm(INJECT_TIMEOUT);

	queue_setup();
	if (inject_setup.session)
		inject_session_run();
	else
		classic_run();
	return 0;
}
