# smtpd/: smtpd.c holds only main(); the rest is libsmtpd.a, which the unit tests link.
# tlsd*.c are tlsd(8), the TLS engine: glibc and OpenSSL, dynamically linked
# (it starts once per TLS session, never for plaintext), never in smtpd.
TLSD_OBJ := $(patsubst %.c,%.o,$(wildcard smtpd/tlsd*.c))
SMTPD_OBJ := $(filter-out smtpd/smtpd.o $(TLSD_OBJ),$(patsubst %.c,%.o,$(wildcard smtpd/*.c)))
SSL_LIBS := $(shell pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto)

smtpd/libsmtpd.a: $(SMTPD_OBJ)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

# the program itself: musl objects under musl/ (PROG_OBJ, see GNUmakefile)
musl/smtpd/libsmtpd.a: $(addprefix musl/,$(SMTPD_OBJ))
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

smtpd/smtpd: $(PROG_OBJ)smtpd/smtpd.o $(PROG_OBJ)smtpd/libsmtpd.a $(PROG_OBJ)lib/libtern.a
	$(PROG_LINK) -o $@ $(PROG_START) $^ $(PROG_END)

PROGRAMS += smtpd/smtpd

smtpd/tlsd: $(TLSD_OBJ) smtpd/libsmtpd.a lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^ $(SSL_LIBS)

PROGRAMS += smtpd/tlsd
