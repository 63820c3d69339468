/*
 * test_dane - relay/dane.c: which TLSA records RFC 7672 §3.1.3 lets
 * authenticate an SMTP server, and the verdict for a target reached by
 * unvalidated DNS (no lookup at all). The lookups themselves are tested
 * end to end against a validating resolver (t/e2e/relay_dane.sh).
 */
#include <check.h>
#include "t/unit/check_main.h"
#include <netinet/in.h>
#include <string.h>

#include "relay/dane.h"

static unsigned char d64[64];

static struct tls_tlsa rec(unsigned usage, unsigned selector, unsigned mtype, size_t len)
{
	struct tls_tlsa r = { (unsigned char)usage, (unsigned char)selector,
			      (unsigned char)mtype, d64, len };
	return r;
}

START_TEST(usable_records)
{
	struct tls_tlsa r;

	r = rec(3, 1, 1, 32);
	ck_assert(dane_usable(&r));	/* DANE-EE SPKI SHA2-256 */
	r = rec(3, 0, 2, 64);
	ck_assert(dane_usable(&r));	/* DANE-EE Cert SHA2-512 */
	r = rec(2, 0, 1, 32);
	ck_assert(dane_usable(&r));	/* DANE-TA Cert SHA2-256 */
	r = rec(2, 1, 0, 40);
	ck_assert(dane_usable(&r));	/* DANE-TA SPKI Full */
}
END_TEST

START_TEST(unusable_records)
{
	struct tls_tlsa r;

	r = rec(0, 0, 1, 32);
	ck_assert(!dane_usable(&r));	/* PKIX-TA: unusable for SMTP */
	r = rec(1, 1, 1, 32);
	ck_assert(!dane_usable(&r));	/* PKIX-EE: unusable for SMTP */
	r = rec(4, 1, 1, 32);
	ck_assert(!dane_usable(&r));	/* unknown usage */
	r = rec(3, 2, 1, 32);
	ck_assert(!dane_usable(&r));	/* unknown selector */
	r = rec(3, 1, 3, 32);
	ck_assert(!dane_usable(&r));	/* unknown matching type */
	r = rec(3, 1, 1, 31);
	ck_assert(!dane_usable(&r));	/* SHA2-256 of the wrong length */
	r = rec(3, 1, 2, 32);
	ck_assert(!dane_usable(&r));	/* SHA2-512 of the wrong length */
	r = rec(3, 1, 0, 0);
	ck_assert(!dane_usable(&r));	/* Full without data */
	r = rec(3, 1, 1, 32);
	r.data = NULL;
	ck_assert(!dane_usable(&r));
}
END_TEST

/* RFC 7672 §2.2: no TLSA lookup for a host reached by unvalidated DNS */
START_TEST(insecure_target_no_lookup)
{
	struct mx_target t;
	struct dane_set set;
	char why[256];

	memset(&t, 0, sizeof t);
	strcpy(t.host, "mx.example");
	((struct sockaddr_in *)&t.ss)->sin_family = AF_INET;
	t.dnssec = 0;
	/* d NULL: a lookup would crash, so none happens */
	ck_assert_int_eq(dane_lookup(NULL, &t, &set, why, sizeof why), DANE_NONE);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_ptr_nonnull(strstr(why, "no DNSSEC-validated MX"));
}
END_TEST

Suite *suite(void)
{
	Suite *s = suite_create("dane");
	TCase *tc = tcase_create("dane");

	tcase_add_test(tc, usable_records);
	tcase_add_test(tc, unusable_records);
	tcase_add_test(tc, insecure_target_no_lookup);
	suite_add_tcase(s, tc);
	return s;
}
