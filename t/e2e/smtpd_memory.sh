#!/usr/bin/env bash
# smtpd streams: a 50 MB message goes through while smtpd's peak resident set
# (VmHWM in /proc/PID/status) stays under 1 MB and about the same as for a
# 1 KB message (issue 2: memory does not grow with message size).
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject systemd-socket-activate
t_instance
port=2525
t_start_smtpd_sa 127.0.0.1 $port

# send_and_measure BYTES: one message of about BYTES bytes of body, then,
# while the session is still open after the 250, the VmHWM (kB) of the one
# smtpd process; prints "REPLY-CODE HWM".
send_and_measure() {
	"$T_PY" - "$port" "$1" <<'EOF'
import os, socket, sys
port, size = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=120)
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline()
        if not l or l[3:4] != b"-":
            return l
reply()
for cmd in (b"EHLO client.test", b"MAIL FROM:<big@client.test> SIZE=%d" % (size + 100),
            b"RCPT TO:<b@example.test>", b"DATA"):
    s.sendall(cmd + b"\r\n")
    r = reply()
line = b"0123456789" * 7 + b"\r\n"        # 72 bytes
s.sendall(b"Subject: big\r\n\r\n")
chunk = line * 1024
sent = 0
while sent < size:
    s.sendall(chunk)
    sent += len(chunk)
s.sendall(b".\r\n")
r = reply()
hwm = []
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        st = open("/proc/%s/status" % pid).read()
    except OSError:
        continue
    if st.startswith("Name:\tsmtpd\n"):
        hwm += [l.split()[1] for l in st.splitlines() if l.startswith("VmHWM:")]
        libs = sorted({l.split()[-1] for l in open("/proc/%s/maps" % pid)
                       if ".so" in l.split()[-1]})
print(r[:3].decode(), ",".join(hwm) or "none", ",".join(libs) or "-")
s.sendall(b"QUIT\r\n")
reply()
EOF
}

read -r code1 hwm1 libs1 <<<"$(send_and_measure 1000)"
t_is "$code1" 250 "1 KB message queued"
read -r code2 hwm2 libs2 <<<"$(send_and_measure 52428800)"
t_is "$code2" 250 "50 MB message queued"
echo "# smtpd VmHWM: 1 KB message ${hwm1} kB, 50 MB message ${hwm2} kB"
if grep -aq __asan_init smtpd/smtpd; then
	# make check SANITIZE=1: ASan's shadow memory and a dynamic smtpd say
	# nothing about the real binary's footprint.
	t_skip "smtpd peak RSS under 1 MB" "smtpd is built with AddressSanitizer"
else
	# A static smtpd maps no shared object, unless NSS (getpwnam for
	# smtpd-user) dlopen()s libnss_*.so and with it a dynamic libc: more
	# than 1 MB by itself.
	t_is "$libs2" "-" "static smtpd maps no shared objects (NSS would load a dynamic libc)"
	case $hwm1$hwm2 in *[!0-9]*|'') t_fail "one smtpd process measured each time ($hwm1 / $hwm2)" ;; *)
		t_ok "50 MB message: smtpd peak RSS ${hwm2} kB < 1024 kB" test "$hwm2" -lt 1024
		t_ok "1 KB message: smtpd peak RSS ${hwm1} kB < 1024 kB" test "$hwm1" -lt 1024
		t_ok "50 MB message: peak RSS within 128 kB of the 1 KB message's (${hwm1} kB)" \
			test "$hwm2" -le $((hwm1 + 128)) ;;
	esac
fi
id=$(t_queue_ids | tail -n1)
len=$(t_queue_message "$id" | wc -c)
t_ok "the queued 50 MB message is whole (body $len bytes >= 52428800)" test "$len" -ge 52428800
