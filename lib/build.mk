# lib/: code two or more programs need. Every lib/*.c goes into libtern.a; a program
# pulls in only the objects it references (log_journal.o, and with it libsystemd,
# only where log_journal_enable() is called).
LIB_OBJ := $(patsubst %.c,%.o,$(wildcard lib/*.c))

lib/libtern.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

# the musl tree for smtpd and inject (GNUmakefile): without log_journal.o,
# which needs libsystemd (glibc only) and which neither program calls
musl/lib/libtern.a: $(addprefix musl/,$(filter-out lib/log_journal.o,$(LIB_OBJ)))
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)
