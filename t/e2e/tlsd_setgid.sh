#!/usr/bin/env bash
# tlsd installed as it is meant to be: setgid tern-tls, with the key
# root:tern-tls 0640. smtpd's user cannot read the key; the setgid tlsd it
# starts can, and during the session holds neither the group nor a dumpable
# memory; a caller's TERN_CONFDIR naming another directory makes tlsd give
# the group up before it reads anything. Implicit TLS started as root: tlsd
# and smtpd both end up as the unprivileged users, no process stays root.
# Root only (owners, setgid).
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject openssl swaks setpriv systemd-socket-activate systemd-sysusers
[ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ] || t_bail "tlsd_setgid.sh needs real root (owners, setgid)"
t_tmpdir
getent group tern-tls > /dev/null ||
	systemd-sysusers "$T_ROOT/units/tern.sysusers" > /dev/null 2>&1 || t_bail "systemd-sysusers failed"
getent group tern-tls > /dev/null || t_bail "no group tern-tls"

# A setgid tlsd trusts only its compiled-in CONFDIR: build one for this
# instance from a copy of the sources (the checkout's objects untouched).
dir=$T_TMP
if findmnt -no OPTIONS -T "$dir" | grep -qw nosuid; then
	dir=$(mktemp -d "$T_ROOT/t/log/tlsd-sgid.XXXXXX") || t_bail "mktemp"
	chmod 0755 "$dir"
	trap 'rm -rf "$dir"; t_cleanup' EXIT
fi
# smtpd as nobody (its queue is still written as nobody, through the
# instance's setuid injector); queue-user another user, as tern.conf(5) wants
T_TMP=$dir t_instance --set 'smtpd-user nobody' --set 'queue-user daemon'
src=$dir/src
mkdir -p "$src"
tar -cf - --exclude='*.o' --exclude='*.d' --exclude='*.a' --exclude='t/log' --exclude=smtpd/smtpd \
	--exclude=smtpd/tlsd GNUmakefile lib queue smtpd relay/build.mk map/build.mk t/build.mk t/sanitize.c \
	units/build.mk | tar -xf - -C "$src"
if ! make -C "$src" -j2 --no-print-directory smtpd/tlsd CONFDIR="$T_INST/etc" MUSL=no \
	> "$dir/build.log" 2>&1; then
	t_fail "build a tlsd for the instance" "$(tail -n 20 "$dir/build.log")"
	exit 1
fi
tlsd=$dir/tlsd
install -o root -g tern-tls -m 2755 "$src/smtpd/tlsd" "$tlsd"
k=$dir/keys
install -d -o root -g tern-tls -m 0750 "$k"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$k/key.pem" \
	-out "$k/cert.pem" -days 2 -subj /CN=mx.example.test 2>/dev/null || t_bail "openssl req"
chown root:tern-tls "$k/key.pem" "$k/cert.pem"
chmod 0640 "$k/key.pem"
chmod 0644 "$k/cert.pem"
chmod 0755 "$dir"
cat >> "$TERN_CONFDIR/tern.conf" <<CONF
tls-certificate $k/cert.pem $k/key.pem
tls-program $tlsd
CONF

nobody() { env -i PATH=/usr/bin:/bin "$@" | cat; }
asnobody() { setpriv --reuid nobody --regid nogroup --clear-groups "$@"; }
t_ok "smtpd's user cannot read the key" sh -c "! setpriv --reuid nobody --regid nogroup --clear-groups cat '$k/key.pem' >/dev/null 2>&1"
t_ok "the setgid tlsd run by smtpd's user loads it (tlsd -n)" asnobody env -i "$tlsd" -n
out=$(asnobody env -i TERN_CONFDIR="$T_TMP/elsewhere" "$tlsd" -n 2>&1)
t_like "$out" 'configuration: .*elsewhere/tern.conf: cannot open' \
	"TERN_CONFDIR naming another directory: honoured only as the caller"
mkdir -p "$dir/other" && cp "$TERN_CONFDIR/tern.conf" "$dir/other/"
out=$(asnobody env -i TERN_CONFDIR="$dir/other" "$tlsd" -n 2>&1); rc=$?
t_is "$rc" 1 "another configuration naming the same key: refused"
t_like "$out" "tlsd: $k/[a-z]+\.pem: cannot open: Permission denied" "the group was given up before the files were read"

# STARTTLS: smtpd (root, drops to nobody) starts the setgid tlsd
t_start_smtpd_sa 127.0.0.1 2525
"$T_PY" - 2525 "$(getent group tern-tls | cut -d: -f3)" > "$dir/py.out" 2>&1 <<'PY'
import os, smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.ehlo("client.test")
print("starttls", s.starttls(context=ctx)[0])
s.ehlo("client.test")
for pid in os.listdir("/proc"):
    try:
        st = open("/proc/%s/status" % pid).read()
    except OSError:
        continue
    if not st.startswith("Name:\ttlsd\n"):
        continue
    f = dict(l.split(":", 1) for l in st.splitlines() if ":" in l)
    gids = f["Gid"].split()
    print("tlsd-gids", "tern-tls" if sys.argv[2] in gids + f["Groups"].split() else "dropped")
    print("tlsd-uid", f["Uid"].split()[0])
    print("tlsd-proc-owner", os.stat("/proc/%s/mem" % pid).st_uid)
print("sendmail", s.sendmail("a@client.test", ["x@example.test"], b"Subject: t\r\n\r\nsgid\r\n"))
s.quit()
PY
py=$(cat "$dir/py.out")
t_like "$py" '^starttls 220$' "STARTTLS through the setgid tlsd"
t_like "$py" '^tlsd-gids dropped$' "during the session tlsd no longer has the group tern-tls (real, effective, saved, supplementary)"
t_like "$py" "^tlsd-uid $(id -u nobody)$" "tlsd runs as smtpd's user"
t_like "$py" '^tlsd-proc-owner 0$' "tlsd is not dumpable: its /proc files are root's, smtpd cannot read its memory"
t_like "$py" '^sendmail \{\}$' "the message is accepted over TLS"

# implicit TLS with the launcher running as root: nothing stays root
env=()
for v in TERN_CONFDIR TERN_QUEUE; do env+=(-E "$v"); done
t_bg smtps systemd-socket-activate --accept --inetd -l 127.0.0.1:4650 "${env[@]}" \
	"$tlsd" -i "$T_ROOT/smtpd/smtpd"
t_wait_port 127.0.0.1 4650 || t_bail "systemd-socket-activate did not listen on 4650"
"$T_PY" - 4650 > "$dir/py2.out" 2>&1 <<'PY'
import os, smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), timeout=30, context=ctx)
s.ehlo("client.test")
for pid in os.listdir("/proc"):
    try:
        st = open("/proc/%s/status" % pid).read()
    except OSError:
        continue
    name = st.split("\n", 1)[0].split("\t")[1]
    if name in ("tlsd", "smtpd"):
        f = dict(l.split(":", 1) for l in st.splitlines() if ":" in l)
        print("uids", name, " ".join(f["Uid"].split()))
print("sendmail", s.sendmail("a@client.test", ["x@example.test"], b"Subject: t\r\n\r\nsmtps\r\n"))
s.quit()
PY
py=$(cat "$dir/py2.out")
n=$(id -u nobody)
t_like "$py" "^uids tlsd $n $n $n $n$" "tlsd -i started as root holds the key as nobody (tls-user: the smtpd-user)"
t_like "$py" "^uids smtpd $n $n $n $n$" "smtpd under tlsd -i dropped to nobody itself"
t_unlike "$py" '^uids .* 0( |$)' "no tlsd or smtpd process keeps uid 0"
t_like "$py" '^sendmail \{\}$' "implicit TLS as root: the message is accepted"
