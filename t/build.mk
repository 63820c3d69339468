# t/: Check unit tests, one binary per t/unit/test_*.c (each defines suite()),
# and end-to-end scripts t/e2e/*.sh (TAP). t/run runs them all and totals.
UNIT_TESTS := $(patsubst %.c,%,$(wildcard t/unit/test_*.c))
TEST_ARCHIVES := relay/librelay.a queue/libqueue.a smtpd/libsmtpd.a lib/libtern.a

t/unit/test_%: t/unit/test_%.o t/unit/check_main.o $(TEST_ARCHIVES)
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDNS_LIBS) $(SYSTEMD_LIBS)
