/*
 * inject - put one message into the queue: the qmail-queue protocol.
 *
 * The message arrives on fd 0 and is streamed into a tmp/ file; then the
 * envelope ("F" sender NUL, "T" recipient NUL ..., NUL) is read from fd 1,
 * checked, and the message is committed (queue(5)). Exit 0 only after the
 * commit point; otherwise the qmail-queue(8) codes of inject(8).
 *
 * Installed setuid tern-queue: then (real ids differ from effective ids) it
 * clears its environment, ignores its arguments and uses the compiled-in
 * CONFDIR and QUEUEDIR (config_dir(), queue_dir()). TERN_RECEIVED_ID is the
 * only variable read before the environment is cleared; it only ever lands
 * in the "i" record and the log, after checking it against [A-Za-z0-9.-]{1,32},
 * and setuid only when the caller (real uid) is smtpd-user: from anyone else
 * it would make a local user's message look like an SMTP session's. The log
 * names the caller's real uid (and user) for every message.
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
#include <stdarg.h>
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
#include "queue/queue.h"
#include "str.h"
#include "usage.h"

/* qmail-queue(8) exit codes */
enum {
	EXIT_ADDRESS_TOO_LONG = 11,
	EXIT_REFUSED = 31,
	EXIT_NOMEM = 51,
	EXIT_TIMEOUT = 52,
	EXIT_WRITE = 53,
	EXIT_READ = 54,
	EXIT_CONFIG = 55,
	EXIT_QUEUE = 61,
	EXIT_BUG = 81,
	EXIT_FORMAT = 91,
};

/*
 * The whole run (message and envelope) must finish within a day, as with
 * qmail-queue; a hung writer costs one process and one tmp/ file until then
 * (smtpd kills its injector much sooner, at its data timeout).
 */
#define INJECT_TIMEOUT 86400
#define RECORD_MAX 1000		/* bytes of one envelope address before exit 11 */
/*
 * Beyond max-message-size, room for the header lines added before inject
 * sees the message: smtpd's Received:, sendmail's Date:, Message-ID:,
 * From:, a qmail-queue filter's verdict. smtpd and sendmail enforce
 * max-message-size on the message itself.
 */
#define HEADER_ROOM (64u << 10)

/* The limits of tern.conf, for every caller (queue_setup()). */
static unsigned long long size_max;	/* max-message-size */
static unsigned rcpt_max;		/* max-recipients */

/* Who runs us: the real ids, whether they differ from the effective ones. */
static struct {
	unsigned uid;
	char name[64];		/* "" when /etc/passwd has no such uid */
	int setuid;
} caller;
static char rid[33];	/* TERN_RECEIVED_ID when valid and trusted, else "" */
/* What smtpd's TERN_CLIENT_* say (origin_claim()), UNKNOWN without them. */
static enum message_origin origin_claimed = QUEUE_ORIGIN_UNKNOWN;

static const char inject_usage[] =
	"usage: inject < message 1< envelope\n"
	"Put one message into the queue (the qmail-queue protocol): the message on\n"
	"descriptor 0, the envelope on descriptor 1: F sender NUL, T recipient NUL for\n"
	"each recipient, NUL. Exit 0: queued; 11-40 and 91: refused for good; other\n"
	"codes: temporary failure. Quiet on success (the event goes to the journal or\n"
	"syslog). Setuid, it ignores its environment and every other argument.\n"
	"  --help  print this text and exit\n"
	"See inject(8), queue(5).\n";

static struct queue queue = { -1, -1, -1, -1, -1, "", "" };
static struct queue_file qfile = { -1, "", 0, QUEUE_ORIGIN_UNKNOWN };

static void inject_cleanup(void)
{
	if (queue.tmpfd >= 0 && (qfile.fd >= 0 || qfile.tmpname[0]))
		queue_file_abort(&queue, &qfile);
}

static void inject_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void inject_fail(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	inject_cleanup();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(LOG_ERR, "%s (exit %d)", msg, code);
	exit(code);
}

/* on_alarm: the time limit passed; nothing half-written may stay visible
 * (an unnamed O_TMPFILE file goes with the process). */
static void on_alarm(int sig)
{
	(void)sig;
	if (queue.tmpfd >= 0 && qfile.tmpname[0])
		unlinkat(queue.tmpfd, qfile.tmpname, 0);
	_exit(EXIT_TIMEOUT);
}

/*
 * commit_begin: no time-limit exit (52) from here on: once the file has its
 * name in mess/ a 52 would be a false failure (the client retries: a
 * duplicate). A commit that hangs is bounded by the caller (smtpd kills its
 * injector at its data timeout).
 */
static void commit_begin(void)
{
	sigset_t alrm;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, NULL);
}

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
	signal(SIGALRM, on_alarm);
}

/* write_exit: the exit code for a failed write to the queue. */
static int write_exit(int e)
{
	return e == ENOMEM ? EXIT_NOMEM : EXIT_WRITE;
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
	if (fstat(queue.dirfd, &st) < 0)
		inject_fail(EXIT_QUEUE, "fstat %s: %s", queue.path, strerror(errno));
	if (st.st_uid == 0)
		return;
	if (setgroups(0, NULL) < 0 || setgid(st.st_gid) < 0 || setuid(st.st_uid) < 0)
		inject_fail(EXIT_QUEUE, "drop to the owner of %s: %s", queue.path,
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

/* message_too_big: exit 31 without reading on; nothing is queued. */
static void message_too_big(void)
{
	char text[24];

	config_size_text(size_max, text);
	inject_fail(EXIT_REFUSED, "message exceeds max-message-size %s (with %u bytes "
		    "for added header lines)", text, HEADER_ROOM);
}

/*
 * message_read: copy the message from fd 0 to the queue file in whole
 * buffers: each write but the last is a full one, so the writes a message
 * costs depend on its size alone, never on how the pipe happened to bring
 * it in (one write per read made their number vary from run to run).
 */
static void message_read(void)
{
	static char buf[65536];
	unsigned long long total = 0;
	size_t len;

	do {
		len = 0;
		while (len < sizeof buf) {
			ssize_t r = input_read(0, buf + len, sizeof buf - len);	/* waits */
			if (r < 0)
				inject_fail(EXIT_READ, "read message: %s", strerror(errno));
			if (r == 0)
				break;
			len += (size_t)r;
			total += (unsigned long long)r;	/* < 2^64: bounded by size_max */
			if (total > size_max + HEADER_ROOM)
				message_too_big();
		}
		if (len > 0 && queue_file_write(&qfile, buf, len) < 0)
			inject_fail(write_exit(errno), "write %s/%s%s: %s", queue.path,
				    qfile.tmpname[0] ? "tmp/" : "mess/",
				    qfile.tmpname[0] ? qfile.tmpname : "(unnamed new file)",
				    strerror(errno));
	} while (len == sizeof buf);
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

static void envelope_check(const char *p, size_t len, struct envelope *e)
{
	switch (envelope_decode(p, len, e)) {
	case ENVELOPE_OK:
		if (e->nrcpt > rcpt_max)	/* as smtpd's 452 4.5.3 */
			inject_fail(EXIT_REFUSED, "%zu recipients, more than max-recipients %u",
				    e->nrcpt, rcpt_max);
		return;
	case ENVELOPE_ADDRESS_TOO_LONG:
		inject_fail(EXIT_ADDRESS_TOO_LONG, "envelope address too long");
	case ENVELOPE_NOMEM:
		inject_fail(EXIT_NOMEM, "decode envelope: out of memory");
	case ENVELOPE_BAD_ADDRESS:
		inject_fail(EXIT_FORMAT, "envelope holds an invalid address");
	case ENVELOPE_FORMAT:
	default:
		inject_fail(EXIT_FORMAT, "envelope format error");
	}
}

/*
 * received_id_check: setuid, smtpd's id is taken only from smtpd-user (the
 * real uid). Not setuid, every caller is the instance's own user (private
 * instances and tests, where smtpd keeps the uid it was started with): the
 * id gains nothing there and is taken.
 */
static void received_id_check(const char *smtpd_user)
{
	unsigned uid, gid;

	if (!caller.setuid || !rid[0])
		return;
	if (passwd_user(smtpd_user, &uid, &gid) < 0 || uid != caller.uid)
		rid[0] = '\0';
}

/*
 * origin_claim: smtpd describes its client in TERN_CLIENT_IP, _HELO, _AUTH
 * (the login, when the client authenticated) and _RELAY (1: the client is
 * in relay-net); any of them marks the message as received by SMTP.
 */
static void origin_claim(void)
{
	const char *auth = getenv("TERN_CLIENT_AUTH"), *relay = getenv("TERN_CLIENT_RELAY");

	if (auth && auth[0])
		origin_claimed = QUEUE_ORIGIN_SUBMISSION;
	else if (relay && strcmp(relay, "1") == 0)
		origin_claimed = QUEUE_ORIGIN_RELAY;
	else if (auth || relay || getenv("TERN_CLIENT_IP") || getenv("TERN_CLIENT_HELO"))
		origin_claimed = QUEUE_ORIGIN_SMTP;
}

/*
 * origin_decide: the "o" record (queue(5)). Setuid, smtpd's claim is taken
 * only from smtpd-user, and smtpd-user is always an SMTP origin (without a
 * claim: plain smtp, never trusted); any other caller is local. Not setuid
 * (a private instance: smtpd and sendmail are one user), the claim, else
 * local.
 */
static enum message_origin origin_decide(const char *smtpd_user)
{
	unsigned uid, gid;

	if (!caller.setuid)
		return origin_claimed != QUEUE_ORIGIN_UNKNOWN ? origin_claimed : QUEUE_ORIGIN_LOCAL;
	if (passwd_user(smtpd_user, &uid, &gid) == 0 && uid == caller.uid)
		return origin_claimed != QUEUE_ORIGIN_UNKNOWN ? origin_claimed : QUEUE_ORIGIN_SMTP;
	return QUEUE_ORIGIN_LOCAL;
}

static void queue_setup(void)
{
	struct config cfg;
	enum message_origin origin;
	char err[512];
	const char *dir = config_dir();

	if (config_load(dir, &cfg, err, sizeof err) < 0)
		inject_fail(EXIT_CONFIG, "%s", err);
	size_max = cfg.max_message_size;
	rcpt_max = cfg.max_recipients;
	received_id_check(cfg.smtpd_user);
	origin = origin_decide(cfg.smtpd_user);
	if (queue_open_commit(&queue, queue_dir(&cfg)) < 0) {
		config_free(&cfg);
		inject_fail(EXIT_QUEUE, "%s", queue.err);
	}
	config_free(&cfg);
	root_drop();
	if (queue_file_create(&queue, &qfile) < 0)
		inject_fail(errno == ENOSPC || errno == EDQUOT || errno == EIO ? EXIT_WRITE
									: EXIT_QUEUE,
			    "%s", queue.err);
	queue_file_set_origin(&qfile, origin);
}

/*
 * message_commit: the commit point. smtpd's id (rid: TERN_RECEIVED_ID, when
 * valid and trusted, see received_id_check) names the message, so the id of
 * smtpd's 250 reply is the queue id everywhere after; a message of that id
 * already there fails temporarily (61), never under another name. Else the
 * queue makes an id.
 */
static void message_commit(const struct envelope *e, char id[QUEUE_ID_MAX])
{
	int r;

	if (rid[0] && queue_id_valid(rid)) {
		snprintf(id, QUEUE_ID_MAX, "%s", rid);
		r = queue_file_commit_named(&queue, &qfile, e, rid);
	} else {
		r = queue_file_commit(&queue, &qfile, e, rid, id);
	}
	if (r < 0 && errno == EEXIST)
		inject_fail(EXIT_QUEUE, "%s (queue id %s is taken)", queue.err, id);
	if (r < 0)
		inject_fail(write_exit(errno), "%s", queue.err);
}

static void queued_log(const char *id, const struct envelope *e)
{
	char nrcpt[24], size[24], uid[24];
	struct log_field f[] = {
		{ LOG_FIELD_QUEUE_ID, id },
		{ LOG_FIELD_RECEIVED_ID, rid[0] ? rid : "-" },
		{ LOG_FIELD_UID, uid },
		{ LOG_FIELD_USER, caller.name[0] ? caller.name : "-" },
		{ LOG_FIELD_SENDER, e->sender[0] ? e->sender : "<>" },
		{ LOG_FIELD_NRCPT, nrcpt },
		{ LOG_FIELD_SIZE, size },
		{ NULL, NULL },
	};

	snprintf(uid, sizeof uid, "%u", caller.uid);
	snprintf(nrcpt, sizeof nrcpt, "%zu", e->nrcpt);
	snprintf(size, sizeof size, "%llu", qfile.len);
	log_event(LOG_INFO, f, "queued");
}

int main(int argc, char **argv)
{
	struct str env = STR_INIT(ENVELOPE_MAX);
	struct envelope e;
	char id[QUEUE_ID_MAX];
	const char *r;
	size_t envlen;

	if (fd_std_ensure() < 0)	/* setuid: our files must not land on fd 0-2 */
		exit(EXIT_BUG);
	if (argc == 2)	/* nothing else from the arguments may steer us */
		usage_help(argc, argv, inject_usage);
	r = getenv("TERN_RECEIVED_ID");
	if (r && queue_received_id_valid(r))
		snprintf(rid, sizeof rid, "%s", r);
	origin_claim();
	caller.uid = (unsigned)getuid();
	caller.setuid = getuid() != geteuid() || getgid() != getegid();
	if (caller.setuid)
		clearenv();	/* before log_init(), which reads JOURNAL_STREAM */
	if (passwd_name(caller.uid, caller.name, sizeof caller.name) < 0)
		caller.name[0] = '\0';
	log_init("inject");
	log_journal_native_enable();	/* not setuid, under systemd (JOURNAL_STREAM) */
	log_syslog_enable();	/* "queued" never on the caller's stderr (cron) */
	umask(077);
	signals_reset();
	alarm(INJECT_TIMEOUT);

	queue_setup();
	message_read();
	envlen = envelope_read(&env);
	envelope_check(env.s, envlen, &e);
	str_free(&env);
	commit_begin();
	message_commit(&e, id);
	queued_log(id, &e);
	envelope_free(&e);
	return 0;
}
