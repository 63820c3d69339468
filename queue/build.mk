# queue/: one file per program's main(); the rest is libqueue.a.
QUEUE_MAINS := queue/inject.o queue/sendmail.o queue/queuectl.o
QUEUE_OBJ := $(filter-out $(QUEUE_MAINS),$(patsubst %.c,%.o,$(wildcard queue/*.c)))

queue/libqueue.a: $(QUEUE_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

# inject is exec'd once per message and runs setuid: static, no dynamic loader.
queue/inject: queue/inject.o queue/libqueue.a lib/libtern.a
	$(CC) $(STATIC) $(LDHARDEN) $(LDFLAGS) -o $@ $^

queue/sendmail: queue/sendmail.o queue/libqueue.a lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^

queue/queuectl: queue/queuectl.o queue/libqueue.a lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^

PROGRAMS += queue/inject queue/sendmail queue/queuectl
