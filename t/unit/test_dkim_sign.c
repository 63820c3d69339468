/*
 * test_dkim_sign - relay/dkim_sign.c: the From: domain (every refusal), the
 * key files (mode, type), which messages are signed (origin, domain), the
 * fields made (two keys, two signatures; the header list), and the
 * unstuffed encoding the signer reads the message through. Whether the
 * signatures verify is t/e2e/relay_dkim.sh's (an independent verifier).
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "queue/queue.h"
#include "relay/dataenc.h"
#include "relay/dkim_agent.h"
#include "relay/ipc.h"
#include "relay/dkim_sign.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/tern-test-dkim.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char sub[512];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if (unlink(sub) < 0)
			rm_tree(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void teardown(void)
{
	rm_tree(dir);
}

/* ---- From: ---- */

static const struct {
	const char *header;
	const char *domain;	/* NULL: refused */
} froms[] = {
	{ "From: a@example.test\r\n\r\n", "example.test" },
	{ "from:a@Example.TEST\r\nTo: b@x.test\r\n\r\n", "example.test" },
	{ "To: b@x.test\r\nFrom : Alice <alice@example.test>\r\n\r\n", "example.test" },
	{ "From: \"Smith, A. <x@evil.test>\" <a@example.test>\r\n\r\n", "example.test" },
	{ "From: Alice (work, at@evil.test) <a@example.test>\r\n\r\n", "example.test" },
	{ "From: a@example.test (Alice)\r\n\r\n", "example.test" },
	{ "From: Alice\r\n <a@example.test>\r\n\r\n", "example.test" },		/* folded */
	{ "Subject: x\r\n\r\nFrom: a@example.test\r\n", NULL },		/* in the body */
	{ "Subject: x\r\n\r\n", NULL },					/* none */
	{ "From: a@example.test\r\nFrom: b@example.test\r\n\r\n", NULL },	/* two fields */
	{ "From: a@example.test, b@example.test\r\n\r\n", NULL },		/* two addresses */
	{ "From: friends: a@example.test;\r\n\r\n", NULL },			/* a group */
	{ "From: Alice\r\n\r\n", NULL },					/* no @ */
	{ "From: <a@>\r\n\r\n", NULL },						/* no domain */
	{ "From: <a@exa_mple.test>\r\n\r\n", NULL },				/* not a domain */
	{ "From: <a@example.test\r\n\r\n", NULL },				/* no > */
	{ "From: \"open <a@example.test>\r\n\r\n", NULL },			/* open quote */
	{ "From: (open <a@example.test>\r\n\r\n", NULL },			/* open comment */
	{ "From: a@example.test x\r\n\r\n", NULL },				/* trailing word */
	{ "X-From: a@example.test\r\n\r\n", NULL },				/* another field */
};

START_TEST(from_domain)
{
	char d[256];
	const char *h = froms[_i].header;
	int r = dkim_from_domain(h, strlen(h), d, sizeof d);

	if (froms[_i].domain) {
		ck_assert_msg(r == 0, "refused: %s", h);
		ck_assert_str_eq(d, froms[_i].domain);
	} else {
		ck_assert_msg(r == -1, "accepted %s from %s", d, h);
	}
}
END_TEST

/* ---- keys ---- */

/* A new key file at dir/name (mode), RSA of bits or Ed25519 (bits 0). */
static void key_make(const char *name, int bits, mode_t mode)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(bits ? EVP_PKEY_RSA : EVP_PKEY_ED25519, NULL);
	EVP_PKEY *k = NULL;
	char path[256];
	FILE *f;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_gt(EVP_PKEY_keygen_init(ctx), 0);
	if (bits)
		ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits), 0);
	ck_assert_int_gt(EVP_PKEY_keygen(ctx, &k), 0);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(ctx);
}

/* A config with one dkim-sign line per (domain, selector, file) triple. */
static void conf_make(struct config *c, struct dkim_signer *s, size_t n, const char *const *v)
{
	char path[256];
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, v[3 * i + 2]);
		s[i].domain = (char *)v[3 * i];
		s[i].selector = (char *)v[3 * i + 1];
		s[i].keyfile = strdup(path);
	}
	c->dkim_signers = s;
	c->ndkim_signers = n;
}

static void conf_free(struct dkim_signer *s, size_t n)
{
	while (n--)
		free(s[n].keyfile);
}

/* Load keys of c; 0, or -1 with err holding want. */
static int load_expect(const struct config *c, const char *want)
{
	struct dkim_keys ks;
	char err[512] = "";
	int r = dkim_keys_load(c, &ks, err, sizeof err);

	if (r == 0)
		dkim_keys_free(&ks);
	if (want)
		ck_assert_msg(strstr(err, want) != NULL, "want '%s' in '%s'", want, err);
	return r;
}

START_TEST(key_files)
{
	static const char *const v[] = { "example.test", "s", "k" };
	struct dkim_signer s[1];
	struct config c;
	char path[256];
	int fd;

	conf_make(&c, s, 1, v);
	ck_assert_int_eq(load_expect(&c, "No such file"), -1);
	key_make("k", 2048, 0600);
	ck_assert_int_eq(load_expect(&c, NULL), 0);
	ck_assert_int_eq(chmod(s[0].keyfile, 0400), 0);
	ck_assert_int_eq(load_expect(&c, NULL), 0);
	ck_assert_int_eq(chmod(s[0].keyfile, 0640), 0);
	ck_assert_int_eq(load_expect(&c, "mode 0640: group or others may read it; a DKIM key must "
				     "be readable by its owner only (chmod 600)"), -1);
	ck_assert_int_eq(chmod(s[0].keyfile, 0604), 0);
	ck_assert_int_eq(load_expect(&c, "mode 0604"), -1);
	unlink(s[0].keyfile);
	key_make("k", 0, 0600);		/* Ed25519 */
	ck_assert_int_eq(load_expect(&c, NULL), 0);
	unlink(s[0].keyfile);
	key_make("k", 512, 0600);
	ck_assert_int_eq(load_expect(&c, "RSA of 512 bits; RFC 8301 wants at least 1024"), -1);
	unlink(s[0].keyfile);
	snprintf(path, sizeof path, "%s/k", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "not a key\n", 10), 10);
	close(fd);
	ck_assert_int_eq(load_expect(&c, "no PEM private key in it"), -1);
	unlink(path);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_int_eq(load_expect(&c, "dkim-sign key"), -1);	/* O_NOFOLLOW */
	unlink(path);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(load_expect(&c, "not a regular file"), -1);
	rmdir(path);
	conf_free(s, 1);
}
END_TEST

/* ---- signing ---- */

/* A queue file in dir/q holding text with origin o; its read-only fd. */
static int queued(const char *text, enum message_origin o)
{
	static char *rcpt[] = { "b@far.test" };
	struct envelope e = { "a@example.test", rcpt, 1, NULL };
	char qpath[256], id[QUEUE_ID_MAX];
	struct queue_file f;
	struct queue q;
	unsigned long long len;
	int fd;

	snprintf(qpath, sizeof qpath, "%s/q", dir);
	mkdir(qpath, 0700);
	ck_assert_int_eq(queue_init(qpath), 0);
	ck_assert_int_eq(queue_open(&q, qpath), 0);
	ck_assert_int_eq(queue_file_create(&q, &f), 0);
	queue_file_set_origin(&f, o);
	ck_assert_int_eq(queue_file_write(&f, text, strlen(text)), 0);
	ck_assert_int_eq(queue_file_commit(&q, &f, &e, "", id), 0);
	ck_assert_int_eq(queue_message_body(&q, id, &fd, &len), 0);
	queue_close(&q);
	return fd;
}

static const char msg[] = "From: Alice <alice@example.test>\r\nTo: b@far.test\r\n"
			  "Subject: s\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n.dot\r\nend";

START_TEST(which_messages)
{
	static const char *const v[] = { "example.test", "rsa", "rsa.pem",
					 "example.test", "ed", "ed.pem",
					 "other.test", "o", "rsa.pem" };
	struct dkim_signer s[3];
	struct dkim_keys ks;
	struct str out = STR_INIT(1 << 20);
	struct config c;
	char err[512], note[512];
	int fd;

	key_make("rsa.pem", 2048, 0600);
	key_make("ed.pem", 0, 0600);
	conf_make(&c, s, 3, v);
	ck_assert_msg(dkim_keys_load(&c, &ks, err, sizeof err) == 0, "%s", err);

	fd = queued(msg, QUEUE_ORIGIN_SUBMISSION);
	ck_assert_int_eq(dkim_sign_fd(&ks, fd, &out, note, sizeof note), 1);
	ck_assert_str_eq(note, "signed for example.test with 2 keys");
	ck_assert_int_eq(strncmp(out.s, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; "
				 "d=example.test; s=rsa;", 55), 0);
	ck_assert_ptr_nonnull(memmem(out.s, out.len, "\r\nDKIM-Signature: v=1; a=ed25519-sha256; ", 41));
	/* RFC 6376 §5.4.1's fields that are present, From/To/Subject/Date once more */
	ck_assert_ptr_nonnull(memmem(out.s, out.len, "h=From:To:Subject:Date:from:to:subject:date;", 44));
	ck_assert_ptr_nonnull(memmem(out.s, out.len, " t=", 3));
	ck_assert_ptr_null(memmem(out.s, out.len, " l=", 3));
	ck_assert_int_eq(out.s[out.len - 2], '\r');
	ck_assert_int_eq(out.s[out.len - 1], '\n');
	ck_assert_ptr_null(memmem(out.s, out.len, "\n\n", 2));
	close(fd);

	static const enum message_origin trusted[] = { QUEUE_ORIGIN_LOCAL, QUEUE_ORIGIN_RELAY };
	for (size_t i = 0; i < 2; i++) {
		str_truncate(&out, 0);
		fd = queued(msg, trusted[i]);
		ck_assert_int_eq(dkim_sign_fd(&ks, fd, &out, note, sizeof note), 1);
		close(fd);
	}
	str_truncate(&out, 0);
	fd = queued(msg, QUEUE_ORIGIN_SMTP);
	ck_assert_int_eq(dkim_sign_fd(&ks, fd, &out, note, sizeof note), 0);
	ck_assert_str_eq(note, "origin smtp: not signed");
	ck_assert_uint_eq(out.len, 0);
	close(fd);
	fd = queued(msg, QUEUE_ORIGIN_UNKNOWN);
	ck_assert_int_eq(dkim_sign_fd(&ks, fd, &out, note, sizeof note), 0);
	ck_assert_str_eq(note, "origin unknown: not signed");
	close(fd);
	fd = queued("From: x@third.test\r\n\r\nhi\r\n", QUEUE_ORIGIN_LOCAL);
	ck_assert_int_eq(dkim_sign_fd(&ks, fd, &out, note, sizeof note), 0);
	ck_assert_str_eq(note, "From: domain third.test has no dkim-sign key");
	close(fd);
	fd = queued("Subject: no from\r\n\r\nhi\r\n", QUEUE_ORIGIN_LOCAL);
	ck_assert_int_eq(dkim_sign_fd(&ks, fd, &out, note, sizeof note), 0);
	close(fd);
	/* one key for other.test: one signature */
	fd = queued("From: x@other.test\r\n\r\nhi\r\n", QUEUE_ORIGIN_LOCAL);
	ck_assert_int_eq(dkim_sign_fd(&ks, fd, &out, note, sizeof note), 1);
	ck_assert_str_eq(note, "signed for other.test with 1 key");
	close(fd);
	/* a descriptor that is no queue file */
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(dkim_sign_fd(&ks, fd, &out, note, sizeof note), -1);
	ck_assert_ptr_nonnull(strstr(note, "not a queue file"));
	close(fd);
	dkim_keys_free(&ks);
	conf_free(s, 3);
	str_free(&out);
}
END_TEST

/* One request to dkim_agent_serve() carrying fd (-1: none), type; the answer's verdict and note. */
static unsigned agent_ask(const struct dkim_keys *ks, unsigned type, int fd, char *note, size_t max)
{
	struct str in = STR_INIT(1 << 20);
	struct ipc_dec d;
	unsigned t, verdict;
	const char *n;
	int sv[2], passfd = -1;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(ipc_send(sv[0], type, "", 0, fd), 0);
	dkim_agent_serve(sv[1], ks, 1000);
	ck_assert_int_eq(ipc_recv(sv[0], &t, &in, &passfd, 1000), 0);
	ck_assert_uint_eq(t, IPC_DKIM_ANSWER);
	ipc_dec_init(&d, in.s, in.len);
	verdict = ipc_get_u32(&d);
	ck_assert_ptr_nonnull(ipc_get_str(&d, DKIM_SIGN_OUT_MAX));
	n = ipc_get_str(&d, 1024);
	ck_assert_ptr_nonnull(n);
	snprintf(note, max, "%s", n);
	close(sv[0]);
	close(sv[1]);
	str_free(&in);
	return verdict;
}

/* The signer takes a queue file only: a pipe or no descriptor is an error answer. */
START_TEST(agent_refuses)
{
	static const char *const v[] = { "example.test", "ed", "ed.pem" };
	struct dkim_signer s[1];
	struct dkim_keys ks;
	struct config c;
	char err[512], note[1024];
	int p[2], fd;

	key_make("ed.pem", 0, 0600);
	conf_make(&c, s, 1, v);
	ck_assert_msg(dkim_keys_load(&c, &ks, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], msg, sizeof msg - 1), (ssize_t)(sizeof msg - 1));
	ck_assert_uint_eq(agent_ask(&ks, IPC_DKIM_SIGN, p[0], note, sizeof note), 2);
	ck_assert_str_eq(note, "DKIM signer: the descriptor is no queue file");
	ck_assert_uint_eq(agent_ask(&ks, IPC_DKIM_SIGN, -1, note, sizeof note), 2);
	ck_assert_str_eq(note, "DKIM signer: malformed request");
	fd = queued(msg, QUEUE_ORIGIN_LOCAL);
	ck_assert_uint_eq(agent_ask(&ks, IPC_JOB, fd, note, sizeof note), 2);
	ck_assert_uint_eq(agent_ask(&ks, IPC_DKIM_SIGN, fd, note, sizeof note), 1);
	ck_assert_str_eq(note, "signed for example.test with 1 key");
	close(fd);
	close(p[0]);
	close(p[1]);
	dkim_keys_free(&ks);
	conf_free(s, 1);
}
END_TEST

/* The signer's encoding: the worker's, minus the doubled dots and the final dot. */
START_TEST(unstuffed_encoding)
{
	static const char in[] = ".a\r\nb\n..c\rd";
	char out[DATAENC_OUT_MAX(sizeof in) + DATAENC_FINISH_MAX], wire[sizeof out];
	struct dataenc e;
	size_t n, w;

	dataenc_init_unstuffed(&e);
	n = dataenc_chunk(&e, in, sizeof in - 1, out);
	n += dataenc_end(&e, out + n);
	ck_assert_uint_eq(n, 15);
	ck_assert_int_eq(memcmp(out, ".a\r\nb\r\n..c\r\nd\r\n", 15), 0);
	dataenc_init(&e);
	w = dataenc_chunk(&e, in, sizeof in - 1, wire);
	w += dataenc_finish(&e, wire + w);
	ck_assert_uint_eq(w, 20);
	ck_assert_int_eq(memcmp(wire, "..a\r\nb\r\n...c\r\nd\r\n.\r\n", 20), 0);
	/* a message ending with its line break: nothing more */
	dataenc_init_unstuffed(&e);
	n = dataenc_chunk(&e, "x\r\n", 3, out);
	ck_assert_uint_eq(dataenc_end(&e, out + n), 0);
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("dkim_sign");
	TCase *tc = tcase_create("dkim_sign");

	tcase_set_timeout(tc, 60);	/* RSA key generation on a loaded machine */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, from_domain, 0, sizeof froms / sizeof froms[0]);
	tcase_add_test(tc, key_files);
	tcase_add_test(tc, which_messages);
	tcase_add_test(tc, unstuffed_encoding);
	tcase_add_test(tc, agent_refuses);
	suite_add_tcase(s, tc);
	return s;
}
