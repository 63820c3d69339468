# verify/: inbound checks that need DNS and crypto, kept out of smtpd.
# mailauth (mailauth(8)): SPF, DKIM, DMARC as a qmail-queue filter; glibc,
# dynamically linked against ldns, libspf2, libopendkim and libopendmarc.
# Its objects other than main() go into libmailauth.a for the unit tests.
MAILAUTH_OBJ := verify/authres.o verify/checks.o verify/dkimv.o verify/dmarc.o \
	verify/forward.o verify/msghdr.o verify/spf.o verify/spool.o verify/vdns.o
MAILAUTH_LIBS := $(LDNS_LIBS) -lspf2 \
	$(shell pkg-config --libs opendkim 2>/dev/null || echo -lopendkim) -lopendmarc

$(MAILAUTH_OBJ) verify/mailauth.o: lib/.build-flags

verify/libmailauth.a: $(MAILAUTH_OBJ)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

verify/mailauth: verify/mailauth.o verify/libmailauth.a lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^ $(MAILAUTH_LIBS)

PROGRAMS += verify/mailauth

# its unit test links the verify/ archive and its libraries too
t/unit/test_mailauth: t/unit/test_mailauth.o t/unit/check_main.o verify/libmailauth.a lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(MAILAUTH_LIBS)

# t/fuzz/fuzz_msghdr (t/fuzz/README): verify/'s message parsing, built in the
# fuzz object tree; its rule here, since t/fuzz/build.mk covers lib/ and the
# programs' directories only
t/fuzz/fuzz_msghdr: t/fuzz/obj/t/fuzz/fuzz_msghdr.o t/fuzz/obj/verify/msghdr.o \
		t/fuzz/obj/verify/forward.o t/fuzz/obj/verify/authres.o t/fuzz/obj/libtern-fuzz.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDNS_LIBS) $(SSL_LIBS) $(SYSTEMD_LIBS)
