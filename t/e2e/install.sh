#!/usr/bin/env bash
# t/e2e/install.sh: `make install DESTDIR=...` puts exactly the expected files
# there with exactly the expected type, mode, owner and link target (with
# SENDMAIL=yes, sendmail.1 and mailq.1 for `man sendmail` and `man mailq`);
# install keeps an edited tern.conf; SENDMAIL=no leaves out the links; `make uninstall`
# leaves nothing but directories. Then the setuid injector under the
# credentials of tern-smtpd@.service (setpriv: uid tern-smtpd, no capabilities,
# no_new_privs off) queues a message as tern-queue, and with no_new_privs
# (what systemd's seccomp options imply) it cannot.
#
# As root (CI), the users tern-smtpd, tern-queue and tern-relay are created in
# this machine's /etc/passwd from units/tern.sysusers when missing, exactly as
# `make install` would do.
. t/lib.sh
t_netns "$@"
t_need setpriv systemd-sysusers
[ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ] || t_bail "install.sh needs real root (owners, setuid)"
t_tmpdir
umask 022

missing=
for u in tern-smtpd tern-queue tern-relay; do getent passwd $u > /dev/null || missing="$missing $u"; done
getent group tern-tls > /dev/null || missing="$missing tern-tls"
getent group tern-auth > /dev/null || missing="$missing tern-auth"
if [ -n "$missing" ]; then
	echo "# creating users:$missing (systemd-sysusers units/tern.sysusers)"
	systemd-sysusers "$T_ROOT/units/tern.sysusers" > /dev/null 2>&1 || t_bail "systemd-sysusers failed"
fi
for u in tern-smtpd tern-queue tern-relay; do
	getent passwd $u > /dev/null || t_bail "no user $u"
done
getent group tern-auth > /dev/null || t_bail "no group tern-auth"

dest=$T_TMP/dest
# install [VAR=VALUE...]: make install into $dest; fails the test on error.
install_into() {
	if ! make --no-print-directory install DESTDIR="$dest" "$@" > "$T_TMP/install.log" 2>&1; then
		t_fail "make install DESTDIR $*" "$(tail -n 20 "$T_TMP/install.log")"
		exit 1
	fi
}
# listing: every path under $dest with its type, mode, owner and link target.
listing() {
	(cd "$dest" && find . -mindepth 1 -printf '%P %y %m %u:%g %l\n' | sed 's/ $//' | sort)
}

install_into
t_pass "make install DESTDIR"

# The expected tree. Man pages: whichever the programs' engineers wrote, under
# their installed names (tern.conf.5 as is, every other one prefixed "tern-").
man=
for m in smtpd/*.[1-8] queue/*.[1-8] relay/*.[1-8] map/*.[1-8] lib/*.[1-8] checkpw/*.[1-8] verify/*.[1-8]; do
	[ -e "$m" ] || continue
	b=${m##*/}; s=${b##*.}
	case $b in tern*) ;; *) b=tern-$b ;; esac
	man="$man
usr/local/share/man/man$s/$b f 644 root:root"
done
dirs="etc etc/tern lib lib/systemd lib/systemd/system usr usr/lib usr/lib/sysusers.d
usr/lib/tmpfiles.d usr/local usr/local/bin usr/local/libexec usr/local/libexec/tern
usr/local/sbin usr/local/share usr/local/share/doc usr/local/share/doc/tern
usr/local/share/man usr/local/share/tern usr/local/share/tern/tern-smtpd.tcpserver
usr/local/share/tern/tern-smtpd.tcpserver/log"
for s in $(sed -n 's|^usr/local/share/man/man\([0-9]\)/.*|\1|p' <<<"$man" | sort -u); do
	dirs="$dirs usr/local/share/man/man$s"
done
want=$( {
	for d in $dirs; do echo "$d d 755 root:root"; done
	printf '%s\n' "$man" | sed '/^$/d'
	cat <<'EOF'
etc/tern/tern.conf f 644 root:root
lib/systemd/system/tern-relay.service f 644 root:root
lib/systemd/system/tern-smtpd.socket f 644 root:root
lib/systemd/system/tern-smtpd@.service f 644 root:root
lib/systemd/system/tern-smtps.socket f 644 root:root
lib/systemd/system/tern-smtps@.service f 644 root:root
lib/systemd/system/tern-submission.socket f 644 root:root
lib/systemd/system/tern-submission@.service f 644 root:root
usr/lib/sysusers.d/tern.conf f 644 root:root
usr/lib/tmpfiles.d/tern.conf f 644 root:root
usr/local/bin/mailq l 777 root:root /usr/local/sbin/tern-sendmail
usr/local/libexec/tern/checkpw f 2755 root:tern-auth
usr/local/libexec/tern/inject f 4711 tern-queue:tern-queue
usr/local/libexec/tern/mailauth f 755 root:root
usr/local/libexec/tern/smtpd l 777 root:root /usr/local/sbin/tern-smtpd
usr/local/libexec/tern/tlsd f 2755 root:tern-tls
usr/local/sbin/sendmail l 777 root:root /usr/local/sbin/tern-sendmail
usr/local/sbin/tern-dkim-keygen f 755 root:root
usr/local/sbin/tern-newmap f 755 root:root
usr/local/sbin/tern-queuectl f 755 root:root
usr/local/sbin/tern-relay f 755 root:root
usr/local/sbin/tern-sendmail f 755 root:root
usr/local/sbin/tern-smtpd f 755 root:root
usr/local/share/man/man1/mailq.1 l 777 root:root tern-sendmail.1
usr/local/share/man/man1/sendmail.1 l 777 root:root tern-sendmail.1
usr/local/share/doc/tern/INSTALL f 644 root:root
usr/local/share/doc/tern/README f 644 root:root
usr/local/share/tern/tern-smtpd.tcpserver/log/run f 755 root:root
usr/local/share/tern/tern-smtpd.tcpserver/per-source.nft f 644 root:root
usr/local/share/tern/tern-smtpd.tcpserver/run f 755 root:root
usr/local/share/tern/tern-smtpd.tcpserver/tcp.smtp f 644 root:root
usr/local/share/tern/tern-smtpd.xinetd f 644 root:root
usr/local/share/tern/tern-smtps.xinetd f 644 root:root
usr/local/share/tern/tern-submission.xinetd f 644 root:root
usr/local/share/tern/tern.conf f 644 root:root
EOF
} | sort)
t_is "$(listing)" "$want" "installed files: exactly these, with these types, modes, owners"
t_ok "installed programs are the built ones" cmp -s smtpd/smtpd "$dest/usr/local/sbin/tern-smtpd"
t_ok "installed injector is the built one" cmp -s queue/inject "$dest/usr/local/libexec/tern/inject"
t_ok "installed tlsd is the built one" cmp -s smtpd/tlsd "$dest/usr/local/libexec/tern/tlsd"
t_ok "CONFDIR/tern.conf is the default" cmp -s units/tern.conf "$dest/etc/tern/tern.conf"
# The programs are installed as sendmail and mailq: man(1) finds their page
# under those names (only in the DESTDIR's man tree: -M).
for n in sendmail mailq; do
	t_like "$(man -M "$dest/usr/local/share/man" "$n" 2>&1)" '^ *sendmail, mailq - send mail through tern' \
		"man $n shows tern-sendmail(1)"
done

# A second install keeps an edited configuration.
echo 'accept example.org' >> "$dest/etc/tern/tern.conf"
install_into
t_is "$(tail -n 1 "$dest/etc/tern/tern.conf")" "accept example.org" "install keeps an edited tern.conf"

# Uninstall: nothing but directories left, except the edited tern.conf.
make --no-print-directory uninstall DESTDIR="$dest" > "$T_TMP/uninstall.log" 2>&1
t_is "$?" 0 "make uninstall DESTDIR"
t_is "$(cd "$dest" && find . ! -type d | sort)" "./etc/tern/tern.conf" \
	"uninstall removes every file but the edited tern.conf"
t_like "$(cat "$T_TMP/uninstall.log")" "kept $dest/etc/tern/tern.conf \(edited\)" "uninstall says it kept tern.conf"
rm -rf "$dest"
install_into SENDMAIL=no
t_is "$(cd "$dest" && find . -name 'sendmail*' -o -name 'mailq*')" "" \
	"SENDMAIL=no: no sendmail or mailq link, nor their pages"
make --no-print-directory uninstall DESTDIR="$dest" > "$T_TMP/uninstall.log" 2>&1
t_is "$(cd "$dest" && find . ! -type d)" "" "uninstall of an unedited install leaves only directories"

# --- make install with DESTDIR empty, into overlays of /etc, /usr, /var ----
# This test's mount namespace gets writable overlays of the three trees, so a
# real install (users, queue, setuid injector) happens and vanishes at exit.
ov=$T_TMP/overlay
overlay() {
	mkdir -p "$ov/$1.up" "$ov/$1.work" &&
	mount -t overlay overlay -o "lowerdir=/$1,upperdir=$ov/$1.up,workdir=$ov/$1.work" "/$1"
}
if overlay etc 2> "$T_TMP/overlay.err" && overlay usr 2>> "$T_TMP/overlay.err" &&
	overlay var 2>> "$T_TMP/overlay.err"; then
	for u in tern-smtpd tern-queue tern-relay tern-mail; do userdel "$u" 2> /dev/null; done
	groupdel tern-tls 2> /dev/null
	rm -rf /etc/tern /var/spool/tern
	make --no-print-directory install > "$T_TMP/install-real.log" 2>&1
	t_is "$?" 0 "make install (DESTDIR empty, overlays) succeeds"
	t_is "$(for u in tern-smtpd tern-queue tern-relay tern-mail; do getent passwd $u | cut -d: -f1,6,7; done)" \
		"tern-smtpd:/:/usr/sbin/nologin
tern-queue:/:/usr/sbin/nologin
tern-relay:/:/usr/sbin/nologin
tern-mail:/:/usr/sbin/nologin" "install created the four users"
	t_is "$(cd /var/spool && find tern -printf '%p %y %m %u:%g\n' | sort)" "tern d 700 tern-queue:tern-queue
tern/mess d 700 tern-queue:tern-queue
tern/retry d 700 tern-queue:tern-queue
tern/state d 700 tern-queue:tern-queue
tern/tmp d 700 tern-queue:tern-queue" "install created the queue, tern-queue's, 0700"
	t_is "$(stat -c '%a %U:%G' /usr/local/libexec/tern/inject)" "4711 tern-queue:tern-queue" \
		"install made the injector setuid tern-queue"
	t_is "$(stat -c '%a %U:%G' /usr/local/libexec/tern/tlsd)" "2755 root:tern-tls" \
		"install made tlsd setgid tern-tls"
	out=$(/usr/local/sbin/tern-queuectl check 2>&1)
	t_like "$out" 'configuration, users, queue and injector are OK' "tern-queuectl check passes after install"
	make --no-print-directory uninstall > "$T_TMP/uninstall-real.log" 2>&1
	t_is "$?" 0 "make uninstall (DESTDIR empty) succeeds"
	t_is "$(ls /usr/local/sbin /usr/local/libexec 2>/dev/null | grep -c tern)" 0 \
		"uninstall removed the programs"
	t_ok "uninstall kept the queue" test -d /var/spool/tern/mess
	umount -l /var /usr /etc
else
	umount -l /usr /etc 2> /dev/null
	t_skip "make install with DESTDIR empty" "no overlayfs here: $(head -n 1 "$T_TMP/overlay.err")"
fi

# --- The setuid injector under tern-smtpd@.service's credentials ---------
# A setuid injector ignores TERN_CONFDIR and the config's queue-dir (inject(8)),
# so build one whose compiled-in CONFDIR and QUEUEDIR are a private instance:
# from a copy of the sources, never touching the objects of the checkout.
dir=$T_TMP
if findmnt -no OPTIONS -T "$dir" | grep -qw nosuid; then
	dir=$(mktemp -d "$T_ROOT/t/log/install-suid.XXXXXX") || t_bail "mktemp"
	chmod 0755 "$dir"
	trap 'rm -rf "$dir"; t_cleanup' EXIT
fi
T_TMP=$dir t_instance
src=$dir/src
mkdir -p "$src"
tar -cf - --exclude='*.o' --exclude='*.d' --exclude='*.a' --exclude='t/log' \
	GNUmakefile lib queue smtpd/build.mk relay/build.mk map/build.mk checkpw/build.mk t/build.mk \
	t/sanitize.c units/build.mk | tar -xf - -C "$src"
if ! make -C "$src" -j2 --no-print-directory queue/inject CONFDIR="$T_INST/etc" \
	QUEUEDIR="$T_INST/queue" > "$T_TMP/build.log" 2>&1; then
	t_fail "build an injector for the private queue" "$(tail -n 20 "$T_TMP/build.log")"
	exit 1
fi
inject=$dir/inject
install -o tern-queue -g tern-queue -m 4711 "$src/queue/inject" "$inject"
chown -R tern-queue:tern-queue "$T_INST/queue"
# the installed users, one each (tern.conf(5) refuses shared ones)
sed -i -e 's/^smtpd-user .*/smtpd-user tern-smtpd/' -e 's/^queue-user .*/queue-user tern-queue/' \
	-e 's/^relay-user .*/relay-user tern-relay/' "$T_INST/etc/tern.conf"
printf 'Subject: setuid\r\n\r\nqueued by tern-smtpd through the setuid injector\r\n' > "$dir/msg"
printf 'Fsender@example.test\0Trcpt@example.test\0\0' > "$dir/env"

# inject_as_smtpd [setpriv OPTION...]: run the injector as tern-smtpd with
# the capability settings of tern-smtpd@.service (CapabilityBoundingSet=,
# AmbientCapabilities=, no_new_privs off), message on fd 0, envelope on fd 1.
inject_as_smtpd() {
	env -i PATH=/usr/bin:/bin setpriv --reuid tern-smtpd --regid tern-smtpd --init-groups \
		--bounding-set -all --inh-caps -all --ambient-caps -all "$@" \
		"$inject" < "$dir/msg" 1< "$dir/env" 2> "$dir/inject.err"
}
inject_as_smtpd; rc=$?
t_is "$rc" 0 "setuid injector run as tern-smtpd (no caps, no_new_privs off) exits 0"
ids=$(t_queue_ids)
t_is "$(wc -w <<<"$ids")" 1 "one message queued"
id=$(head -n 1 <<<"$ids")
if [ -n "$id" ]; then
	t_is "$(stat -c %U "$T_INST/queue/mess/$id")" tern-queue "the queued file belongs to tern-queue"
	t_is "$(t_queue_message "$id")" "$(cat "$dir/msg")" "queued message bytes exact"
	t_like "$(t_queue_envelope "$id")" '^Trcpt@example\.test$' "queued envelope has the recipient"
fi
inject_as_smtpd --no-new-privs; rc=$?
if [ "$rc" -ne 0 ]; then t_pass "with no_new_privs the injector fails (exit $rc)"
else t_fail "with no_new_privs the injector fails" "it exited 0"; fi
t_is "$(t_queue_count)" 1 "with no_new_privs nothing more is queued"
t_like "$(cat "$dir/inject.err")" '.' "with no_new_privs the injector says why"
