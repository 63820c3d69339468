#!/usr/bin/env bash
# t/bench/rss.sh - peak resident memory (VmHWM) of smtpd for a 1 KB, a 1 MB
# and a 50 MB message, and of the injector (/usr/bin/time %M around
# queue/inject), against Postfix's smtpd and cleanup for the same messages.
# The brief: tern's smtpd stays under 1 MB and flat in message size. Each
# message goes in its own session (tern: systemd-socket-activate --accept,
# a fresh smtpd each); VmHWM is read from /proc after the 250 reply, while
# the session is still open. Postfix reuses its processes, so its figures
# are the peak up to and including that message (sizes run in ascending order).
#
#	bash t/bench/rss.sh [tern] [postfix]
#
# BENCH_TERN_SMTPD=PATH measures that smtpd build instead of smtpd/smtpd.
. t/lib.sh
t_netns "$@"
. t/bench/lib.sh
. t/bench/postfix.sh
t_need smtpd/smtpd queue/inject systemd-socket-activate postfix /usr/bin/time

servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(tern postfix)
t_instance
# the injector under /usr/bin/time: its peak RSS (kB) appended to inject.rss
mkdir -p "$T_TMP/rss" && chmod 0777 "$T_TMP/rss"
printf '#!/bin/sh\nexec /usr/bin/time -a -o %s -f %%M %s "$@"\n' "$T_TMP/rss/inject.rss" \
	"$T_ROOT/queue/inject" > "$T_TMP/rss/inject"
chmod 0755 "$T_TMP/rss/inject"

# measure PORT BYTES EXE...: one message with about BYTES of body; after the
# reply, the largest VmHWM (kB) of the processes running each EXE. Prints
# "REPLY-CODE HWM-of-EXE1 HWM-of-EXE2 ...".
measure() {
	"$T_PY" - "$@" <<'PY'
import os, socket, sys
port, size, exes = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
s = socket.create_connection(("127.0.0.1", port), timeout=300)
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline()
        if not l or l[3:4] != b"-":
            return l
reply()
for cmd in (b"EHLO client.test", b"MAIL FROM:<a@client.test>",
            b"RCPT TO:<b@example.test>", b"DATA"):
    s.sendall(cmd + b"\r\n")
    reply()
s.sendall(b"Subject: rss\r\n\r\n")
line = b"0123456789" * 7 + b"\r\n"        # 72 bytes
chunk = line * 910                         # about 64 KB
sent = 0
while sent + len(chunk) <= size:
    s.sendall(chunk)
    sent += len(chunk)
while sent < size:
    s.sendall(line)
    sent += len(line)
s.sendall(b".\r\n")
r = reply()
hwm = {e: 0 for e in exes}
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        exe = os.readlink("/proc/%s/exe" % pid)
        st = open("/proc/%s/status" % pid).read()
    except OSError:
        continue
    if exe in hwm:
        for l in st.splitlines():
            if l.startswith("VmHWM:"):
                hwm[exe] = max(hwm[exe], int(l.split()[1]))
print(r[:3].decode() or "---", *[hwm[e] for e in exes])
s.sendall(b"QUIT\r\n")
reply()
PY
}

b_machine
echo "# rss: peak resident set (VmHWM, kB) after one message of each size"
row() { printf '%-24s %10s %10s %10s\n' "$@"; }
row process "1 KB" "1 MB" "50 MB" > "$T_TMP/table"
sizes="1024 1048576 52428800"
for s in "${servers[@]}"; do
	case $s in
	tern)
		smtpd_bin=${BENCH_TERN_SMTPD:-$T_ROOT/smtpd/smtpd}
		t_bg smtpd-sa systemd-socket-activate --accept --inetd -l 127.0.0.1:2525 \
			-E TERN_CONFDIR -E "TERN_QUEUE=$T_TMP/rss/inject" "$smtpd_bin"
		t_wait_port 127.0.0.1 2525 || t_bail "systemd-socket-activate did not listen"
		smtpd=() inject=()
		for size in $sizes; do
			before=$(t_queue_count)
			read -r code hwm <<<"$(measure 2525 "$size" "$smtpd_bin")"
			t_is "$code $(t_queue_count)" "250 $((before + 1))" "tern: $size-byte message queued"
			smtpd+=("$hwm")
			inject+=("$(tail -n1 "$T_TMP/rss/inject.rss" 2>/dev/null)")
		done
		row "tern smtpd" "${smtpd[@]}" >> "$T_TMP/table"
		row "tern inject" "${inject[@]}" >> "$T_TMP/table"
		for h in "${smtpd[@]}"; do
			case $h in ''|*[!0-9]*) t_fail "tern: smtpd measured ($h)"; continue ;; esac
			[ "$h" -lt 1024 ] && t_pass "tern: smtpd peak $h kB < 1024 kB" ||
				t_fail "tern: smtpd peak under 1 MB" "$h kB"
		done ;;
	postfix)
		b_postfix_setup 2527
		postconf -c "$B_PF_ETC" -e 'message_size_limit = 0' && postfix -c "$B_PF_ETC" reload >/dev/null 2>&1
		sleep 1
		psmtpd=() pcleanup=()
		d=$(postconf -c "$B_PF_ETC" -h daemon_directory)
		for size in $sizes; do
			read -r code hs hc <<<"$(measure 2527 "$size" "$d/smtpd" "$d/cleanup")"
			t_is "$code" 250 "postfix: $size-byte message accepted"
			psmtpd+=("$hs") pcleanup+=("$hc")
		done
		row "postfix smtpd" "${psmtpd[@]}" >> "$T_TMP/table"
		row "postfix cleanup" "${pcleanup[@]}" >> "$T_TMP/table"
		b_postfix_stop ;;
	*) t_bail "unknown server $s" ;;
	esac
done
cat "$T_TMP/table"
