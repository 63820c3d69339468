# lib/: code two or more programs need. Every lib/*.c goes into libtern.a; a program
# pulls in only the objects it references (log_journal.o, and with it libsystemd,
# only where log_journal_enable() is called).
LIB_OBJ := $(patsubst %.c,%.o,$(wildcard lib/*.c))

lib/libtern.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

# the musl tree for smtpd and inject (GNUmakefile): without log_journal.o,
# which needs libsystemd (glibc only), and resolver.o, which needs ldns (smtpd
# and inject do no DNS); neither program calls them
LIB_GLIBC_ONLY := lib/log_journal.o lib/resolver.o
musl/lib/libtern.a: $(addprefix musl/,$(filter-out $(LIB_GLIBC_ONLY),$(LIB_OBJ)))
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)
