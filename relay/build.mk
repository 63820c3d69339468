# relay/: relay.c holds only main(); the rest is librelay.a. dkimkeygen.c is
# the main() of dkim-keygen(8).
RELAY_OBJ := $(filter-out relay/relay.o relay/dkimkeygen.o,$(patsubst %.c,%.o,$(wildcard relay/*.c)))

relay/librelay.a: $(RELAY_OBJ)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

relay/relay: relay/relay.o relay/librelay.a queue/libqueue.a lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^ $(LDNS_LIBS) $(OPENDKIM_LIBS) $(SSL_LIBS) $(SYSTEMD_LIBS)

relay/dkim-keygen: relay/dkimkeygen.o lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^ $(SSL_LIBS) $(SYSTEMD_LIBS)

PROGRAMS += relay/relay relay/dkim-keygen
