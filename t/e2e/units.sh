#!/usr/bin/env bash
# t/e2e/units.sh: the files of units/ as installed by `make install DESTDIR=...`:
# systemd-analyze verify on every unit (binaries and man pages present: the
# DESTDIR's /usr/local is bind-mounted over /usr/local in this test's mount
# namespace), a broken unit fails the same check, smtpd's unit uses no option
# that implies no_new_privs, systemd-analyze security exposure, the sysusers and
# tmpfiles files applied to a scratch root, the xinetd service parsed and
# listening, and the tcpserver rules and run script (which keeps a client's
# PTR name for Received: only when it resolves back: tcpserver -p).
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need systemd-analyze systemd-sysusers systemd-tmpfiles xinetd tcpserver tcprules tcprulescheck \
	ldns-testns swaks
t_tmpdir
dest=$T_TMP/dest
unitdir=$dest/lib/systemd/system

if ! make --no-print-directory install DESTDIR="$dest" > "$T_TMP/install.log" 2>&1; then
	t_fail "make install DESTDIR" "$(tail -n 20 "$T_TMP/install.log")"
	exit 1
fi
t_pass "make install DESTDIR"
[ -d "$dest/usr/local/sbin" ] || t_bail "nothing under $dest/usr/local"
mount --bind "$dest/usr/local" /usr/local || t_bail "cannot bind-mount $dest/usr/local"

# verify UNITFILE...: systemd-analyze verify; prints its output (empty when
# all is well). The man pages of Documentation= are checked on their own below.
verify() { systemd-analyze verify --man=no "$@" 2>&1; }

for u in tern-smtpd.socket tern-smtpd@.service tern-smtps.socket tern-smtps@.service tern-relay.service \
	tern-submission.socket tern-submission@.service; do
	out=$(verify "$unitdir/$u"); rc=$?
	t_is "$rc:$out" "0:" "systemd-analyze verify $u: no error, no warning"
done
out=$(verify "$unitdir/tern-smtpd.socket" "$unitdir/tern-smtpd@.service" "$unitdir/tern-relay.service")
t_is "$?:$out" "0:" "systemd-analyze verify: the socket finds its service"
out=$(verify "$unitdir/tern-smtps.socket" "$unitdir/tern-smtps@.service")
t_is "$?:$out" "0:" "systemd-analyze verify: the smtps socket finds its service"
out=$(verify "$unitdir/tern-submission.socket" "$unitdir/tern-submission@.service")
t_is "$?:$out" "0:" "systemd-analyze verify: the submission socket finds its service"
out=$(systemd-analyze verify --man=yes "$unitdir/tern-smtpd.socket" "$unitdir/tern-smtpd@.service" \
	"$unitdir/tern-smtps.socket" "$unitdir/tern-smtps@.service" "$unitdir/tern-relay.service" 2>&1)
t_is "$?:$out" "0:" "every man page a unit's Documentation= names is installed"

# The check can fail: a unit whose program is missing, and one with a typo.
mkdir -p "$T_TMP/bad"
sed 's|^ExecStart=.*|ExecStart=/usr/local/sbin/tern-no-such-program|' \
	"$unitdir/tern-relay.service" > "$T_TMP/bad/tern-relay.service"
out=$(verify "$T_TMP/bad/tern-relay.service"); rc=$?
t_like "$rc:$out" 'tern-no-such-program is not executable' "verify fails on a missing program"
sed 's|^StandardInput=socket|StandardInput=sockett|' \
	"$unitdir/tern-smtpd@.service" > "$T_TMP/bad/tern-smtpd@.service"
out=$(verify "$T_TMP/bad/tern-smtpd@.service")
t_like "$out" 'sockett' "verify reports a bad value"

# Installed units name the installed paths.
t_is "$(grep -h '^ExecStart=' "$unitdir/tern-smtpd@.service" "$unitdir/tern-relay.service")" \
	"ExecStart=/usr/local/sbin/tern-smtpd
ExecStart=/usr/local/sbin/tern-relay" "units run the installed programs"
t_is "$(grep -h '^ExecStart=' "$unitdir/tern-submission@.service")" \
	"ExecStart=/usr/local/sbin/tern-smtpd -s" "the submission service runs smtpd -s"
t_like "$(cat "$unitdir/tern-submission.socket")" '^ListenStream=587$' "the submission socket: port 587"
t_is "$(grep -h '^ReadWritePaths=' "$unitdir/tern-smtpd@.service" "$unitdir/tern-relay.service")" \
	"ReadWritePaths=/var/spool/tern
ReadWritePaths=/var/spool/tern" "units may write the queue, and only it"

# systemd.exec(5) (v252), NoNewPrivileges=: with User= set, these imply
# no_new_privs, which would turn off the injector's setuid bit.
nnp='NoNewPrivileges=(yes|true|on|1)|DynamicUser|LockPersonality|MemoryDenyWriteExecute|PrivateDevices|ProtectClock|ProtectHostname|ProtectKernelLogs|ProtectKernelModules|ProtectKernelTunables|RestrictAddressFamilies|RestrictNamespaces|RestrictRealtime|RestrictSUIDSGID|SystemCallArchitectures|SystemCallFilter|SystemCallLog|PrivateUsers'
t_unlike "$(grep -v '^#' "$unitdir/tern-smtpd@.service")" "^[[:space:]]*($nnp)" \
	"tern-smtpd@.service sets nothing that implies no_new_privs"
t_unlike "$(grep -v '^#' "$unitdir/tern-smtps@.service")" "^[[:space:]]*($nnp)" \
	"tern-smtps@.service sets nothing that implies no_new_privs (setgid tlsd, setuid inject)"
t_like "$(cat "$unitdir/tern-smtps@.service")" '^ExecStart=/usr/local/libexec/tern/tlsd -i /usr/local/sbin/tern-smtpd -s$' \
	"tern-smtps@.service runs smtpd -s (submission, RFC 8314) under tlsd -i"
# the submission service also runs the setgid checkpw
t_unlike "$(grep -v '^#' "$unitdir/tern-submission@.service")" "^[[:space:]]*($nnp)" \
	"tern-submission@.service sets nothing that implies no_new_privs"
t_like "$(cat "$unitdir/tern-smtpd@.service")" '^User=tern-smtpd$' "tern-smtpd@.service runs as tern-smtpd"
t_like "$(cat "$unitdir/tern-relay.service")" '^NoNewPrivileges=yes$' "tern-relay.service sets no_new_privs"
t_like "$(cat "$unitdir/tern-relay.service")" '^Type=notify$' "tern-relay.service is Type=notify"
sock=$(cat "$unitdir/tern-smtpd.socket")
t_like "$sock" '^Accept=yes$' "the socket accepts (one smtpd per connection)"
backlog=$(sed -n 's/^Backlog=//p' <<<"$sock")
if [ "${backlog:-0}" -ge 1024 ]; then t_pass "socket backlog $backlog >= 1024"
else t_fail "socket backlog >= 1024" "Backlog=$backlog"; fi

# systemd-analyze security, offline: report the exposure of each service and
# keep it from creeping up (the relay can use everything; smtpd cannot use
# the seccomp family, see the unit's comment).
for spec in tern-relay.service:3.0 tern-smtpd@.service:6.0 tern-submission@.service:6.0; do
	u=${spec%:*} max=${spec#*:}
	out=$(systemd-analyze security --offline=yes "$unitdir/$u" 2>&1)
	level=$(sed -n 's/^.* Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$out")
	echo "# systemd-analyze security $u: exposure ${level:-?}"
	if [ -n "$level" ] && awk -v l="$level" -v m="$max" 'BEGIN { exit !(l <= m) }'; then
		t_pass "$u exposure $level <= $max"
	else
		t_fail "$u exposure <= $max" "$(tail -n 5 <<<"$out")"
	fi
done

# sysusers.d and tmpfiles.d, applied to a scratch root.
root=$T_TMP/root
mkdir -p "$root/etc"
out=$(systemd-sysusers --root="$root" "$dest/usr/lib/sysusers.d/tern.conf" 2>&1)
t_is "$?" 0 "systemd-sysusers accepts tern.sysusers"
users=$(awk -F: '{ print $1 ":" $6 ":" $7 ":" ($3 < 1000 ? "system" : "regular") ":" ($3 == $4 ? "own-group" : "other-group") }' "$root/etc/passwd")
t_is "$users" "tern-smtpd:/:/usr/sbin/nologin:system:own-group
tern-queue:/:/usr/sbin/nologin:system:own-group
tern-relay:/:/usr/sbin/nologin:system:own-group
tern-mail:/:/usr/sbin/nologin:system:own-group" "four system users, no login, each with its own group"
t_like "$(cat "$root/etc/group")" '^tern-auth:x:[0-9]+:$' "the group tern-auth (checkpw's), no members"
qid=$(awk -F: '$1 == "tern-queue" { print $3 ":" $4 }' "$root/etc/passwd")
out=$(systemd-tmpfiles --root="$root" --create "$dest/usr/lib/tmpfiles.d/tern.conf" 2>&1)
t_is "$?:$out" "0:" "systemd-tmpfiles --create accepts tern.tmpfiles"
got=$(cd "$root/var/spool" && find tern -printf '%p %y %m %U:%G\n' | sort)
t_is "$got" "tern d 700 $qid
tern/mess d 700 $qid
tern/retry d 700 $qid
tern/state d 700 $qid
tern/tmp d 700 $qid" "the queue: tern-queue's, 0700, tmp mess state retry"

# xinetd: the installed service, on a free loopback port, parsed and listening.
user=tern-smtpd
getent passwd tern-smtpd > /dev/null || user=nobody
port=$(t_free_port)
sed -e "s/^\([[:space:]]*port[[:space:]]*=\).*/\1 $port/" \
	-e "s/^\([[:space:]]*flags[[:space:]]*=\).*/\1 NODELAY KEEPALIVE/" \
	-e "s/^\([[:space:]]*user[[:space:]]*=\).*/\1 $user/" \
	-e "s/^\([[:space:]]*group[[:space:]]*=\).*/\1 $(id -gn $user)/" \
	-e 's/^}/	bind = 127.0.0.1\n}/' \
	"$dest/usr/local/share/tern/tern-smtpd.xinetd" > "$T_TMP/xinetd.conf"
t_bg xinetd xinetd -dontfork -f "$T_TMP/xinetd.conf" -pidfile "$T_TMP/xinetd.pid"
if t_wait_port 127.0.0.1 "$port" 5; then t_pass "xinetd runs tern-smtpd.xinetd"
else t_fail "xinetd runs tern-smtpd.xinetd" "$(cat "$T_TMP/xinetd.log")"; fi

# tern-smtps.xinetd the same way, and it speaks SMTP over TLS: the installed
# tlsd and smtpd, TERN_CONFDIR naming an instance with a certificate.
port=$(t_free_port)
tlsinst=$T_TMP/tlsinst
out=$(t/instance "$tlsinst" --tls) && eval "$out"
sed -e "s/^\([[:space:]]*port[[:space:]]*=\).*/\1 $port/" \
	-e "s/^\([[:space:]]*flags[[:space:]]*=\).*/\1 NODELAY KEEPALIVE/" \
	-e "s/^\([[:space:]]*user[[:space:]]*=\).*/\1 root/" \
	-e "s/^\([[:space:]]*group[[:space:]]*=\).*/\1 root/" \
	-e "s|^}|	bind = 127.0.0.1\n	env = TERN_CONFDIR=$TERN_CONFDIR TERN_QUEUE=$TERN_QUEUE\n}|" \
	"$dest/usr/local/share/tern/tern-smtps.xinetd" > "$T_TMP/xinetd-smtps.conf"
t_bg xinetd-smtps xinetd -dontfork -f "$T_TMP/xinetd-smtps.conf" -pidfile "$T_TMP/xinetd-smtps.pid"
if t_wait_port 127.0.0.1 "$port" 5; then
	out=$("$T_PY" -c 'import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), timeout=30, context=ctx)
print(s.ehlo("client.test")[0], s.sock.version(), s.esmtp_features.get("auth"))
s.quit()' "$port" 2>&1)
	t_like "$out" '^250 TLSv1\.[23]  ?PLAIN LOGIN$' \
		"xinetd runs tern-smtps.xinetd: submission (smtpd -s, AUTH offered) over TLS through tlsd -i"
else
	t_fail "xinetd runs tern-smtps.xinetd" "$(cat "$T_TMP/xinetd-smtps.log")"
fi

# The submission service: xinetd runs smtpd -s, which wants AUTH before MAIL.
t_instance
port=$(t_free_port)
sed -e "s/^\([[:space:]]*port[[:space:]]*=\).*/\1 $port/" \
	-e "s/^\([[:space:]]*flags[[:space:]]*=\).*/\1 NODELAY KEEPALIVE/" \
	-e "s/^\([[:space:]]*user[[:space:]]*=\).*/\1 $user/" \
	-e "s/^\([[:space:]]*group[[:space:]]*=\).*/\1 $(id -gn $user)/" \
	-e "s|^}|	bind = 127.0.0.1\n	env = TERN_CONFDIR=$T_INST/etc\n}|" \
	"$dest/usr/local/share/tern/tern-submission.xinetd" > "$T_TMP/xinetd-sub.conf"
t_bg xinetd-sub xinetd -dontfork -f "$T_TMP/xinetd-sub.conf" -pidfile "$T_TMP/xinetd-sub.pid"
if t_wait_port 127.0.0.1 "$port" 5; then
	out=$(t_smtp_chat 127.0.0.1 "$port" 'EHLO client.test' 'MAIL FROM:<a@client.test>' 'QUIT' | tr -d '\r')
	t_like "$out" '^530 5\.7\.0 Authentication required$' \
		"xinetd runs tern-submission.xinetd: smtpd -s (MAIL before AUTH: 530)"
else t_fail "xinetd runs tern-submission.xinetd" "$(cat "$T_TMP/xinetd-sub.log")"; fi

# tcpserver: the rules give RELAYCLIENT to 127. only; the run script is sh
# and, run for real (port 25 of this namespace), serves an SMTP session.
share=$dest/usr/local/share/tern/tern-smtpd.tcpserver
tcprules "$T_TMP/tcp.smtp.cdb" "$T_TMP/tcp.smtp.tmp" < "$share/tcp.smtp"
t_is "$?" 0 "tcprules compiles tcp.smtp"
out=$(env TCPREMOTEIP=127.0.0.1 tcprulescheck "$T_TMP/tcp.smtp.cdb")
t_is "$out" 'rule 127.:
set environment variable RELAYCLIENT=
allow connection' "tcp.smtp: 127.0.0.1 may relay"
out=$(env TCPREMOTEIP=192.0.2.7 tcprulescheck "$T_TMP/tcp.smtp.cdb")
t_is "$out" 'rule :
allow connection' "tcp.smtp: others connect without RELAYCLIENT"
t_ok "run is sh" sh -n "$share/run"
t_ok "log/run is sh" sh -n "$share/log/run"

t_instance
# The shipped rules, with 127.0.0.2 carved out of the relay clients.
{ echo '127.0.0.2:allow'; cat "$share/tcp.smtp"; } > "$T_TMP/tcp.smtp"
rm -f "$T_TMP/tcp.smtp.cdb"
# smtpd as the instance's smtpd-user (daemon as root: t/instance, whose
# setuid injector writes the queue), else as the queue's owner, the caller
runuser=$(sed -n 's/^smtpd-user //p' "$TERN_CONFDIR/tern.conf")
[ -n "$runuser" ] || runuser=$(stat -c %U "$T_INST/queue/mess")
sed -e "s|^RULES=.*|RULES=$T_TMP/tcp.smtp|" -e "s|^USER=.*|USER=$runuser|" \
	"$share/run" > "$T_TMP/run"
# tcpserver's resolver (DNSCACHEIP, djbdns's dns library: port 53) is a
# private ldns-testns: 127.0.0.1's PTR names a host that does not resolve
# back to it (anyone can publish such a PTR for their own addresses),
# 127.0.0.2's PTR one that does.
zone=$T_TMP/zone
: > "$zone"
t_dns_answer "$zone" PTR 1.0.0.127.in-addr.arpa. "1.0.0.127.in-addr.arpa. IN PTR mx.bank.test."
t_dns_answer "$zone" A mx.bank.test. "mx.bank.test. IN A 192.0.2.1"
t_dns_answer "$zone" PTR 2.0.0.127.in-addr.arpa. "2.0.0.127.in-addr.arpa. IN PTR mx.client.test."
t_dns_answer "$zone" A mx.client.test. "mx.client.test. IN A 127.0.0.2"
t_dns_default "$zone" NXDOMAIN
t_start_dns 127.0.0.1 53 "$zone"
t_bg tcpserver-run env DNSCACHEIP=127.0.0.1 sh "$T_TMP/run"
if t_wait_port 127.0.0.1 25 5; then
	t_pass "the tcpserver run script listens on port 25"
	t_ok "the run script built the rules cdb" test -s "$T_TMP/tcp.smtp.cdb"
	out=$(t_smtp 127.0.0.1 25 $'QUIT\r\n' 5)
	t_like "$out" '^220 mx\.example\.test' "tcpserver runs tern-smtpd: greeting"
	# rcpt_from SOURCE: the reply to RCPT for a domain tern does not accept.
	rcpt_from() {
		"$T_PY" - "$1" <<'EOF'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", 25, source_address=(sys.argv[1], 0), timeout=10)
s.ehlo("client.test")
s.mail("a@client.test")
code, text = s.rcpt("b@elsewhere.test")
print(code)
s.quit()
EOF
	}
	t_is "$(rcpt_from 127.0.0.1)" 250 "tcp.smtp's RELAYCLIENT lets 127.0.0.1 relay"
	t_is "$(rcpt_from 127.0.0.2)" 550 "without RELAYCLIENT, 127.0.0.2 may not relay"
	# Issue 2: the name in Received: is never the client's to choose. The
	# run script's tcpserver -p drops a PTR name that does not resolve back.
	t_launch_check 127.0.0.1 25 "run script, PTR not confirmed: no name" b@example.test 127.0.0.1
	t_launch_check 127.0.0.1 25 "run script, PTR confirmed: its name" b@example.test 127.0.0.2 \
		mx.client.test
else
	t_fail "the tcpserver run script listens on port 25" "$(cat "$T_TMP/tcpserver-run.log")"
fi

# The same run script for implicit TLS (port 465): PORT, TLS and SUBMISSION
# set, and tlsd -i tern-smtpd -s serves submission over TLS (the installed
# tlsd and smtpd; a TERN_CONFDIR naming the instance, which has a
# certificate of its own).
out=$(t/instance "$T_INST" --tls) && eval "$out"
sed -e "s|^RULES=.*|RULES=$T_TMP/tcp.smtp|" -e "s|^USER=.*|USER=$runuser|" \
	-e 's|^PORT=.*|PORT=465|' -e 's|^TLS=.*|TLS=implicit|' -e 's|^SUBMISSION=.*|SUBMISSION=yes|' \
	"$share/run" > "$T_TMP/run-smtps"
t_bg tcpserver-smtps env DNSCACHEIP=127.0.0.1 TERN_CONFDIR="$TERN_CONFDIR" sh "$T_TMP/run-smtps"
if t_wait_port 127.0.0.1 465 5; then
	out=$("$T_PY" -c 'import smtplib, ssl
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL("127.0.0.1", 465, timeout=30, context=ctx)
print(s.ehlo("client.test")[0], s.sock.version(), s.esmtp_features.get("auth"))
print(s.mail("a@client.test")[0])
s.quit()' 2>&1)
	t_like "$out" '^250 TLSv1\.[23]  ?PLAIN LOGIN$' \
		"run script with PORT=465 TLS=implicit SUBMISSION=yes: SMTP over TLS through tlsd -i, AUTH offered"
	t_like "$out" '^530$' "run script with SUBMISSION=yes: smtpd -s (MAIL before AUTH: 530)"
else
	t_fail "the run script with TLS=implicit listens on port 465" "$(cat "$T_TMP/tcpserver-smtps.log")"
fi
