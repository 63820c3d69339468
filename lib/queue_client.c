/*
 * queue_client - posix_spawn of the queue program, its pipes and its wait,
 * and the one table of what its exit code means (queue_client.h,
 * qmail-queue(8), inject(8)). A caller is never told "queued" unless the
 * program exited 0 after getting the whole message and the whole envelope.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "queue_client.h"

#define ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

/*
 * queue_client_attr_valid: "NAME=value", NAME [A-Z][A-Z0-9_]*, value without
 * CR, LF or NUL (queue_client.h): what an ATTR frame may carry.
 */
int queue_client_attr_valid(const char *a, size_t len)
{
	size_t i;

	if (len == 0 || a[0] < 'A' || a[0] > 'Z' || len > QUEUE_CLIENT_ATTR_MAX)
		return 0;
	for (i = 1; i < len && a[i] != '='; i++)
		if (!((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '0' && a[i] <= '9') || a[i] == '_'))
			return 0;
	if (i == len)
		return 0;	/* no '=' */
	for (; i < len; i++)
		if (a[i] == '\r' || a[i] == '\n' || a[i] == '\0')
			return 0;
	return 1;
}

/* queue_client_value_ok: printable ASCII only, so no value can break a consumer's parsing */
int queue_client_value_ok(const char *v)
{
	if (!v || !*v)
		return 0;
	for (; *v; v++)
		if ((unsigned char)*v < 0x21 || (unsigned char)*v > 0x7e)
			return 0;
	return 1;
}

/* env_add: envp[*n] = "NAME=value" in a malloc'ed string, when value is ok */
static void env_add(char **envp, size_t *n, char **owned, const char *name, const char *value)
{
	size_t len;
	char *s;

	if (!queue_client_value_ok(value))
		return;
	len = strlen(name) + strlen(value) + 2;
	if (!(s = malloc(len)))
		return;
	snprintf(s, len, "%s=%s", name, value);
	envp[(*n)++] = s;
	owned[0] = s;
}

/* client_spawn: program with the pipes' read ends on 0 and 1 (child.h). */
static int client_spawn(pid_t *pid, int msg_r, int env_r, const char *program,
			const char *received_id, const char *confdir,
			const struct queue_origin *o)
{
	char idvar[64], confvar[4200];
	char *envp[8], *argv[2], *owned[3] = { NULL, NULL, NULL };
	const struct child_fd fds[] = { { msg_r, 0 }, { env_r, 1 } };
	size_t n = 0, i;
	int r;

	if (received_id && (size_t)snprintf(idvar, sizeof idvar, "TERN_RECEIVED_ID=%s",
					    received_id) < sizeof idvar)
		envp[n++] = idvar;
	envp[n++] = (char *)ENV_PATH;
	if (confdir && (size_t)snprintf(confvar, sizeof confvar, "TERN_CONFDIR=%s",
					confdir) < sizeof confvar)
		envp[n++] = confvar;
	if (o) {
		env_add(envp, &n, &owned[0], "TERN_CLIENT_IP", o->ip);
		env_add(envp, &n, &owned[1], "TERN_CLIENT_HELO", o->helo);
		env_add(envp, &n, &owned[2], "TERN_CLIENT_AUTH", o->auth);
		if (o->relay)
			envp[n++] = (char *)"TERN_CLIENT_RELAY=1";
	}
	envp[n] = NULL;
	argv[0] = (char *)program;
	argv[1] = NULL;
	/* msg_r and env_r are above 2 (0-2 are open), so neither dup2 clobbers the other */
	r = child_spawn(pid, program, argv, envp, fds, 2);
	for (i = 0; i < 3; i++)
		free(owned[i]);
	return r;
}

int queue_client_start(struct queue_client *j, const char *program,
		       const char *received_id, const char *confdir,
		       const struct queue_origin *origin)
{
	int msg[2], env[2], r;

	j->pid = -1;
	j->msg_fd = j->env_fd = j->reply_fd = -1;
	j->session = j->failed = 0;
	j->queue_id[0] = '\0';
	if (pipe2(msg, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(env, O_CLOEXEC) < 0) {
		r = errno;
		close(msg[0]);
		close(msg[1]);
		errno = r;
		return -1;
	}
	r = client_spawn(&j->pid, msg[0], env[0], program, received_id, confdir, origin);
	close(msg[0]);
	close(env[0]);
	if (r != 0) {
		j->pid = -1;
		close(msg[1]);
		close(env[1]);
		errno = r;
		return -1;
	}
	/* non-blocking, so that buf's write timeout bounds a program that stops reading */
	fcntl(msg[1], F_SETFL, O_NONBLOCK);
	fcntl(env[1], F_SETFL, O_NONBLOCK);
	j->msg_fd = msg[1];
	j->env_fd = env[1];
	return 0;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Wait for the child at most timeout_ms; kill it when it hangs. */
static int client_wait(struct queue_client *j, int timeout_ms)
{
	int status = child_wait(j->pid, timeout_ms);	/* CHILD_HUNG is QUEUE_CLIENT_HUNG */

	j->pid = -1;
	return status;
}

int queue_client_finish(struct queue_client *j, const char *envelope, size_t len,
			int timeout_ms)
{
	struct outbuf ob;
	int failed, status;

	if (j->session)
		return queue_client_session_finish(j, envelope, len, timeout_ms);
	fd_close(&j->msg_fd);
	outbuf_init(&ob, j->env_fd, (char *)envelope, len);
	ob.len = len;
	ob.notsock = 1;	/* a pipe */
	ob.timeout_ms = timeout_ms;
	failed = outbuf_flush(&ob) < 0;
	fd_close(&j->env_fd);
	status = client_wait(j, timeout_ms);
	/* a program that exits 0 without the whole envelope gets no 250 */
	if (failed && status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return QUEUE_CLIENT_ENVELOPE_FAILED;
	return status;
}

int queue_client_abort(struct queue_client *j, int timeout_ms)
{
	int status;

	if (j->session)
		return queue_client_session_abort(j, timeout_ms);
	fd_close(&j->msg_fd);
	fd_close(&j->env_fd);
	status = j->pid > 0 ? client_wait(j, timeout_ms) : QUEUE_CLIENT_HUNG;
	/* without an envelope nothing was queued, whatever the exit code says */
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return QUEUE_CLIENT_ENVELOPE_FAILED;
	return status;
}

/*
 * The qmail-queue(8) exit codes with a meaning of their own; the rest take
 * their class's default. One table for every caller: smtpd's and
 * sendmail's two tables had drifted apart on 12-40.
 */
static const struct queue_exit {
	int code;
	const char *status;
	const char *text;
} queue_exits[] = {
	{ 11, "5.1.3", "address too long" },
	{ 31, "5.3.0", "message permanently refused by the queue" },
	/* tern's own (mailauth(8)): RFC 7372 §3.2, RFC 7489 §6.7 */
	{ QUEUE_EXIT_SPF_FAIL, "5.7.23", "SPF validation failed" },
	{ QUEUE_EXIT_DMARC_REJECT, "5.7.1", "rejected by the DMARC policy of the From domain" },
	{ 51, "4.3.0", "queue program out of memory" },
	{ 52, "4.3.0", "queue program timed out" },
	{ 53, "4.3.0", "queue write error (disk full?)" },
	{ 54, "4.3.0", "queue program could not read the message or envelope" },
	{ 55, "4.3.0", "queue program could not read its configuration" },
	{ 56, "4.3.0", "queue program could not make a network connection" },
	{ 61, "4.3.0", "problem with the queue program's home directory" },
	{ 62, "4.3.0", "problem with the queue directory" },
	{ 63, "4.3.0", "problem with a queue subdirectory" },
	{ 64, "4.3.0", "problem with a queue subdirectory" },
	{ 65, "4.3.0", "problem with a queue subdirectory" },
	{ 66, "4.3.0", "problem with a queue subdirectory" },
	{ 71, "4.3.0", "mail server temporarily rejected the message" },
	{ 72, "4.4.1", "connection to mail server timed out" },
	{ 73, "4.4.1", "connection to mail server rejected" },
	{ 74, "4.4.2", "communication with mail server failed" },
	{ QUEUE_EXIT_SPF_TEMPFAIL, "4.7.24", "SPF validation error (DNS), try again later" },
	{ QUEUE_EXIT_DMARC_TEMPFAIL, "4.7.1", "DMARC policy not evaluated (DNS), try again later" },
	{ 81, "4.3.0", "internal error in the queue program" },
	{ 91, "5.6.0", "envelope format error" },
};

static void verdict_set(struct queue_verdict *v, enum queue_client_outcome outcome,
			int exit_code, const char *status, const char *text)
{
	v->outcome = outcome;
	v->exit_code = exit_code;
	/* RFC 7372 §3.2 and RFC 7489 §6.7 name 550 for the policy refusals */
	snprintf(v->reply, sizeof v->reply, "%s", outcome == QUEUE_CLIENT_OK ? "250" :
		 outcome == QUEUE_CLIENT_TEMPORARY ? "451" :
		 exit_code == QUEUE_EXIT_SPF_FAIL || exit_code == QUEUE_EXIT_DMARC_REJECT ?
		 "550" : "554");
	snprintf(v->status, sizeof v->status, "%s", status);
	snprintf(v->text, sizeof v->text, "%s", text);
}

/* qmail-queue(8): 11-40 are permanent; tern's inject adds 91 (queue_client.h) */
static int exit_permanent(int code)
{
	return (code >= 11 && code <= 40) || code == 91;
}

/* verdict_exit: the verdict on a program that exited with code */
static void verdict_exit(int code, struct queue_verdict *v)
{
	enum queue_client_outcome outcome = exit_permanent(code) ? QUEUE_CLIENT_PERMANENT
								 : QUEUE_CLIENT_TEMPORARY;
	char text[sizeof v->text];
	size_t i;

	for (i = 0; i < sizeof queue_exits / sizeof queue_exits[0]; i++)
		if (queue_exits[i].code == code)
			break;
	if (i < sizeof queue_exits / sizeof queue_exits[0]) {
		verdict_set(v, outcome, code, queue_exits[i].status, queue_exits[i].text);
		return;
	}
	snprintf(text, sizeof text, outcome == QUEUE_CLIENT_PERMANENT ?
		 "queue program refused the message (exit %d)" :
		 "queue program failed (exit %d)", code);
	verdict_set(v, outcome, code, outcome == QUEUE_CLIENT_PERMANENT ? "5.3.0" : "4.3.0", text);
}

void queue_client_verdict(int status, struct queue_verdict *v)
{
	char text[sizeof v->text];

	if (status == QUEUE_CLIENT_HUNG) {
		verdict_set(v, QUEUE_CLIENT_TEMPORARY, -1, "4.3.0", "queue program timed out");
	} else if (status < 0) {	/* QUEUE_CLIENT_ENVELOPE_FAILED */
		verdict_set(v, QUEUE_CLIENT_TEMPORARY, -1, "4.3.0",
			    "queue program did not take the envelope");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		verdict_set(v, QUEUE_CLIENT_OK, 0, "2.0.0", "queued");
	} else if (WIFEXITED(status)) {
		verdict_exit(WEXITSTATUS(status), v);
	} else {
		snprintf(text, sizeof text, "queue program crashed (signal %d)",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		verdict_set(v, QUEUE_CLIENT_TEMPORARY, -1, "4.3.0", text);
	}
}
