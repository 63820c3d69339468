#!/usr/bin/env bash
# smtpd with TLS through tlsd (tlsd(8)): STARTTLS (RFC 3207) with real
# clients (swaks --tls, Python smtplib starttls(), openssl s_client
# -starttls smtp) against RSA and ECDSA certificates made here with the
# openssl CLI; the command-injection case (a MAIL pipelined in the packet
# of STARTTLS is never executed); EHLO required again, a second STARTTLS
# 503; TLS 1.1 refused; a renewed certificate served from the next
# connection; Received: with ESMTPS and the cipher; smtpd -n, queuectl
# check and tlsd -n refusing missing or mismatched pairs; implicit TLS
# (RFC 8314, tlsd -i) under systemd-socket-activate, tcpserver and xinetd with
# smtplib SMTP_SSL; smtpd's memory with and without TLS.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd smtpd/tlsd queue/inject queue/queuectl swaks openssl systemd-socket-activate tcpserver \
	xinetd
t_tmpdir
k=$T_TMP/keys
mkdir -p "$k"

# mkcert NAME TYPE SERIAL: a self-signed certificate NAME.pem and key NAME.key
mkcert() {
	local alg=(-newkey rsa:2048)
	[ "$2" = ec ] && alg=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
	openssl req -x509 "${alg[@]}" -nodes -keyout "$k/$1.key" -out "$k/$1.pem" -days 2 \
		-set_serial "$3" -subj /CN=mx.example.test \
		-addext subjectAltName=DNS:mx.example.test 2>/dev/null || t_bail "openssl req $1"
	chmod 0644 "$k/$1.key"	# as root, tlsd runs as the instance's smtpd-user (nobody)
}
mkcert rsa rsa 4097
mkcert ec ec 4098
mkcert other rsa 4099
chmod o+x "$k"

t_instance --set "tls-certificate $k/rsa.pem $k/rsa.key" \
	--set "tls-program $T_ROOT/smtpd/tlsd" --set 'relay-net 127.0.0.0/8'
# a second tls-certificate line: --set replaces lines of the same key
echo "tls-certificate $k/ec.pem $k/ec.key" >> "$TERN_CONFDIR/tern.conf"
port=2525
t_start_smtpd_sa 127.0.0.1 $port

# ---- STARTTLS with real clients ----
out=$(swaks --server 127.0.0.1:$port --tls --helo client.test --from a@client.test \
	--to x@example.test --body 'via swaks' 2>&1)
t_like "$out" '^<-  250-STARTTLS' "EHLO offers STARTTLS"
t_like "$out" '^<-  220 2\.0\.0 Ready to start TLS' "STARTTLS: 220 2.0.0"
t_like "$out" 'TLS started with cipher TLSv1\.3:' "swaks --tls: TLS 1.3"
t_like "$out" '^<~  250 2\.0\.0 Ok: queued' "swaks --tls: message queued over TLS"
t_unlike "$out" '^<~  250-STARTTLS' "EHLO over TLS does not offer STARTTLS again"
id=$(t_queue_ids | tail -n1)
msg=$(t_queue_message "$id" | tr -d '\r')
t_like "$msg" '^	\(using TLSv1\.3 with cipher TLS_[A-Z0-9_]+ \(([0-9]+)/\1 bits\)\)$' \
	"Received: carries protocol, cipher and bits"
t_like "$msg" '^	by mx\.example\.test \(tern\) with ESMTPS id ' "Received: says ESMTPS (RFC 3848)"

# Python smtplib; the injection case on a raw socket
"$T_PY" - $port > "$T_TMP/py.out" 2>&1 <<'PY'
import smtplib, socket, ssl, sys
port = int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
s.ehlo("client.test")
print("starttls", s.starttls(context=ctx)[0])
print("version", s.sock.version())
print("mail-before-ehlo", s.docmd("MAIL FROM:<a@client.test>")[0])
s.ehlo("client.test")
print("starttls-again", s.docmd("STARTTLS")[0])
print("features", " ".join(sorted(s.esmtp_features)))
print("sendmail", s.sendmail("a@client.test", ["x@example.test"], b"Subject: py\r\n\r\nvia smtplib\r\n"))
s.quit()

# CVE-2011-0411: STARTTLS and a MAIL in one write
raw = socket.create_connection(("127.0.0.1", port), timeout=30)
f = raw.makefile("rb")
def reply(fh):
    while True:
        l = fh.readline()
        if not l or l[3:4] != b"-":
            return l.decode().strip()
reply(f)
raw.sendall(b"EHLO client.test\r\n")
reply(f)
raw.sendall(b"STARTTLS\r\nMAIL FROM:<injected@client.test>\r\n")
print("inject-starttls", reply(f))
t = ctx.wrap_socket(raw, server_hostname="mx.example.test")
g = t.makefile("rb")
t.sendall(b"RCPT TO:<x@example.test>\r\n")
print("inject-rcpt", reply(g))
t.sendall(b"EHLO client.test\r\nRCPT TO:<x@example.test>\r\nQUIT\r\n")
reply(g)
print("inject-rcpt-after-ehlo", reply(g))
print("inject-quit", reply(g))
PY
py=$(cat "$T_TMP/py.out")
t_like "$py" '^starttls 220$' "smtplib starttls(): 220"
t_like "$py" '^version TLSv1\.3$' "smtplib: TLS 1.3"
t_like "$py" '^mail-before-ehlo 503$' "after STARTTLS, MAIL before EHLO: 503 (RFC 3207 §4.2)"
t_like "$py" '^starttls-again 503$' "a second STARTTLS: 503"
t_unlike "$py" '^features .*starttls' "EHLO over TLS: no STARTTLS keyword"
t_like "$py" '^sendmail \{\}$' "smtplib: message accepted over TLS"
t_like "$py" '^inject-starttls 220 2\.0\.0 Ready to start TLS$' "injection: STARTTLS answered 220"
t_like "$py" '^inject-rcpt 503 5\.5\.1 ' "injection: the pipelined MAIL was not executed (RCPT: 503, session greeted anew)"
t_like "$py" '^inject-rcpt-after-ehlo 503 5\.5\.1 Error: need MAIL command$' \
	"injection: no MAIL transaction survived the handshake"
t_like "$py" '^inject-quit 221 ' "injection: session goes on and ends with QUIT"
t_unlike "$(cat "$T_TMP"/smtpd-sa-$port.log 2>/dev/null)" 'injected@client\.test' \
	"injection: the injected sender appears nowhere in smtpd's log"

# a 5 MB message through the relay loop, byte for byte
"$T_PY" - $port "$T_TMP/big.eml" > "$T_TMP/big.out" 2>&1 <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
body = b"".join(b"Line %07d " % i + b"abcdefghij" * 6 + b"\r\n" for i in range(70000))
msg = b"Subject: big\r\n\r\n" + body
open(sys.argv[2], "wb").write(msg)
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
s.ehlo("client.test")
s.starttls(context=ctx)
s.ehlo("client.test")
print("big", s.sendmail("a@client.test", ["x@example.test"], msg))
s.quit()
PY
t_like "$(cat "$T_TMP/big.out")" '^big \{\}$' "a 5 MB message over STARTTLS accepted"
big=$(t_queue_ids | tail -n1)
t_is "$(t_queue_message "$big" | tail -c +1 | grep -c '^Line ')" 70000 "all 70000 lines arrived"
t_is "$(t_queue_message "$big" | tail -n 70000 | md5sum)" "$(tail -n 70000 "$T_TMP/big.eml" | md5sum)" \
	"the body arrived byte for byte"

# close_notify after QUIT; a client that drops TLS ends smtpd and tlsd
"$T_PY" - $port > "$T_TMP/close.out" 2>&1 <<'PY'
import os, socket, ssl, sys, time
port = int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def session():
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = raw.makefile("rb")
    def reply(fh):
        while True:
            l = fh.readline()
            if not l or l[3:4] != b"-":
                return l.decode().strip()
    reply(f)
    raw.sendall(b"EHLO client.test\r\nSTARTTLS\r\n")
    reply(f)
    reply(f)
    t = ctx.wrap_socket(raw, server_hostname="mx.example.test", suppress_ragged_eofs=False)
    return t, t.makefile("rb"), reply
t, g, reply = session()
t.sendall(b"QUIT\r\n")
print("quit", reply(g)[:3])
try:
    print("after-quit", "close_notify" if t.recv(100) == b"" else "data")
except ssl.SSLEOFError:
    print("after-quit", "eof without close_notify")
# the client vanishes (TCP close, no close_notify) in the middle of a session
t, g, reply = session()
t.sendall(b"EHLO client.test\r\n")
reply(g)
me = t.getsockname()[1]
g.close()
t.close()
want = ":%04X" % me
def held():
    for fname in ("/proc/net/tcp", "/proc/net/tcp6"):
        for l in open(fname).read().splitlines()[1:]:
            c = l.split()
            if c[2].endswith(want) and c[3] == "01":	# ESTABLISHED from our port
                return True
    return False
for i in range(200):
    if not held():
        break
    time.sleep(0.05)
print("dropped", "released" if not held() else "still held")
PY
t_like "$(cat "$T_TMP/close.out")" '^quit 221$' "QUIT over TLS: 221"
t_like "$(cat "$T_TMP/close.out")" '^after-quit close_notify$' "after QUIT tlsd ends TLS with close_notify"
t_like "$(cat "$T_TMP/close.out")" '^dropped released$' \
	"a client that drops the connection mid-session: smtpd sees the end, tlsd closes the connection"

# openssl s_client: TLS 1.2 with each key type, TLS 1.1 refused
sc() { openssl s_client -connect 127.0.0.1:$port -starttls smtp -name client.test "$@" </dev/null 2>&1; }
out=$(sc -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
t_like "$out" 'Protocol *: TLSv1\.2' "s_client -starttls smtp: TLS 1.2"
t_like "$out" 'Server public key is 2048 bit' "RSA certificate for an RSA cipher suite"
out=$(sc -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)
t_like "$out" 'Server public key is 256 bit' "ECDSA certificate for an ECDSA cipher suite"
out=$(sc -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')
t_like "$out" 'New, \(NONE\), Cipher is \(NONE\)' "TLS 1.1 refused: no cipher agreed"
t_like "$out" 'alert protocol version' "TLS 1.1 refused with a protocol_version alert"
t_ok "tlsd logs the refused TLS 1.1 handshake" t_wait_for 10 grep -qE \
	'tlsd: TLS handshake failed.*(unsupported protocol|version)' "$T_TMP/smtpd-sa-$port.log"

# renewal: the next connection reads the new files
fp() { sc -tls1_3 -sigalgs rsa_pss_rsae_sha256 | openssl x509 -noout -serial 2>/dev/null; }
t_is "$(fp)" "serial=1001" "served certificate: serial 0x1001"
cp "$k/other.pem" "$k/rsa.pem.new" && cp "$k/other.key" "$k/rsa.key.new"
mv "$k/rsa.key.new" "$k/rsa.key" && mv "$k/rsa.pem.new" "$k/rsa.pem"
t_is "$(fp)" "serial=1003" "renewed certificate served by the next connection, no restart"

# a client that says STARTTLS and then nothing: the handshake's deadline ends it
echo 'tls-handshake-timeout 2s' >> "$TERN_CONFDIR/tern.conf"
out=$("$T_PY" - $port <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline()
        if not l or l[3:4] != b"-":
            return l.decode().strip()
reply()
s.sendall(b"EHLO client.test\r\n")
reply()
s.sendall(b"STARTTLS\r\n")
print("starttls", reply())
print("closed", s.recv(100) == b"")
PY
)
sed -i '/^tls-handshake-timeout 2s$/d' "$TERN_CONFDIR/tern.conf"
t_like "$out" '^closed True$' "a silent client after STARTTLS: the connection is closed (tls-handshake-timeout)"
t_like "$(cat "$T_TMP"/smtpd-sa-$port.log)" 'tlsd: TLS handshake failed .*reason="handshake: timeout"' \
	"tlsd logs the handshake timeout"

# ---- configuration checks ----
t_ok "smtpd -n accepts good pairs" sh -c '"$1" -n > /dev/null' - "$T_ROOT/smtpd/smtpd"
cp "$TERN_CONFDIR/tern.conf" "$T_TMP/good.conf"
sed -i "s|^tls-certificate $k/rsa.pem .*|tls-certificate $k/rsa.pem $k/ec.key|" "$TERN_CONFDIR/tern.conf"
out=$("$T_ROOT/smtpd/smtpd" -n 2>&1); rc=$?
t_is "$rc" 1 "smtpd -n: mismatched pair refused"
t_like "$out" "tlsd: $k/ec.key: key does not match the certificate" "smtpd -n names the key file and the problem"
out=$("$T_ROOT/queue/queuectl" check 2>&1); rc=$?
t_is "$rc" 1 "queuectl check: mismatched pair refused"
t_like "$out" "tlsd: $k/ec.key: key does not match the certificate" "queuectl check names it too"
sed -i "s|^tls-certificate $k/rsa.pem .*|tls-certificate $k/missing.pem $k/rsa.key|" "$TERN_CONFDIR/tern.conf"
out=$("$T_ROOT/smtpd/tlsd" -n 2>&1); rc=$?
t_is "$rc" 1 "tlsd -n: missing chain file refused"
t_like "$out" "^tlsd: $k/missing.pem: cannot open: No such file or directory$" "tlsd -n names the missing file"
out=$(printf 'EHLO c\r\nSTARTTLS\r\nQUIT\r\n' | "$T_ROOT/smtpd/smtpd" 2>/dev/null | tr -d '\r')
t_like "$out" '^454 4\.7\.0 TLS not available due to temporary reason$' "a pair that cannot load: STARTTLS 454, session goes on"
t_like "$out" '^221 ' "after 454 the session goes on in plaintext"
cp "$T_TMP/good.conf" "$TERN_CONFDIR/tern.conf"

# ---- implicit TLS (RFC 8314): tlsd -i smtpd ----
smtps() {
	"$T_PY" - "$1" <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), timeout=30, context=ctx)
code, _ = s.ehlo("client.test")
print("ehlo", code, "starttls" in s.esmtp_features, s.sock.version())
print("sendmail", s.sendmail("a@client.test", ["x@example.test"], b"Subject: smtps\r\n\r\nimplicit\r\n"))
s.quit()
PY
}
env=()
for v in TERN_CONFDIR TERN_QUEUE; do env+=(-E "$v"); done
t_bg smtps-sa systemd-socket-activate --accept --inetd -l 127.0.0.1:4650 "${env[@]}" \
	"$T_ROOT/smtpd/tlsd" -i "$T_ROOT/smtpd/smtpd"
t_wait_port 127.0.0.1 4650 || t_bail "systemd-socket-activate did not listen on 4650"
out=$(smtps 4650 2>&1)
t_like "$out" '^ehlo 250 False TLSv1\.3$' "implicit TLS under systemd-socket-activate: EHLO, no STARTTLS offered"
t_like "$out" '^sendmail \{\}$' "implicit TLS: SMTP_SSL message accepted"
msg=$(t_queue_message "$(t_queue_ids | tail -n1)" | tr -d '\r')
t_like "$msg" '^	by mx\.example\.test \(tern\) with ESMTPS id ' "implicit TLS: Received: says ESMTPS"
t_bg smtps-tcpserver tcpserver -HRl0 127.0.0.1 4651 "$T_ROOT/smtpd/tlsd" -i "$T_ROOT/smtpd/smtpd"
t_wait_port 127.0.0.1 4651 || t_bail "tcpserver did not listen on 4651"
out=$(smtps 4651 2>&1)
t_like "$out" '^sendmail \{\}$' "implicit TLS under tcpserver: SMTP_SSL message accepted"
t_bg starttls-tcpserver tcpserver -HRl0 127.0.0.1 2526 "$T_ROOT/smtpd/smtpd"
t_wait_port 127.0.0.1 2526 || t_bail "tcpserver did not listen on 2526"
out=$(swaks --server 127.0.0.1:2526 --tls --helo client.test --from a@client.test --to x@example.test 2>&1)
t_like "$out" '^<~  250 2\.0\.0 Ok: queued' "STARTTLS under tcpserver: message queued"

# xinetd sets no variable: tlsd -i hands smtpd the address from getpeername()
xuser=$(id -un)
cat > "$T_TMP/xinetd-smtps.conf" <<XC
service smtps
{
	type		= UNLISTED
	socket_type	= stream
	protocol	= tcp
	bind		= 127.0.0.1
	port		= 4652
	wait		= no
	user		= $xuser
	server		= $T_ROOT/smtpd/tlsd
	server_args	= -i $T_ROOT/smtpd/smtpd
	env		= TERN_CONFDIR=$TERN_CONFDIR TERN_QUEUE=$TERN_QUEUE
	log_type	= FILE $T_TMP/xinetd-smtps-service.log
	disable		= no
}
XC
t_bg xinetd-smtps xinetd -dontfork -f "$T_TMP/xinetd-smtps.conf" -pidfile "$T_TMP/xinetd-smtps.pid"
t_wait_port 127.0.0.1 4652 || t_bail "xinetd did not listen on 4652"
out=$(smtps 4652 2>&1)
t_like "$out" '^sendmail \{\}$' "implicit TLS under xinetd: SMTP_SSL message accepted"
msg=$(t_queue_message "$(t_queue_ids | tail -n1)" | tr -d '\r')
t_like "$msg" '^Received: from client\.test \(\[127\.0\.0\.1\]\)$' \
	"implicit TLS under xinetd: Received: names the client's address (getpeername via tlsd)"

# ---- memory: smtpd with and without TLS, and tlsd ----
"$T_PY" - $port > "$T_TMP/rss.out" <<'PY'
import os, smtplib, ssl, sys
# This session's processes: those holding the server end of our TCP
# connection (smtpd in plaintext; under STARTTLS only tlsd, smtpd its parent).
def server_pid(port, client_port):
    want = ":%04X" % port, ":%04X" % client_port
    inodes = set()
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        for l in open(f).read().splitlines()[1:]:
            c = l.split()
            if c[1].endswith(want[0]) and c[2].endswith(want[1]):
                inodes.add("socket:[%s]" % c[9])
    holders = []
    for pid in os.listdir("/proc"):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) in inodes:
                    holders.append(pid)
                    break
            except OSError:
                pass
    return holders
def status(pid):
    return dict(l.split(":", 1) for l in open("/proc/%s/status" % pid).read().splitlines() if ":" in l)
def hwm(st):
    return st["VmHWM"].split()[0]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
for tls in (False, True):
    s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
    s.ehlo("client.test")
    if tls:
        s.starttls(context=ctx)
        s.ehlo("client.test")
    s.sendmail("a@client.test", ["x@example.test"], b"Subject: m\r\n\r\n" + b"x" * 70 + b"\r\n" * 20000)
    holders = server_pid(int(sys.argv[1]), s.sock.getsockname()[1])
    st = status(holders[0])
    name = ",".join(sorted(status(p)["Name"].strip() for p in holders))
    if name == "smtpd":
        print("plain" if not tls else "tls", hwm(st), "none", name)
    else:
        print("plain" if not tls else "tls", hwm(status(st["PPid"].strip())), hwm(st), name)
    s.quit()
PY
read -r _ plain_hwm plain_tlsd plain_net < <(grep '^plain' "$T_TMP/rss.out")
read -r _ tls_hwm tls_tlsd tls_net < <(grep '^tls' "$T_TMP/rss.out")
echo "# smtpd VmHWM: plaintext ${plain_hwm} kB, STARTTLS ${tls_hwm} kB; tlsd VmHWM ${tls_tlsd} kB"
t_is "$plain_net:$plain_tlsd" "smtpd:none" "a plaintext session: smtpd holds the connection, no tlsd"
t_is "$tls_net" tlsd "under STARTTLS only tlsd holds the connection: smtpd gave up its descriptors"
if grep -aq __asan_init smtpd/smtpd; then
	t_skip "smtpd under TLS stays under 1 MB" "smtpd is built with AddressSanitizer"
else
	case $tls_hwm in *[!0-9]*|'') t_fail "one smtpd measured under TLS ($tls_hwm)" ;; *)
		t_ok "smtpd peak RSS under STARTTLS ${tls_hwm} kB < 1024 kB" test "$tls_hwm" -lt 1024 ;;
	esac
fi
