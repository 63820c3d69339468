# queue/: one file per program's main(); the rest is libqueue.a.
QUEUE_MAINS := queue/inject.o queue/sendmail.o queue/queuectl.o
QUEUE_OBJ := $(filter-out $(QUEUE_MAINS),$(patsubst %.c,%.o,$(wildcard queue/*.c)))

queue/libqueue.a: $(QUEUE_OBJ)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

musl/queue/libqueue.a: $(addprefix musl/,$(QUEUE_OBJ))
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

# inject is exec'd once per message and runs setuid: static, no dynamic loader,
# musl (PROG_OBJ, see GNUmakefile).
queue/inject: $(PROG_OBJ)queue/inject.o $(PROG_OBJ)queue/libqueue.a $(PROG_OBJ)lib/libtern.a
	$(PROG_LINK) -o $@ $(PROG_START) $^ $(PROG_END)

queue/sendmail: queue/sendmail.o queue/libqueue.a lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^

queue/queuectl: queue/queuectl.o queue/libqueue.a lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^

PROGRAMS += queue/inject queue/sendmail queue/queuectl
