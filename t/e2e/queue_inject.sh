#!/usr/bin/env bash
# queue_inject: every exit code of queue/inject (inject(8)) and what it leaves:
# 0 with the exact bytes and envelope queued; 91 and 11 for bad envelopes; 54
# for a short envelope; 53 for ENOSPC (tiny tmpfs) and EFBIG (RLIMIT_FSIZE);
# 55 for configuration; 61 for a missing queue; 31 past max-message-size or
# max-recipients; TERN_RECEIVED_ID filtering;
# the setuid rules (environment ignored). Nothing half-written stays in tmp/.
. t/lib.sh
t_netns "$@"
t_need queue/inject queue/queuectl
t_instance
t_syslog_start
q=$(t_queue_dir)
inj=$T_ROOT/queue/inject

# run_inject ENVELOPE-PRINTF-FORMAT [MESSAGE-FILE]: inject, print the exit status.
run_inject() {
	local msg=${2:-$T_TMP/msg}
	"$inj" < "$msg" 1< <(printf "$1") 2>>"$T_TMP/inject.err"
	echo $?
}

# envelope_of ID: the records of mess/ID, one per line (queue(5)).
records_of() {
	"$T_PY" - "$q/mess/$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
n = int(d[-32:][11:31])
sys.stdout.write(d[n:-32].replace(b"\0", b"|").decode())
EOF
}
body_of() {
	"$T_PY" - "$q/mess/$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
n = int(d[-32:][11:31])
sys.stdout.buffer.write(d[:n])
EOF
}

printf 'Received: from x\r\nSubject: one\r\n\r\nbody\r\n.dot\r\n\x00bin\xff\r\n' > "$T_TMP/msg"

# --- success
rc=$(TERN_RECEIVED_ID=Sess-1.a run_inject 'Fs@example.org\0Ta@example.test\0Tb@example.test\0\0')
t_is "$rc" 0 "a good message and envelope: exit 0"
id=$(ls "$q/mess")
body_of "$id" > "$T_TMP/got"
t_file_is "$T_TMP/got" "$T_TMP/msg" "queued bytes are the message exactly"
t_like "$(records_of "$id")" '^t[0-9]+\|iSess-1\.a\|olocal\|Fs@example\.org\|Ta@example\.test\|Tb@example\.test\|\|$' \
	"records: arrival, received id, sender, recipients, end"
t_like "$(t_syslog_wait "queued queue_id=$id ")" "inject\[[0-9]+\]: queued queue_id=$id received_id=Sess-1\.a uid=$(id -u) user=$(id -un) sender=s@example\.org nrcpt=2 size=$(wc -c < "$T_TMP/msg")" \
	"one syslog line with queue id, received id, the caller's uid and user, sender, count, size"
t_is "$(cat "$T_TMP/inject.err")" "" "nothing on stderr on success"
t_like "$id" '^[0-9A-Za-z]{17,39}$' "queue id is alphanumeric"
t_is "$(stat -c %U "$q/mess/$id")" nobody "run as root, inject wrote as the queue's owner"

rm -f "$q"/mess/*
rc=$(TERN_RECEIVED_ID='../etc/x' run_inject 'F\0Tpostmaster@example.test\0\0')
t_is "$rc" 0 "null sender: exit 0"
t_like "$(records_of "$(ls "$q/mess")")" '^t[0-9]+\|i\|olocal\|F\|Tpostmaster@example\.test\|\|$' \
	"null sender stored empty; an invalid TERN_RECEIVED_ID is dropped"
rm -f "$q"/mess/*

# --- envelope errors: permanent codes, nothing queued, nothing left in tmp/
check_fail() {	# WANT-RC DESC ENVELOPE-FORMAT [MESSAGE]
	local rc
	rc=$(run_inject "$3" "${4:-}")
	t_is "$rc" "$1" "$2: exit $1"
	t_is "$(ls -A "$q/mess" "$q/tmp" | grep -vc ':$\|^$')" 0 "$2: nothing in mess/ or tmp/"
}
check_fail 91 "envelope not starting with F" 'Ts@example.org\0Ta@example.test\0\0'
check_fail 91 "unknown record type" 'Fs@example.org\0Xa@example.test\0\0'
check_fail 91 "no recipient" 'Fs@example.org\0\0'
check_fail 91 "recipient without domain" 'Fs@example.org\0Tnodomain\0\0'
check_fail 91 "sender that is no mailbox (MAIL FROM parameter injection)" 'Fs@example.org> NOTIFY=NEVER\0Ta@example.test\0\0'
check_fail 91 "sender without domain" 'Fnodomain\0Ta@example.test\0\0'
check_fail 91 "CR in an address" 'Fs@example.org\0Ta\r@example.test\0\0'
check_fail 11 "recipient longer than 1000 bytes" "Fs@example.org\\0T$(head -c 1200 /dev/zero | tr '\0' a)@example.test\\0\\0"
check_fail 11 "recipient longer than 256 octets" "Fs@example.org\\0T$(head -c 60 /dev/zero | tr '\0' a)@$(head -c 250 /dev/zero | tr '\0' b).test\\0\\0"
check_fail 54 "envelope cut short" 'Fs@example.org\0Ta@exam'
check_fail 54 "empty envelope" ''

# --- signals: a caller that blocks SIGALRM cannot switch off inject's time limit
# (the mask survives execve; SIGALRM stands in for the alarm, which takes a day)
rc=$("$T_PY" - "$inj" 2>>"$T_TMP/inject.err" <<'EOF'
import os, signal, sys, time
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
mr, mw = os.pipe(); er, ew = os.pipe()
pid = os.fork()
if pid == 0:
    os.dup2(mr, 0); os.dup2(er, 1)
    os.execv(sys.argv[1], [sys.argv[1]])
os.write(mw, b"Subject: half\r\n")
time.sleep(0.3)
os.kill(pid, signal.SIGALRM)
for _ in range(50):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.1)
else:
    os.close(mw); os.write(ew, b"Fs@example.org\0Ta@example.test\0\0"); os.close(ew)
    status = os.waitpid(pid, 0)[1]
print(os.waitstatus_to_exitcode(status))
EOF
)
t_is "$rc" 52 "SIGALRM blocked by the caller still ends inject: exit 52"
t_is "$(ls -A "$q/mess" "$q/tmp" | grep -vc ':$\|^$')" 0 "SIGALRM: nothing in mess/ or tmp/"
rm -f "$q"/mess/*

# --- write errors are temporary (53) and leave nothing behind
head -c 300000 /dev/zero | tr '\0' 'y' > "$T_TMP/big"
rc=$( (ulimit -f 100; run_inject 'Fs@example.org\0Ta@example.test\0\0' "$T_TMP/big") )
t_is "$rc" 53 "file size limit (EFBIG): exit 53"
t_is "$(ls -A "$q/mess" "$q/tmp" | grep -vc ':$\|^$')" 0 "EFBIG: nothing in mess/ or tmp/"

small=$T_TMP/small
mkdir -p "$small"
if mount -t tmpfs -o size=64k,mode=0755 tmpfs "$small" 2>/dev/null; then
	t_instance --set "queue-dir $small/queue" >/dev/null
	mkdir -p "$small/queue"/{tmp,mess,state,retry}
	chmod -R 0700 "$small/queue"; chown -R nobody: "$small/queue"
	rc=$(run_inject 'Fs@example.org\0Ta@example.test\0\0' "$T_TMP/big")
	t_is "$rc" 53 "disk full (ENOSPC on a 64k tmpfs): exit 53"
	t_is "$(ls -A "$small/queue/mess" "$small/queue/tmp" | grep -vc ':$\|^$')" 0 \
		"ENOSPC: nothing in mess/ or tmp/"
	rc=$(run_inject 'Fs@example.org\0Ta@example.test\0\0')
	t_is "$rc" 0 "the same small queue takes a small message"
	umount "$small"
	t_instance >/dev/null; q=$(t_queue_dir)
else
	t_skip "disk full (ENOSPC on a tiny tmpfs)" "cannot mount tmpfs"
fi

# --- non-blocking descriptors: a caller may hand over O_NONBLOCK pipes; inject
# waits for the bytes (EAGAIN) instead of failing with exit 54
before=$(ls "$q/mess" | wc -l)
out=$("$T_PY" - "$inj" <<'EOF'
import fcntl, os, subprocess, sys, time
mr, mw = os.pipe(); er, ew = os.pipe()
for fd in (mr, er):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen([sys.argv[1]], stdin=mr, stdout=er, stderr=subprocess.PIPE)
os.close(mr); os.close(er)
time.sleep(0.3)                      # inject's first read finds nothing yet
os.write(mw, b"Subject: nonblocking\r\n\r\nslow\r\n"); os.close(mw)
time.sleep(0.3)
os.write(ew, b"Fs@example.org\0Ta@example.test\0\0"); os.close(ew)
err = p.stderr.read().decode(errors="replace")
print(p.wait(), err.strip())
EOF
)
t_like "$out" '^0 ' "non-blocking message and envelope pipes: inject waits and exits 0"
t_is "$(ls "$q/mess" | wc -l)" "$((before + 1))" "... and the message is queued"

# --- max-message-size and max-recipients hold for every caller: exit 31
t_instance --set 'max-message-size 1M' --set 'max-recipients 3' >/dev/null; q=$(t_queue_dir)
before=$(ls "$q/mess" | wc -l)
head -c 5000000 /dev/zero | tr '\0' 'z' | fold -w 76 | sed 's/$/\r/' > "$T_TMP/5M"
rc=$(run_inject 'Fs@example.org\0Ta@example.test\0\0' "$T_TMP/5M")
t_is "$rc" 31 "a 5 MB message with max-message-size 1M: exit 31"
t_like "$(tail -n1 "$T_TMP/inject.err")" 'message exceeds max-message-size 1M .*\(exit 31\)$' \
	"... the diagnostic names the setting"
head -c 1049000 "$T_TMP/5M" > "$T_TMP/1M+"
rc=$(run_inject 'Fs@example.org\0Ta@example.test\0\0' "$T_TMP/1M+")
t_is "$rc" 0 "1M and 424 bytes (added header lines' room): queued"
rc=$(run_inject 'Fs@example.org\0Ta@example.test\0Tb@example.test\0Tc@example.test\0Td@example.test\0\0')
t_is "$rc" 31 "4 recipients with max-recipients 3: exit 31"
t_like "$(tail -n1 "$T_TMP/inject.err")" '4 recipients, more than max-recipients 3 \(exit 31\)$' \
	"... the diagnostic names the setting"
rc=$(run_inject 'Fs@example.org\0Ta@example.test\0Tb@example.test\0Tc@example.test\0\0')
t_is "$rc" 0 "3 recipients: queued"
t_is "$(ls "$q/mess" | wc -l)" "$((before + 2))" "only the two within the limits were queued"
t_is "$(ls -A "$q/tmp" | wc -l)" 0 "nothing left in tmp/"
t_instance >/dev/null; q=$(t_queue_dir)

# --- configuration and queue directory
rc=$(TERN_CONFDIR=$T_TMP/nonexistent run_inject 'Fs@example.org\0Ta@example.test\0\0')
t_is "$rc" 55 "missing configuration: exit 55"
t_like "$(tail -n1 "$T_TMP/inject.err")" "nonexistent/tern.conf" "the diagnostic names the file"
t_instance --set "queue-dir $T_TMP/no-queue" >/dev/null
rc=$(run_inject 'Fs@example.org\0Ta@example.test\0\0')
t_is "$rc" 61 "missing queue directory: exit 61"
t_like "$(tail -n1 "$T_TMP/inject.err")" "no-queue" "the diagnostic names the queue"

# --- setuid: the environment (TERN_CONFDIR) is ignored
suid=$T_TMP/inject-suid
cp "$inj" "$suid"; chown nobody "$suid"; chmod 4755 "$suid"
if findmnt -no OPTIONS -T "$T_TMP" | grep -q nosuid; then
	t_skip "setuid inject ignores TERN_CONFDIR" "$T_TMP is mounted nosuid"
elif [ -e /etc/tern/tern.conf ]; then
	t_skip "setuid inject ignores TERN_CONFDIR" "/etc/tern/tern.conf exists here"
else
	t_instance >/dev/null
	rc=$("$suid" < "$T_TMP/msg" 1< <(printf 'Fs@example.org\0Ta@example.test\0\0') 2>"$T_TMP/suid.err"; echo $?)
	t_is "$rc" 55 "setuid inject ignores TERN_CONFDIR (uses the compiled-in CONFDIR)"
	t_like "$(cat "$T_TMP/suid.err")" "/etc/tern/tern.conf" "and names the compiled-in file"
	t_is "$(ls -A "$T_INST/queue/mess" | wc -l)" 0 "nothing went into the instance's queue"
	# JOURNAL_STREAM naming its stderr would make it write "<3>" prefixes
	: > "$T_TMP/suid2.err"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$T_TMP/suid2.err") "$suid" < "$T_TMP/msg" \
		1< <(printf 'Fs@example.org\0Ta@example.test\0\0') 2>>"$T_TMP/suid2.err"
	t_like "$(cat "$T_TMP/suid2.err")" '^inject: /etc/tern/tern\.conf' \
		"setuid inject ignores JOURNAL_STREAM too: it reads no variable before clearing"
fi

# --- setuid: the caller's uid in the log, TERN_RECEIVED_ID only from smtpd-user.
# The compiled-in CONFDIR (/etc/tern) and QUEUEDIR (/var/spool/tern) exist in
# this test's own mount namespace only: an overlay on /etc, a tmpfs on /var/spool.
suid_queue_ids() { ls /var/spool/tern/mess; }
if findmnt -no OPTIONS -T "$T_TMP" | grep -q nosuid; then
	t_skip "setuid inject: caller logged, received id from smtpd-user only" "$T_TMP is mounted nosuid"
elif ! { mkdir -p "$T_TMP/etc-up" "$T_TMP/etc-work" &&
	 mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T_TMP/etc-up,workdir=$T_TMP/etc-work" /etc &&
	 mount -t tmpfs -o mode=0755 tmpfs /var/spool; } 2>/dev/null; then
	t_skip "setuid inject: caller logged, received id from smtpd-user only" "cannot overlay /etc here"
else
	mkdir -p /etc/tern /var/spool/tern/{tmp,mess,state,retry}
	chown -R nobody: /var/spool/tern; chmod -R 0700 /var/spool/tern
	printf 'hostname mx.example.test\naccept example.test\nsmtpd-user daemon\nqueue-user nobody\nrelay-user bin\n' \
		> /etc/tern/tern.conf
	TERN_RECEIVED_ID=Forged1 TERN_CLIENT_AUTH=alice "$suid" < "$T_TMP/msg" \
		1< <(printf 'Fs@example.org\0Ta@example.test\0\0') \
		2>"$T_TMP/suid3.err"
	t_is "$?" 0 "setuid inject run by root (not smtpd-user): queued"
	id=$(suid_queue_ids)
	t_like "$(q=/var/spool/tern records_of "$id")" '^t[0-9]+\|i\|olocal\|Fs@' \
		"... TERN_RECEIVED_ID from root is not stored, nor TERN_CLIENT_AUTH believed: origin local"
	t_unlike "$id" '^Forged1$' "... nor does it name the message (a queue id the caller chose)"
	t_like "$(t_syslog_wait "queued queue_id=$id ")" "queued queue_id=$id received_id=- uid=0 user=root sender=" \
		"... the log names the caller, uid 0 (root), and no received id"
	setpriv --reuid daemon --regid daemon --clear-groups env TERN_RECEIVED_ID=Sess2 \
		TERN_CLIENT_IP=127.0.0.9 TERN_CLIENT_RELAY=1 "$suid" \
		< "$T_TMP/msg" 1< <(printf 'Fs@example.org\0Ta@example.test\0\0') 2>>"$T_TMP/suid3.err"
	t_is "$?" 0 "setuid inject run by smtpd-user (daemon): queued"
	id=$(suid_queue_ids | grep -vx "$id")
	t_like "$(q=/var/spool/tern records_of "$id")" '^t[0-9]+\|iSess2\|orelay\|Fs@' \
		"... its TERN_RECEIVED_ID is stored, its TERN_CLIENT_RELAY=1 believed: origin relay"
	t_is "$id" Sess2 "... and names the message: smtpd's id is the queue id (queue(5))"
	t_like "$(t_syslog_wait "queued queue_id=$id ")" \
		"queued queue_id=$id received_id=Sess2 uid=$(id -u daemon) user=daemon sender=" \
		"... the log names the caller (daemon) and its received id"
	umount /var/spool /etc
fi

