/*
 * dkim-keygen - make a DKIM key pair: the private key into a new root-only
 * file, the DNS TXT record to publish on standard output (dkim-keygen(8)).
 *
 *	dkim-keygen [-t rsa|ed25519] [-b BITS] [-r] DOMAIN SELECTOR KEYFILE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "addr.h"
#include "dkimconf.h"
#include "log.h"
#include "str.h"
#include "usage.h"

static const char keygen_usage[] =
	"usage: dkim-keygen [-t rsa|ed25519] [-b BITS] [-r] DOMAIN SELECTOR KEYFILE\n"
	"Make a DKIM key pair: the private key goes into KEYFILE (created, mode 0600;\n"
	"never replaced), the TXT record to publish for SELECTOR._domainkey.DOMAIN\n"
	"to standard output, in zone-file syntax (strings of at most 255 bytes).\n"
	"  -t TYPE  rsa (the default, rsa-sha256) or ed25519 (ed25519-sha256, RFC 8463)\n"
	"  -b BITS  RSA key size, 1024 to 4096 (default 2048)\n"
	"  -r       print \"NAME VALUE\" on one line instead (NAME without the final dot,\n"
	"           VALUE the whole record text, unquoted)\n"
	"  --help   print this text and exit\n"
	"Then add \"dkim-sign DOMAIN SELECTOR KEYFILE\" to tern.conf. See dkim-keygen(8).\n";

static EVP_PKEY *key_make(int ed25519, int bits)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_RSA, NULL);
	EVP_PKEY *k = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    (!ed25519 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) <= 0) ||
	    EVP_PKEY_keygen(ctx, &k) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/*
 * The p= value: RFC 6376 §3.6.1, base64 of the DER SubjectPublicKeyInfo for
 * RSA; RFC 8463 §4.2, base64 of the bare 32-byte public key for Ed25519.
 */
static int public_base64(EVP_PKEY *k, int ed25519, struct str *out)
{
	unsigned char raw[32], *der = NULL, *b64;
	size_t rawlen = sizeof raw;
	int n, m, r = -1;

	if (ed25519) {
		if (EVP_PKEY_get_raw_public_key(k, raw, &rawlen) <= 0)
			return -1;
		n = (int)rawlen;
		der = raw;
	} else if ((n = i2d_PUBKEY(k, &der)) <= 0) {
		return -1;
	}
	b64 = malloc((size_t)n * 2 + 4);
	if (b64 && (m = EVP_EncodeBlock(b64, der, n)) > 0)
		r = str_append(out, b64, (size_t)m);
	free(b64);
	if (!ed25519)
		OPENSSL_free(der);
	return r;
}

/* The private key into a new file, mode 0600, PKCS#8 PEM. */
static void key_write(EVP_PKEY *k, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		log_die(111, "create %s: %s%s", path, strerror(errno),
			errno == EEXIST ? " (a key is never replaced: remove it first)" : "");
	if (fchmod(fd, 0600) < 0 || !(f = fdopen(fd, "w")))
		log_die(111, "%s: %s", path, strerror(errno));
	if (!PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fflush(f) != 0 ||
	    fsync(fd) < 0 || fclose(f) != 0) {
		unlink(path);
		log_die(111, "write %s failed", path);
	}
}

/* NAME. IN TXT "..." "...": each string at most 255 bytes (RFC 1035 §3.3). */
static void record_print(const char *name, const char *value, int one_line)
{
	size_t n = strlen(value), off;

	if (one_line) {
		printf("%s %s\n", name, value);
		return;
	}
	printf("%s. IN TXT", name);
	for (off = 0; off < n; off += 255)
		printf(" \"%.*s\"", (int)(n - off < 255 ? n - off : 255), value + off);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct str value = STR_INIT(16384);
	char name[512], err[256];
	struct dkim_signer s;
	EVP_PKEY *k;
	int opt, ed25519 = 0, bits = 2048, one_line = 0;

	log_init("dkim-keygen");
	usage_help(argc, argv, keygen_usage);
	while ((opt = getopt(argc, argv, "t:b:r")) != -1) {
		if (opt == 't' && (!strcmp(optarg, "rsa") || !strcmp(optarg, "ed25519")))
			ed25519 = optarg[0] == 'e';
		else if (opt == 'b' && (bits = atoi(optarg)) >= 1024 && bits <= 4096)
			;
		else if (opt == 'r')
			one_line = 1;
		else
			usage_die(100, keygen_usage);
	}
	if (argc - optind != 3)
		usage_die(100, keygen_usage);
	snprintf(name, sizeof name, "%s %s %s", argv[optind], argv[optind + 1], argv[optind + 2]);
	if (dkimconf_parse(name, &s, err, sizeof err) < 0)
		log_die(100, "%s", err);
	snprintf(name, sizeof name, "%s._domainkey.%s", s.selector, s.domain);
	if (!(k = key_make(ed25519, bits)))
		log_die(111, "key generation failed");
	if (str_appendf(&value, "v=DKIM1; k=%s; p=", ed25519 ? "ed25519" : "rsa") < 0 ||
	    public_base64(k, ed25519, &value) < 0 || str_appendc(&value, '\0') < 0)
		log_die(111, "public key encoding failed");
	umask(077);
	key_write(k, s.keyfile);
	record_print(name, value.s, one_line);
	EVP_PKEY_free(k);
	dkimconf_free(&s);
	str_free(&value);
	return fflush(stdout) == 0 ? 0 : 111;
}
