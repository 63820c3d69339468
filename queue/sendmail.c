/*
 * sendmail - the sendmail command-line interface (sendmail(1)): read a
 * message on stdin, add Date:, Message-ID: and From: when missing (RFC 5322
 * §3.6), and hand it to the injector by the qmail-queue protocol. Also
 * -bs (SMTP on stdin: exec smtpd as a relay client) and -bp / mailq.
 *
 * The message is queued with CRLF line ends (queue(5)); the header block is
 * held in memory (at most HEADER_MAX), the body is streamed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "log.h"
#include "queue/mailinput.h"
#include "queue/queue.h"
#include "queue/queue_list.h"
#include "queue_client.h"
#include "str.h"
#include "usage.h"

#define HEADER_MAX (1u << 20)
/* how long the queue program may leave a write waiting, and take to exit */
#define SENDMAIL_QUEUE_WAIT_MS (3600 * 1000)

#ifndef TERN_LIBEXECDIR
#define TERN_LIBEXECDIR "/usr/local/libexec/tern"
#endif

extern char **environ;

static const char sendmail_usage[] =
	"usage: sendmail [-t] [-i] [-f SENDER] [-F NAME] [RECIPIENT...] < message\n"
	"       sendmail -bs | -bp | -bi;  mailq;  newaliases\n"
	"Queue the message on standard input for its recipients, quietly (errors on\n"
	"standard error, sysexits.h exit codes); Date:, Message-ID: and From: are\n"
	"added when missing.\n"
	"  -t         take recipients from To:, Cc: and Bcc: too (Bcc: is removed)\n"
	"  -i, -oi    a line of a single \".\" does not end the message\n"
	"  -f SENDER  envelope sender (-r too); \"<>\" for the null sender\n"
	"  -F NAME    full name for an added From: (default: the passwd entry)\n"
	"  -bm        queue a message (the default)\n"
	"  -bs        SMTP on standard input and output (smtpd, as a relay client)\n"
	"  -bp        list the queue (as mailq does)\n"
	"  -bi        nothing to do (newaliases: tern has no aliases file)\n"
	"  --help     print this text and exit\n"
	"Other sendmail options are accepted and ignored or refused; see sendmail(1).\n";

enum sendmail_mode { MODE_DELIVER, MODE_SMTP, MODE_LIST, MODE_NOTHING };

struct sendmail {
	enum sendmail_mode mode;
	int extract;			/* -t */
	int dot_ends;			/* no -i / -oi */
	const char *sender_arg;		/* -f / -r, NULL if not given */
	const char *fullname;		/* -F */
	char **args;			/* recipients given as arguments */
	int nargs;
	struct config cfg;
	char user[300];			/* login@hostname */
	char sender[ADDR_PATH_MAX + 1];
	char **rcpt;
	size_t nrcpt, rcpt_cap;
};

/* opt_value: the value of an option given as -fVALUE or -f VALUE. */
static const char *opt_value(int argc, char **argv, int *i)
{
	if (argv[*i][2])
		return argv[*i] + 2;
	if (*i + 1 >= argc)
		log_die(EX_USAGE, "option %s needs a value", argv[*i]);
	return argv[++*i];
}

static void option_b(struct sendmail *s, const char *arg)
{
	if (strcmp(arg, "-bm") == 0)
		s->mode = MODE_DELIVER;
	else if (strcmp(arg, "-bs") == 0)
		s->mode = MODE_SMTP;
	else if (strcmp(arg, "-bp") == 0)
		s->mode = MODE_LIST;
	else if (strcmp(arg, "-bi") == 0)
		s->mode = MODE_NOTHING;	/* newaliases: tern has no aliases file */
	else
		log_die(EX_USAGE, "unsupported mode %s (supported: -bm -bs -bp -bi)", arg);
}

static void options_parse(struct sendmail *s, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		switch (a[1]) {
		case 't': if (a[2]) goto bad; s->extract = 1; break;
		case 'i': if (a[2]) goto bad; s->dot_ends = 0; break;
		case 'o':	/* -oi matters; -oem -odi -odb -oQ... are accepted and ignored */
			if (strcmp(a, "-oi") == 0)
				s->dot_ends = 0;
			else if (!a[2])
				i++;
			break;
		case 'b': option_b(s, a); break;
		case 'f': case 'r': s->sender_arg = opt_value(argc, argv, &i); break;
		case 'F': s->fullname = opt_value(argc, argv, &i); break;
		case 'B': case 'N': case 'R': case 'V': case 'L': case 'h': case 'C': case 'X':
			opt_value(argc, argv, &i);	/* accepted, ignored */
			break;
		case 'v': case 'm': case 'n': case 'U': case 'G': case 'e': case 'A': case 'd':
			break;
		case 'I': s->mode = MODE_NOTHING; break;
		default:
		bad:
			log_die(EX_USAGE, "unknown option %s (sendmail --help lists them)", a);
		}
	}
	s->args = argv + i;
	s->nargs = argc - i;
}

/* rcpt_add: qualify (append @hostname), check and keep one recipient. */
static int rcpt_add(void *ctx, const char *a, size_t n)
{
	struct sendmail *s = ctx;
	struct addr parsed;
	char full[ADDR_PATH_MAX + 2];

	if (memchr(a, '@', n))
		snprintf(full, sizeof full, "%s", a);
	else if ((size_t)snprintf(full, sizeof full, "%s@%s", a, s->cfg.hostname) >= sizeof full)
		log_die(EX_DATAERR, "recipient address too long: %s", a);
	if (addr_parse_mailbox(full, strlen(full), ADDR_UTF8, &parsed) != ADDR_OK)
		log_die(EX_DATAERR, "invalid recipient address: %s", full);
	if (s->nrcpt == s->rcpt_cap) {
		size_t cap = s->rcpt_cap ? s->rcpt_cap * 2 : 16;
		char **p = reallocarray(s->rcpt, cap, sizeof *p);
		if (!p)
			log_die(EX_OSERR, "out of memory");
		s->rcpt = p;
		s->rcpt_cap = cap;
	}
	if (!(s->rcpt[s->nrcpt] = strdup(parsed.text)))
		log_die(EX_OSERR, "out of memory");
	s->nrcpt++;
	return 0;
}

static void identity_setup(struct sendmail *s)
{
	struct passwd *pw = getpwuid(getuid());
	struct addr parsed;
	const char *f = s->sender_arg;
	size_t n;

	snprintf(s->user, sizeof s->user, "%s@%s", pw ? pw->pw_name : "nobody", s->cfg.hostname);
	if (!s->fullname && pw && pw->pw_gecos && pw->pw_gecos[0] && pw->pw_gecos[0] != ',') {
		static char gecos[256];
		snprintf(gecos, sizeof gecos, "%.*s", (int)strcspn(pw->pw_gecos, ","),
			 pw->pw_gecos);
		s->fullname = gecos;
	}
	if (!f) {
		f = s->user;
	}
	n = strlen(f);
	if (n >= 2 && f[0] == '<' && f[n - 1] == '>')
		f++, n -= 2;
	if (n == 0) {
		s->sender[0] = 0;	/* the null sender */
		return;
	}
	if (addr_parse_mailbox(f, n, ADDR_UTF8, &parsed) != ADDR_OK)
		log_die(EX_DATAERR, "invalid sender address: %.*s", (int)n, f);
	snprintf(s->sender, sizeof s->sender, "%s", parsed.text);
}

/* phrase_put: a display name as an RFC 5322 §3.2.5 phrase (quoted if needed). */
static int phrase_put(struct str *out, const char *name)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~ ";
	size_t i;
	int plain = 1, rc = 0;

	for (i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(atext, c)))
			plain = 0;
	}
	if (!plain)
		rc |= str_appendc(out, '"');
	for (i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			continue;	/* no control bytes, no line breaks in a header */
		if (!plain && (c == '"' || c == '\\'))
			rc |= str_appendc(out, '\\');
		rc |= str_appendc(out, (char)c);
	}
	if (!plain)
		rc |= str_appendc(out, '"');
	return rc;
}

/* header_add_missing: Date:, Message-ID:, From: (RFC 5322 §3.6.1, §3.6.2, §3.6.4). */
static int header_add_missing(struct sendmail *s, struct str *out, int has_date, int has_id,
			      int has_from)
{
	char date[64];
	unsigned long long rnd = 0;
	time_t now = time(NULL);
	struct tm tm;
	int rc = 0;

	if (!has_date) {
		localtime_r(&now, &tm);
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
		rc |= str_appendf(out, "Date: %s\r\n", date);
	}
	if (!has_id) {
		if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
			rnd = (unsigned long long)clock_ms() ^ ((unsigned long long)getpid() << 32);
		rc |= str_appendf(out, "Message-ID: <%lld.%ld.%016llx@%s>\r\n", (long long)now,
				  (long)getpid(), rnd, s->cfg.hostname);
	}
	if (!has_from) {
		const char *a = s->sender[0] ? s->sender : s->user;
		rc |= str_appendz(out, "From: ");
		if (s->fullname && s->fullname[0]) {
			rc |= phrase_put(out, s->fullname);
			rc |= str_appendf(out, " <%s>\r\n", a);
		} else {
			rc |= str_appendf(out, "%s\r\n", a);
		}
	}
	return rc ? -1 : 0;
}

/* header_build: copy the fields (without Bcc), take -t recipients, add missing ones. */
static void header_build(struct sendmail *s, const char *h, size_t hlen, struct str *out)
{
	struct mailinput_field f;
	size_t pos = 0;
	int has_date = 0, has_id = 0, has_from = 0, bcc;

	while (mailinput_field_next(h, hlen, &pos, &f)) {
		bcc = mailinput_field_is(&f, "Bcc");
		if (s->extract && (bcc || mailinput_field_is(&f, "To") ||
				   mailinput_field_is(&f, "Cc")))
			mailinput_addrlist(f.value, f.value_len, rcpt_add, s);
		has_date |= mailinput_field_is(&f, "Date");
		has_id |= mailinput_field_is(&f, "Message-ID");
		has_from |= mailinput_field_is(&f, "From");
		if (!bcc && str_append(out, h + f.start, f.len) < 0)
			log_die(EX_OSERR, "header: out of memory");
	}
	if (header_add_missing(s, out, has_date, has_id, has_from) < 0 ||
	    str_append(out, "\r\n", 2) < 0)
		log_die(EX_OSERR, "header: out of memory");
}

/*
 * sendmail_exit: the sysexits.h answer to the queue program's status, from
 * the one table of queue_client_verdict(). A permanent refusal of what the
 * caller gave (RFC 3463 X.1.X addressing, X.6.X content) is EX_DATAERR.
 */
static int sendmail_exit(int status, const char *prog)
{
	struct queue_verdict v;

	queue_client_verdict(status, &v);
	if (v.outcome == QUEUE_CLIENT_OK)
		return EX_OK;
	if (v.outcome == QUEUE_CLIENT_TEMPORARY)
		log_die(EX_TEMPFAIL, "%s (%s %s); message not queued, try again later",
			v.text, prog, v.status);
	log_die(v.status[2] == '1' || v.status[2] == '6' ? EX_DATAERR : EX_UNAVAILABLE,
		"%s (%s %s); message refused permanently", v.text, prog, v.status);
}

struct body_out {
	struct outbuf ob;
	int broken;		/* the injector stopped reading */
	unsigned long long size, max;	/* bytes of the message as queued; the limit */
	char mem[65536];
};

/* Nothing past max-message-size goes out (the injector would refuse it too). */
static void body_put(struct body_out *b, const void *p, size_t n)
{
	b->size += n;
	if (b->size > b->max)
		b->broken = 1;
	if (!b->broken && outbuf_put(&b->ob, p, n) < 0)
		b->broken = 1;
}

/*
 * body_too_big: stop the injector (nothing is queued; it would only
 * complain of the missing envelope) and say why.
 */
static void body_too_big(struct body_out *b, struct queue_client *qc)
{
	char text[24];

	kill(qc->pid, SIGTERM);	/* our real uid is its real uid, setuid or not */
	queue_client_abort(qc, SENDMAIL_QUEUE_WAIT_MS);
	config_size_text(b->max, text);
	log_die(EX_DATAERR, "message exceeds max-message-size %s; not queued", text);
}

/*
 * mbox_line_strip: drop an mbox "From " first line (not a header field).
 * Returns 1 once decided, 0 while the first bytes could still be one.
 */
static int mbox_line_strip(struct str *norm, int at_end)
{
	const char *p = str_cstr(norm), *crlf;
	size_t cut;

	if (norm->len < 5 && !at_end && strncmp(p, "From ", norm->len) == 0)
		return 0;
	if (norm->len < 5 || strncmp(p, "From ", 5) != 0)
		return 1;
	crlf = memmem(p, norm->len, "\r\n", 2);
	if (!crlf && !at_end)
		return 0;
	cut = crlf ? (size_t)(crlf - p) + 2 : norm->len;
	memmove(norm->s, norm->s + cut, norm->len - cut);
	norm->len -= cut;
	return 1;
}

/* input_headers: read stdin until the header block is complete; returns its state. */
static int input_headers(struct mailinput *mi, struct str *norm, size_t *hdr_len,
			 size_t *body_start)
{
	char buf[65536];
	size_t scan = 0;
	int mbox_checked = 0, r = 0;

	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_die(EX_IOERR, "read message: %s", strerror(errno));
		r = n == 0 ? mailinput_finish(mi, norm) : mailinput_feed(mi, buf, (size_t)n, norm);
		if (r < 0)
			log_die(EX_DATAERR, "header block longer than %u bytes", HEADER_MAX);
		if (!mbox_checked)
			mbox_checked = mbox_line_strip(norm, r || n == 0);
		if (mbox_checked && mailinput_header_end(str_cstr(norm), norm->len, &scan,
							 hdr_len, body_start))
			return r || n == 0;
		if (r || n == 0) {
			*hdr_len = *body_start = norm->len;
			return 1;
		}
	}
}

static void input_body(struct mailinput *mi, struct body_out *b)
{
	struct str chunk = STR_INIT(0);
	char buf[65536];
	int r = 0;

	while (r == 0 && b->size <= b->max) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_die(EX_IOERR, "read message: %s", strerror(errno));
		str_truncate(&chunk, 0);
		r = n == 0 ? mailinput_finish(mi, &chunk) : mailinput_feed(mi, buf, (size_t)n, &chunk);
		if (r < 0)
			log_die(EX_OSERR, "read message: out of memory");
		body_put(b, chunk.s, chunk.len);
		if (n == 0)
			break;
	}
	str_free(&chunk);
}

static int deliver(struct sendmail *s)
{
	struct str norm = STR_INIT(HEADER_MAX), hdr = STR_INIT(0), env = STR_INIT(0);
	static struct body_out b;
	struct mailinput mi;
	size_t hdr_len, body_start;
	const char *prog = getenv("TERN_QUEUE");
	struct queue_client qc;
	int at_end, i, status;

	if (!prog || !prog[0])
		prog = s->cfg.queue_program;
	identity_setup(s);
	for (i = 0; i < s->nargs; i++)
		mailinput_addrlist(s->args[i], strlen(s->args[i]), rcpt_add, s);
	mailinput_init(&mi, s->dot_ends);
	at_end = input_headers(&mi, &norm, &hdr_len, &body_start);
	header_build(s, str_cstr(&norm), hdr_len, &hdr);
	if (s->nrcpt == 0)
		log_die(EX_USAGE, "no recipients%s", s->extract ? " (none in To:, Cc: or Bcc:)" : "");
	if (s->nrcpt > s->cfg.max_recipients)	/* the injector refuses them too */
		log_die(EX_DATAERR, "%zu recipients, more than max-recipients %u; not queued",
			s->nrcpt, s->cfg.max_recipients);
	if (envelope_encode(&env, s->sender, (const char *const *)s->rcpt, s->nrcpt) < 0)
		log_die(EX_OSERR, "envelope: out of memory");

	if (queue_client_start(&qc, prog, NULL, getenv("TERN_CONFDIR"), NULL) < 0)
		log_die(EX_UNAVAILABLE, "cannot run the queue program %s: %s", prog,
			strerror(errno));
	outbuf_init(&b.ob, qc.msg_fd, b.mem, sizeof b.mem);
	b.ob.notsock = 1;	/* a pipe */
	b.ob.timeout_ms = SENDMAIL_QUEUE_WAIT_MS;
	b.max = s->cfg.max_message_size;
	body_put(&b, hdr.s, hdr.len);
	body_put(&b, str_cstr(&norm) + body_start, norm.len - body_start);
	str_free(&norm);
	str_free(&hdr);
	if (!at_end)
		input_body(&mi, &b);
	if (b.size > b.max)
		body_too_big(&b, &qc);
	if (!b.broken && outbuf_flush(&b.ob) < 0)
		b.broken = 1;
	if (b.broken)	/* it stopped reading: its exit code says why */
		status = queue_client_abort(&qc, SENDMAIL_QUEUE_WAIT_MS);
	else
		status = queue_client_finish(&qc, env.s, env.len, SENDMAIL_QUEUE_WAIT_MS);
	str_free(&env);
	return sendmail_exit(status, prog);
}

/* smtp_session: -bs: smtpd speaks SMTP on our stdin/stdout; the local user may relay. */
static int smtp_session(void)
{
	const char *smtpd = getenv("TERN_SMTPD");
	char *argv[2];

	if (!smtpd || !smtpd[0])
		smtpd = TERN_LIBEXECDIR "/smtpd";
	if (setenv("RELAYCLIENT", "", 1) < 0)
		log_die(EX_OSERR, "setenv: %s", strerror(errno));
	argv[0] = (char *)smtpd;
	argv[1] = NULL;
	execve(smtpd, argv, environ);
	log_die(EX_UNAVAILABLE, "exec %s: %s", smtpd, strerror(errno));
}

static int queue_list(struct sendmail *s)
{
	struct queue q;

	if (queue_open(&q, queue_dir(&s->cfg)) < 0)
		log_die(errno == EACCES ? EX_NOPERM : EX_OSFILE, "%s%s", q.err,
		       errno == EACCES ? " (listing the queue needs its owner or root)" : "");
	if (queue_list_print(&q, 1, (long long)time(NULL)) < 0)
		log_die(EX_OSFILE, "%s", q.err);
	queue_close(&q);
	return EX_OK;
}

int main(int argc, char **argv)
{
	static struct sendmail s;
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char err[512];

	if (fd_std_ensure() < 0)
		exit(EX_OSERR);
	log_init("sendmail");
	log_syslog_enable();	/* stderr is for errors only (cron mails it) */
	usage_help(argc, argv, sendmail_usage);
	signal(SIGPIPE, SIG_IGN);
	s.dot_ends = 1;
	s.mode = MODE_DELIVER;
	if (strcmp(base, "mailq") == 0)
		s.mode = MODE_LIST;
	else if (strcmp(base, "newaliases") == 0)
		s.mode = MODE_NOTHING;
	options_parse(&s, argc, argv);
	if (s.mode == MODE_NOTHING)
		return EX_OK;
	if (s.mode == MODE_SMTP)
		return smtp_session();
	if (config_load(config_dir(), &s.cfg, err, sizeof err) < 0)
		log_die(EX_CONFIG, "%s", err);
	if (s.mode == MODE_LIST)
		return queue_list(&s);
	return deliver(&s);
}
