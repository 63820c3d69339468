/*
 * dkim_agent - the DKIM signer process: keys read as root, then queue-user,
 * non-dumpable, one child per signing request (see dkim_agent.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"
#include "relay/agent.h"
#include "relay/dkim_agent.h"
#include "relay/ipc.h"

enum { VERDICT_NO = 0, VERDICT_SIGNED = 1, VERDICT_ERROR = 2 };

/* The descriptor must be a queue file: regular, owned by our own uid. */
static int body_is_queue_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid();
}

static void answer(int conn, unsigned verdict, const struct str *fields, const char *note)
{
	struct str out = STR_INIT(DKIM_SIGN_OUT_MAX + 1024);
	char z[DKIM_SIGN_OUT_MAX + 1];
	size_t n = fields->len < DKIM_SIGN_OUT_MAX ? fields->len : 0;

	memcpy(z, fields->s ? fields->s : "", n);
	z[n] = '\0';
	if (ipc_put_u32(&out, verdict) < 0 || ipc_put_str(&out, z) < 0 ||
	    ipc_put_str(&out, note) < 0 || ipc_send(conn, IPC_DKIM_ANSWER, out.s, out.len, -1) < 0)
		log_msg(LOG_ERR, "DKIM signer: answer: %s", strerror(errno));
	str_free(&out);
}

void dkim_agent_serve(int conn, const struct dkim_keys *ks, int timeout_ms)
{
	struct str frame = STR_INIT(4096), fields = STR_INIT(DKIM_SIGN_OUT_MAX + 4096);
	char note[512];
	unsigned type;
	int bodyfd = -1, r;

	if (ipc_recv(conn, &type, &frame, &bodyfd, timeout_ms) != 0 || type != IPC_DKIM_SIGN ||
	    bodyfd < 0) {
		answer(conn, VERDICT_ERROR, &fields, "DKIM signer: malformed request");
	} else if (!body_is_queue_file(bodyfd)) {
		answer(conn, VERDICT_ERROR, &fields, "DKIM signer: the descriptor is no queue file");
	} else {
		r = dkim_sign_fd(ks, bodyfd, &fields, note, sizeof note);
		answer(conn, r == 1 ? VERDICT_SIGNED : r == 0 ? VERDICT_NO : VERDICT_ERROR,
		       &fields, note);
	}
	if (bodyfd >= 0)
		close(bodyfd);
	str_free(&frame);
	str_free(&fields);
}

struct signer {
	const struct config *cfg;
	struct dkim_keys keys;
};

static void serve(int conn, void *arg)
{
	struct signer *s = arg;

	dkim_agent_serve(conn, &s->keys, DKIM_AGENT_REQUEST_TIMEOUT_MS);
}

static void __attribute__((noreturn)) signer_main(int fd, void *arg)
{
	struct signer *s = arg;
	char err[512];

	if (dkim_keys_load(s->cfg, &s->keys, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "DKIM signer: %s", err);
		_exit(111);
	}
	/* no core dump, no ptrace or /proc/PID/mem by another process of queue-user */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    privdrop_to_user(s->cfg->queue_user, err, sizeof err) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		log_msg(LOG_ERR, "DKIM signer: %s", err[0] ? err : strerror(errno));
		_exit(111);
	}
	if (agent_ready(fd) < 0)
		_exit(111);
	agent_serve(fd, "DKIM signer", serve, s);
}

int dkim_agent_start(const struct config *c, int *fd, char *err, size_t errlen)
{
	static struct signer s;

	s.cfg = c;
	err[0] = '\0';
	return agent_start("DKIM signer", signer_main, &s, fd, err, errlen);
}
