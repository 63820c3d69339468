# smtpd/: smtpd.c holds only main(); the rest is libsmtpd.a, which the unit tests link.
SMTPD_OBJ := $(filter-out smtpd/smtpd.o,$(patsubst %.c,%.o,$(wildcard smtpd/*.c)))

smtpd/libsmtpd.a: $(SMTPD_OBJ)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

# the program itself: musl objects under musl/ (PROG_OBJ, see GNUmakefile)
musl/smtpd/libsmtpd.a: $(addprefix musl/,$(SMTPD_OBJ))
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

smtpd/smtpd: $(PROG_OBJ)smtpd/smtpd.o $(PROG_OBJ)smtpd/libsmtpd.a $(PROG_OBJ)lib/libtern.a
	$(PROG_LINK) -o $@ $(PROG_START) $^ $(PROG_END)

PROGRAMS += smtpd/smtpd
