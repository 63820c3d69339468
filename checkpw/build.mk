# checkpw/: the bundled checkpassword program for smtpd's AUTH (checkpw(8)).
# glibc and libxcrypt (crypt_rn: yescrypt, sha512-crypt, ...); installed
# setgid tern-auth so that it alone reads the password file.
CHECKPW_OBJ := checkpw/checkpw.o checkpw/passwd.o

checkpw/checkpw: $(CHECKPW_OBJ) lib/libtern.a
	$(CC) -pie $(LDHARDEN) $(LDFLAGS) -o $@ $^ -lcrypt

PROGRAMS += checkpw/checkpw
