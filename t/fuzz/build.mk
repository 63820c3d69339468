# t/fuzz/: libFuzzer harnesses, one per t/fuzz/fuzz_NAME.c, built with clang,
# ASan and UBSan from an object tree of their own (t/fuzz/obj/), so the gcc
# and musl builds are untouched. `make fuzz` runs each for FUZZ_SECONDS (two
# at a time); make check runs each briefly from its seed corpus and replays
# every file of t/fuzz/regress/ (t/e2e/fuzz.sh). See t/fuzz/README.
FUZZ_CC      ?= clang
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  ?= -O1 -g -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst %.c,%,$(wildcard t/fuzz/fuzz_*.c))
FUZZ_SRC     := $(filter-out smtpd/smtpd.c smtpd/tlsd%.c relay/relay.c relay/dkimkeygen.c $(QUEUE_MAINS:.o=.c), \
                  $(wildcard lib/*.c smtpd/*.c queue/*.c relay/*.c))
FUZZ_OBJ     := $(patsubst %.c,t/fuzz/obj/%.o,$(FUZZ_SRC))

# gcc's warnings are the tree's standard; clang's -Wconversion also implies
# -Wsign-conversion, which flags every enum-to-int assignment gcc accepts.
t/fuzz/obj/%.o: %.c lib/.build-flags
	@mkdir -p $(@D)
	$(FUZZ_CC) $(filter-out -D_FORTIFY_SOURCE%,$(CPPFLAGS)) -It/fuzz $(PKG_CFLAGS) $(WARN) -Wno-format-nonliteral \
		-Wno-sign-conversion \
		$(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

t/fuzz/obj/libtern-fuzz.a: $(FUZZ_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

# Link-time seams (no test hook in the programs): the session harness
# replaces the queue client's start and wait with an in-process sink, the DNS
# harness answers ldns_resolver_send() from the input.
t/fuzz/fuzz_smtpd_session: FUZZ_WRAP = -Wl,--wrap=queue_client_start,--wrap=queue_client_finish,--wrap=queue_client_abort
t/fuzz/fuzz_dns: FUZZ_WRAP = -Wl,--wrap=ldns_resolver_send
t/fuzz/fuzz_tlsa: FUZZ_WRAP = -Wl,--wrap=ldns_resolver_send

t/fuzz/fuzz_%: t/fuzz/obj/t/fuzz/fuzz_%.o t/fuzz/obj/libtern-fuzz.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(FUZZ_WRAP) -o $@ $^ $(LDNS_LIBS) $(OPENDKIM_LIBS) $(SSL_LIBS) $(SYSTEMD_LIBS)

# FUZZ_SECONDS per harness (default 60), FUZZ_JOBS at once (default 2);
# FUZZ=NAME runs only fuzz_NAME. New inputs are kept in t/log/fuzz/NAME/
# (not in the seed corpus), crashes in t/log/fuzz/.
.PHONY: fuzz clean-fuzz
fuzz: deps $(FUZZ_TARGETS)
	@FUZZ_MODE=long t/e2e/fuzz.sh

clean: clean-fuzz
clean-fuzz:
	rm -rf t/fuzz/obj $(FUZZ_TARGETS)

-include $(wildcard t/fuzz/obj/*/*.d t/fuzz/obj/*/*/*.d)
