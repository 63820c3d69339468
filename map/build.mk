# map/: newmap, which compiles the address maps (recipients, aliases) of
# tern.conf(5) into the cdb databases smtpd reads; the code is lib/map*.c.
map/newmap: map/newmap.o lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^

PROGRAMS += map/newmap
