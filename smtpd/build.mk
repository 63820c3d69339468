# smtpd/: smtpd.c holds only main(); the rest is libsmtpd.a, which the unit tests link.
SMTPD_OBJ := $(filter-out smtpd/smtpd.o,$(patsubst %.c,%.o,$(wildcard smtpd/*.c)))

smtpd/libsmtpd.a: $(SMTPD_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

smtpd/smtpd: smtpd/smtpd.o smtpd/libsmtpd.a lib/libtern.a
	$(CC) $(STATIC) $(LDHARDEN) $(LDFLAGS) -o $@ $^

PROGRAMS += smtpd/smtpd
