/*
 * fuzz_smtpd_session - a whole smtpd session (session_run()) fed from the
 * input: the client's bytes, read from an anonymous file to their end.
 *
 * The queue program is replaced at link time (-Wl,--wrap, t/fuzz/build.mk)
 * by an in-process sink: queue_client_start() gives an anonymous file as
 * the message pipe, queue_client_finish() checks what smtpd handed over and answers
 * with the exit status the first recipient asks for ("exit51@..." exits
 * 51, "kill@..." dies by a signal, "hang@..." hangs; anything else exits 0),
 * so a session costs no fork and no exec.
 *
 * Beyond the sanitizers, it checks smtpd's promises:
 *   - the envelope it hands the queue program is one inject accepts
 *     (envelope_decode() says ENVELOPE_OK);
 *   - the message it hands over has CRLF line ends only (no bare CR or LF:
 *     SMTP smuggling) and no line longer than 1000 octets with its CRLF;
 *   - every reply line it writes is "NNN" then " " or "-", printable
 *     text, CRLF (peer data never forges a reply line).
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fuzz.h"
#include "envelope.h"
#include "queue_client.h"
#include "smtpd/session.h"

static struct session_options opts;
static struct config cfg;
static int in_fd, out_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char conf[] = "hostname mx.example.test\naccept example.test\n"
		"accept [192.0.2.9]\nmax-message-size 20000\nmax-recipients 5\n"
		"command-timeout 2s\ndata-timeout 2s\nsession-timeout 10s\n";
	char dir[64], err[512];
	int dfd;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_tmpdir(dir, "smtpd");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		abort();
	fuzz_write(dfd, "tern.conf", conf, sizeof conf - 1);
	if (config_load(dir, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_smtpd_session: %s\n", err);
		abort();
	}
	unlinkat(dfd, "tern.conf", 0);
	close(dfd);
	rmdir(dir);
	opts.cfg = &cfg;
	opts.injector = "/nonexistent/inject (replaced by the sink)";
	opts.confdir = NULL;
	if (client_set(&opts.client, "192.0.2.1", "4321", NULL) < 0)
		abort();
	in_fd = fuzz_memfd("client");
	out_fd = fuzz_memfd("server");
	return 0;
}

int __wrap_queue_client_start(struct queue_client *j, const char *program, const char *received_id,
			  const char *confdir, const struct queue_origin *origin);
int __wrap_queue_client_finish(struct queue_client *j, const char *envelope, size_t len, int timeout_ms);
int __wrap_queue_client_abort(struct queue_client *j, int timeout_ms);

int __wrap_queue_client_start(struct queue_client *j, const char *program, const char *received_id,
			  const char *confdir, const struct queue_origin *origin)
{
	(void)origin;
	(void)program;
	(void)confdir;
	if (!received_id || strlen(received_id) > 32)
		abort();
	j->pid = 0;
	j->env_fd = -1;
	j->msg_fd = fuzz_memfd("message");
	return 0;
}

/* Lines end in CRLF only, none longer than 1000 octets. */
static void message_check(int fd)
{
	struct stat st;
	char *m;
	size_t i, n, bol = 0;

	if (fstat(fd, &st) < 0)
		abort();
	n = (size_t)st.st_size;
	if (!n)
		return;
	m = malloc(n);
	if (!m || pread(fd, m, n, 0) != (ssize_t)n)
		abort();
	if (strncmp(m, "Received: ", n < 10 ? n : 10) != 0)
		abort();
	for (i = 0; i < n; i++) {
		if (m[i] == '\r' && (i + 1 == n || m[i + 1] != '\n'))
			abort();	/* bare CR */
		if (m[i] == '\n') {
			if (i == 0 || m[i - 1] != '\r')
				abort();	/* bare LF */
			if (i + 1 - bol > 1000)
				abort();	/* RFC 5321 §4.5.3.1.6 */
			bol = i + 1;
		}
	}
	if (bol != n)
		abort();	/* the last line has no CRLF */
	free(m);
}

int __wrap_queue_client_finish(struct queue_client *j, const char *envelope, size_t len, int timeout_ms)
{
	struct envelope e;
	int status = 0;

	(void)timeout_ms;
	message_check(j->msg_fd);
	close(j->msg_fd);
	if (envelope_decode(envelope, len, &e) != ENVELOPE_OK)
		abort();	/* smtpd accepted what inject refuses */
	if (!strncmp(e.rcpt[0], "exit", 4))
		status = W_EXITCODE(atoi(e.rcpt[0] + 4) & 0xff, 0);
	else if (!strncmp(e.rcpt[0], "kill@", 5))
		status = SIGKILL;
	else if (!strncmp(e.rcpt[0], "hang@", 5))
		status = QUEUE_CLIENT_HUNG;
	envelope_free(&e);
	return status;
}

int __wrap_queue_client_abort(struct queue_client *j, int timeout_ms)
{
	(void)timeout_ms;
	close(j->msg_fd);
	return W_EXITCODE(91, 0);	/* what inject says to a message without envelope */
}

/* Every reply line: 3 digits, ' ' or '-', printable ASCII, CRLF. */
static void replies_check(int fd)
{
	struct stat st;
	char *r;
	size_t i, n, bol = 0;

	if (fstat(fd, &st) < 0)
		abort();
	n = (size_t)st.st_size;
	r = malloc(n + 1);
	if (!r || pread(fd, r, n, 0) != (ssize_t)n)
		abort();
	for (i = 0; i < n; i++) {
		if (i == bol) {
			if (n - i < 6 || r[i] < '2' || r[i] > '5' || r[i + 1] < '0' ||
			    r[i + 1] > '9' || r[i + 2] < '0' || r[i + 2] > '9' ||
			    (r[i + 3] != ' ' && r[i + 3] != '-'))
				abort();
		}
		if (r[i] == '\r') {
			if (i + 1 == n || r[i + 1] != '\n')
				abort();
			bol = i + 2;
			i++;
		} else if ((unsigned char)r[i] < 0x20 || (unsigned char)r[i] >= 0x7f) {
			abort();
		}
	}
	if (bol != n)
		abort();
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_memfd_set(in_fd, data, size);
	if (ftruncate(out_fd, 0) < 0 || lseek(out_fd, 0, SEEK_SET) != 0)
		abort();
	session_run(&opts, in_fd, out_fd);
	replies_check(out_fd);
	return 0;
}
