/*
 * fuzz_ipc - the scheduler's and the workers' message readers
 * (relay/ipc.c, relay/ipc_codec.c): a stream of frames from a worker
 * (trusted no more than a remote server: relay(8)) or from the
 * scheduler, read through a real socketpair both ways the relay reads it:
 * the scheduler's non-blocking ipc_reader and the workers' ipc_recv().
 *
 * Every frame is decoded as a job (what a worker does) and as a result
 * (what the scheduler does; the job id and recipient count it expects are
 * taken from the frame, as if the claim matched a job in flight). Checks
 * what ipc.h promises of a decoded result: codes 200..599, "again" only
 * with a 4xx, remote_mta host-like, no control byte in any text.
 */
#include <sys/socket.h>

#include "fuzz.h"
#include "relay/ipc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

static void text_check(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n >= max)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

static void result_check(const char *p, size_t len)
{
	struct deliver_rcpt_result rr[4];
	struct deliver_result r = { rr, "", 0, "" };
	struct ipc_dec d;
	uint64_t jobid;
	uint32_t n, i;

	ipc_dec_init(&d, p, len);
	jobid = ipc_get_u64(&d);
	ipc_get_u32(&d);
	ipc_get_str(&d, 1 << 20);
	n = ipc_get_u32(&d);
	if (d.err || n > 4 || ipc_result_decode(p, len, jobid, n, &r) < 0)
		return;
	text_check(r.remote_mta, sizeof r.remote_mta);
	text_check(r.tls, sizeof r.tls);
	if (*r.tls && !*r.remote_mta)	/* TLS is only ever said of a server */
		abort();
	if (strspn(r.remote_mta, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789.-_:[]") != strlen(r.remote_mta))
		abort();
	for (i = 0; i < n; i++) {
		if (rr[i].code < 200 || rr[i].code > 599 || (rr[i].again && rr[i].code / 100 != 4))
			abort();
		text_check(rr[i].enhanced, sizeof rr[i].enhanced);
		text_check(rr[i].text, sizeof rr[i].text);
	}
}

static void job_check(const char *p, size_t len)
{
	struct deliver_job j;
	const char **rcptmem;
	uint64_t jobid;
	size_t i;

	if (ipc_job_decode(p, len, &jobid, &j, &rcptmem) < 0)
		return;
	if (!j.queue_id || !j.domain || !j.sender || !j.nrcpt || j.nrcpt > DELIVER_RCPT_MAX ||
	    j.body_fd != -1 || j.eightbit < -1 || j.eightbit > 1)
		abort();
	for (i = 0; i < j.nrcpt; i++)
		if (!j.rcpt[i])
			abort();
	free(rcptmem);
}

static void frame_check(const char *p, size_t len)
{
	job_check(p, len);
	result_check(p, len);
}

/* The scheduler's way: non-blocking fills, every complete frame handed out. */
static void reader_run(int fd)
{
	struct ipc_reader r;
	const char *p;
	size_t len;
	unsigned type;
	int eof = 0, got;

	ipc_reader_init(&r);
	while (!eof) {
		eof = ipc_reader_fill(&r, fd);
		if (eof < 0)
			break;
		while ((got = ipc_reader_next(&r, &type, &p, &len)) == 1)
			frame_check(p, len);
		if (got < 0)
			break;
	}
	ipc_reader_free(&r);
}

/* A worker's way: blocking frame by frame, with a descriptor slot. */
static void recv_run(int fd)
{
	struct str payload = STR_INIT(IPC_MAX);
	unsigned type;
	int passfd;

	while (ipc_recv(fd, &type, &payload, &passfd, 1000) == 0) {
		if (passfd >= 0)
			abort();	/* none was sent */
		frame_check(payload.s ? payload.s : "", payload.len);
	}
	str_free(&payload);
}

static void stream_run(const uint8_t *data, size_t size, void (*run)(int))
{
	int sv[2];
	int sndbuf = 1 << 20;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	if (size && write(sv[0], data, size) != (ssize_t)size)
		abort();	/* -max_len keeps inputs below the socket buffer */
	shutdown(sv[0], SHUT_WR);
	run(sv[1]);
	close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stream_run(data, size, reader_run);
	stream_run(data, size, recv_run);
	return 0;
}
