# t/: Check unit tests, one binary per t/unit/test_*.c (each defines suite()),
# and end-to-end scripts t/e2e/*.sh (TAP). t/run runs them all and totals.
UNIT_TESTS := $(patsubst %.c,%,$(wildcard t/unit/test_*.c))
TEST_ARCHIVES := relay/librelay.a queue/libqueue.a smtpd/libsmtpd.a lib/libtern.a

t/unit/test_%: t/unit/test_%.o t/unit/check_main.o $(TEST_ARCHIVES)
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDNS_LIBS) $(OPENDKIM_LIBS) $(SSL_LIBS) $(SYSTEMD_LIBS)

# make valgrind: every unit test under valgrind memcheck, leaks included
# (t/valgrind); ends with the same "N passed, M failed" line as make check.
.PHONY: valgrind
valgrind: deps $(UNIT_TESTS)
ifeq ($(SANITIZE),1)
	@echo "make valgrind: not with SANITIZE=1 (ASan and valgrind exclude each other)"; exit 1
endif
	@t/valgrind $(UNIT_TESTS)

# Benchmarks (never part of `make check`: speed is measured, not tested):
# t/bench/accept.sh, drain.sh and rss.sh against a private Postfix; each
# prints its checks as TAP and a table. BENCH_SECONDS sets a run's length.
.PHONY: bench
bench: smtpd/smtpd queue/inject relay/relay relay/dkim-keygen
	@for b in accept drain rss; do echo "== t/bench/$$b.sh"; bash t/bench/$$b.sh || exit 1; done

# t/fault/: faults at the system-call boundary (t/e2e/fault_*.sh). libfault.so
# is an LD_PRELOAD shim (t/fault/fault.c); a preload needs a dynamic loader,
# which the static musl inject has not, so t/fault/inject is the same
# injector, from the glibc objects the unit tests already use, linked
# dynamically. Test-only: never installed.
t/fault/libfault.so: t/fault/fault.c
	$(CC) -D_GNU_SOURCE $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl

t/fault/inject: queue/inject.o queue/libqueue.a lib/libtern.a $(SANITIZE_OBJ)
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^

TEST_PROGRAMS += t/fault/libfault.so t/fault/inject
CLEAN += t/fault/libfault.so t/fault/inject

# t/inject-as-owner: the setuid injector of a private instance run as root
# (t/instance copies it into the instance); never installed. Static musl
# where smtpd and inject are (no dynamic loader): it runs once per session
# on the way to inject, and the benchmarks should pay for an exec, not for
# ld.so and libc's relocations.
t/inject-as-owner: t/inject-as-owner.c
	$(if $(PROG_OBJ),$(MUSL_CHECK)$(MUSL_CC) -static $(filter-out -D_FORTIFY_SOURCE%,$(CPPFLAGS)) \
		$(ALL_CFLAGS),$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -pie $(LDHARDEN) $(LDFLAGS)) -o $@ $<

TEST_PROGRAMS += t/inject-as-owner
CLEAN += t/inject-as-owner
