# t/lib.sh - helpers for tern's end-to-end tests (bash; source it, do not run it)
#
# A test script looks like this:
#
#	#!/usr/bin/env bash
#	. t/lib.sh
#	t_netns "$@"                      # re-exec in a private network (+pid) namespace
#	t_tmpdir                          # $T_TMP, removed at exit with every process
#	t_instance --set 'max-recipients 5'   # private instance, exports TERN_*
#	port=$(t_free_port)
#	t_start_smtpd_sa 127.0.0.1 "$port"
#	out=$(t_smtp 127.0.0.1 "$port" "$(printf 'EHLO x\r\nQUIT\r\n')")
#	t_like "$out" '^250-PIPELINING' "EHLO offers PIPELINING"
#	t_is "$(t_queue_count)" 0 "nothing queued"
#
# Output is TAP: "ok N - what" / "not ok N - what", diagnostics as "# ..." lines,
# and the plan "1..N" printed at exit (a plan at the end is valid TAP). The script
# exits 1 if any test failed. Scripts are run from the checkout root by t/run.
#
# Variables: T_ROOT (checkout root), T_TMP (after t_tmpdir), T_INST (instance
# dir, after t_instance), T_PIDS (processes started by the t_start_* helpers),
# T_N / T_FAILED (counters).

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
T_N=0
T_FAILED=0
T_PIDS=()
T_TMP=
T_INST=
T_PY=/usr/bin/python3
export LC_ALL=C

# t_netns "$@": run the calling script again under unshare in its own network,
# pid and mount namespaces (once; T_NETNS marks the inner run), with lo up.
# The network holds only loopback, so ports never collide with other tests and
# nothing reaches the real network or the host's resolver. The pid namespace
# means every process the test started dies when the script ends, even if
# a cleanup trap could not run. Not root: a user namespace maps us to root.
t_netns() {
	if [ -z "${T_NETNS:-}" ]; then
		local userns=()
		if [ "$(id -u)" != 0 ]; then
			userns=(--user --map-root-user)
			export T_USERNS=1
		fi
		export T_NETNS=1
		exec unshare "${userns[@]}" --net --pid --fork --kill-child --mount-proc \
			bash "$0" "$@"
		echo "Bail out! unshare failed" >&2
		exit 1
	fi
	ip link set lo up || { echo "Bail out! cannot bring lo up"; exit 1; }
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
	cd "$T_ROOT" || exit 1
}

# t_cleanup: the EXIT trap: kill the processes the test started (and their
# children), remove $T_TMP unless T_KEEP=1, print the plan, set the status.
t_cleanup() {
	local rc=$? pid
	for pid in "${T_PIDS[@]}"; do t_kill_tree "$pid"; done
	if [ -n "$T_TMP" ] && [ -d "$T_TMP" ]; then
		if [ -n "${T_KEEP:-}" ]; then
			echo "# kept $T_TMP"
		else
			rm -rf "$T_TMP"
		fi
	fi
	echo "1..$T_N"
	[ "$T_FAILED" -gt 0 ] && exit 1
	exit "$rc"
}

# t_kill_tree PID [SIGNAL]: send SIGNAL (default TERM) to PID and all its
# descendants at once; with TERM, wait at most 2 s for all of them together,
# then KILL whatever is left (a relay's workers ignore TERM by design).
t_kill_tree() {
	local sig=${2:-TERM} pids=() queue=("$1") p i alive
	while [ "${#queue[@]}" -gt 0 ]; do
		p=${queue[0]}; queue=("${queue[@]:1}")
		pids+=("$p")
		# shellcheck disable=SC2207
		queue+=($(pgrep -P "$p" 2>/dev/null))
	done
	kill -"$sig" "${pids[@]}" 2>/dev/null
	[ "$sig" = KILL ] && return 0
	for i in $(seq 20); do
		alive=0
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1 && break; done
		[ "$alive" = 0 ] && return 0
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null
	return 0
}

# t_ok DESC CMD [ARG...]: run CMD; "ok" if it exits 0, else "not ok" with
# its status as a diagnostic.
t_ok() {
	local desc=$1 rc; shift
	"$@"; rc=$?
	if [ $rc -eq 0 ]; then t_pass "$desc"; else t_fail "$desc" "command exited $rc: $*"; fi
}

# t_pass DESC: record a passing test.
t_pass() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}

# t_fail DESC [DIAGNOSTIC...]: record a failing test; each DIAGNOSTIC line is
# printed as a "# " comment.
t_fail() {
	local desc=$1; shift
	T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $desc"
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

# t_is GOT WANT DESC: pass if the strings are equal byte for byte, else fail
# with a unified diff (CR shown as \r, so line ends are visible).
t_is() {
	if [ "$1" == "$2" ]; then t_pass "$3"; return 0; fi
	t_fail "$3" "$(diff -u --label want --label got \
		<(printf '%s\n' "$2" | sed 's/\r/\\r/g') \
		<(printf '%s\n' "$1" | sed 's/\r/\\r/g'))"
}

# t_like GOT ERE DESC: pass if some line of GOT matches the extended regex.
t_like() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then t_pass "$3"; return 0; fi
	t_fail "$3" "no line matches /$2/ in:" "$(printf '%s\n' "$1" | sed 's/\r/\\r/g' | head -n 40)"
}

# t_unlike GOT ERE DESC: pass if no line of GOT matches the extended regex.
t_unlike() {
	if ! printf '%s\n' "$1" | grep -qE -- "$2"; then t_pass "$3"; return 0; fi
	t_fail "$3" "a line matches /$2/:" "$(printf '%s\n' "$1" | grep -E -- "$2" | head -n 10)"
}

# t_file_is FILE WANTFILE DESC: pass if the files are identical (cmp), else
# fail with a diff of their bytes shown with CR and NUL visible.
t_file_is() {
	if cmp -s "$1" "$2"; then t_pass "$3"; return 0; fi
	t_fail "$3" "$(diff -u --label want --label got <(cat -A "$2" 2>&1 | head -c 20000) \
		<(cat -A "$1" 2>&1 | head -c 20000) | head -n 60)"
}

# t_skip DESC REASON: a test that cannot run here (TAP "ok N - DESC # SKIP").
t_skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}

# t_bail MESSAGE: stop the script (TAP "Bail out!"); counted as a failure.
t_bail() {
	echo "Bail out! $*"
	T_FAILED=$((T_FAILED + 1))
	exit 1
}

# t_tmpdir: create $T_TMP (under /tmp, traversable by nobody) for this test;
# t_cleanup removes it at exit (keep it with T_KEEP=1).
t_tmpdir() {
	T_TMP=$(mktemp -d /tmp/tern-t.XXXXXX) || t_bail "mktemp failed"
	chmod 0755 "$T_TMP"
}

# t_instance [t/instance OPTION...]: create a private instance in $T_TMP/inst
# (or $T_TMP/instN for the N-th call), eval its export lines (TERN_CONFDIR,
# TERN_QUEUE, TERN_INSTANCE, PATH) and set T_INST. Calls t_tmpdir if needed.
t_instance() {
	local out d=inst n=1
	[ -n "$T_TMP" ] || t_tmpdir
	while [ -e "$T_TMP/$d" ]; do n=$((n + 1)); d=inst$n; done
	out=$("$T_ROOT/t/instance" "$T_TMP/$d" "$@") || t_bail "t/instance failed"
	eval "$out"
	T_INST=$T_TMP/$d
}

# t_free_port: print a TCP port nothing listens on (in this namespace).
t_free_port() {
	"$T_PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# t_wait_port HOST PORT [SECONDS]: wait (default 10 s) until something
# listens on HOST:PORT, without connecting to it (a connection would start a
# session under --accept launchers). Returns 1 on timeout.
t_wait_port() {
	local host=$1 port=$2 secs=${3:-10} i want
	case $host in *:*) want="[$host]:$port" ;; *) want="$host:$port" ;; esac
	for ((i = 0; i < secs * 20; i++)); do
		ss -Hltn 2>/dev/null | awk '{print $4}' | grep -qxF -- "$want" && return 0
		ss -Hltn 2>/dev/null | awk '{print $4}' | grep -qxE -- "(\*|0\.0\.0\.0|\[::\]):$port" && return 0
		sleep 0.05
	done
	return 1
}

# t_bg LOGNAME CMD [ARG...]: start CMD in the background, stdout+stderr to
# $T_TMP/LOGNAME.log, remember its pid in T_PIDS (killed at exit); sets T_LAST_PID.
t_bg() {
	local log=$1; shift
	"$@" > "$T_TMP/$log.log" 2>&1 &
	T_LAST_PID=$!
	T_PIDS+=("$T_LAST_PID")
}

# t_start_smtpd_sa HOST PORT [VAR=VALUE...]: smtpd from the build tree under
# systemd-socket-activate --accept --inetd on HOST:PORT (one smtpd per
# connection on fd 0/1, as a systemd Accept=yes service gets it), with the
# instance's TERN_CONFDIR and TERN_QUEUE and any extra VAR=VALUE in its
# environment. Log in $T_TMP/smtpd-sa-PORT.log; waits until it listens.
t_start_smtpd_sa() {
	local host=$1 port=$2 addr env=() v; shift 2
	case $host in *:*) addr="[$host]:$port" ;; *) addr="$host:$port" ;; esac
	for v in TERN_CONFDIR TERN_QUEUE; do [ -n "${!v:-}" ] && env+=(-E "$v"); done
	for v in "$@"; do env+=(-E "$v"); done
	t_bg "smtpd-sa-$port" systemd-socket-activate --accept --inetd -l "$addr" "${env[@]}" \
		"$T_ROOT/smtpd/smtpd"
	t_wait_port "$host" "$port" || t_bail "systemd-socket-activate did not listen on $addr"
}

# t_start_smtpd_tcpserver HOST PORT [RULES_CDB] [VAR=VALUE...]: smtpd under
# tcpserver (-H -R -l0: no DNS or ident lookups; -x RULES_CDB when given, e.g.
# from t_tcprules). Extra VAR=VALUE go into smtpd's environment via env.
# Log in $T_TMP/smtpd-tcpserver-PORT.log; waits until it listens.
t_start_smtpd_tcpserver() {
	local host=$1 port=$2 cdb=${3:-} rules=(); shift 2; [ $# -gt 0 ] && shift
	[ -n "$cdb" ] && rules=(-x "$cdb")
	# env only when there are variables: it is one more exec per connection
	if [ $# -gt 0 ]; then set -- env "$@"; fi
	t_bg "smtpd-tcpserver-$port" tcpserver -HRl0 "${rules[@]}" "$host" "$port" \
		"$@" "$T_ROOT/smtpd/smtpd"
	t_wait_port "$host" "$port" || t_bail "tcpserver did not listen on $host:$port"
}

# t_tcprules CDB RULE...: compile tcprules(1) lines (e.g.
# '127.0.0.1:allow,RELAYCLIENT=""' ':allow') into CDB.
t_tcprules() {
	local cdb=$1; shift
	printf '%s\n' "$@" | tcprules "$cdb" "$cdb.tmp" || t_bail "tcprules failed"
}

# t_start_sink HOST:PORT DIR [t/sink.py OPTION...]: the test SMTP sink
# (t/sink.py) storing into DIR; waits for its ready file.
t_start_sink() {
	local listen=$1 dir=$2 i; shift 2
	[ -e "$T_ROOT/t/sink.py" ] || t_bail "t/sink.py missing"
	mkdir -p "$dir"
	rm -f "$dir/.ready"
	t_bg "sink-${listen//[^0-9A-Za-z.]/_}" "$T_PY" "$T_ROOT/t/sink.py" --listen "$listen" \
		--dir "$dir" --ready "$dir/.ready" "$@"
	for ((i = 0; i < 200; i++)); do
		[ -e "$dir/.ready" ] && return 0
		sleep 0.05
	done
	t_bail "sink on $listen not ready"
}

# t_start_dns HOST PORT DATAFILE: ldns-testns answering from DATAFILE (see
# ldns-testns(1)) on HOST:PORT, UDP and TCP. Log in $T_TMP/dns-PORT.log.
t_start_dns() {
	local host=$1 port=$2 data=$3 i
	t_bg "dns-$port" ldns-testns -p "$port" "$data"
	# ldns-testns binds every address; wait for its UDP socket.
	for ((i = 0; i < 200; i++)); do
		ss -Hlun 2>/dev/null | awk '{print $4}' | grep -qE -- ":$port\$" && return 0
		sleep 0.05
	done
	t_bail "ldns-testns did not listen on port $port"
}

# t_smtp HOST PORT SCRIPT [TIMEOUT]: connect, read the greeting, send SCRIPT
# (raw bytes, in one write), then print everything the server sends until it
# closes or TIMEOUT (default 10) seconds pass with nothing new; in that case a
# last line "[timeout]" says the server did not close. For tests of raw
# protocol bytes: smuggling, bare CR/LF, timeouts.
t_smtp() {
	t_smtp_batches "$1" "$2" -"${4:-10}" 0 "$3"
}

# t_smtp_batches HOST PORT [-TIMEOUT] N1 BATCH1 [N2 BATCH2]...: connect, read
# the greeting, then for each batch: send BATCH (raw bytes, one write) and
# read until N final reply lines (a line whose 4th byte is not "-") have
# arrived; after the last batch read on until the server closes or TIMEOUT
# (default 10) idle seconds pass ("[timeout]" line then). Prints every byte
# the server sent. N=0 sends the next batch at once. For RFC 2920 PIPELINING
# tests: the replies come back in order, one per command.
t_smtp_batches() {
	"$T_PY" - "$@" <<'EOF'
import socket, sys
args = sys.argv[1:]
host, port, args = args[0], int(args[1]), args[2:]
tmo = 10.0
if args and args[0].startswith("-"):
    tmo, args = float(args[0][1:]), args[1:]
s = socket.create_connection((host, port), timeout=tmo)
buf, out = b"", b""
closed = timedout = False
def line():
    """next complete line from the server, or None when closed/timed out"""
    global buf, out, closed, timedout
    while b"\n" not in buf:
        if closed or timedout:
            return None
        try:
            d = s.recv(65536)
        except socket.timeout:
            timedout = True
            return None
        except ConnectionResetError:
            closed = True
            return None
        if not d:
            closed = True
            return None
        buf += d
        out += d
    l, buf = buf.split(b"\n", 1)
    return l
def finals(n):
    got = 0
    while got < n:
        l = line()
        if l is None:
            return
        if len(l) < 4 or l[3:4] != b"-":
            got += 1
finals(1)
for i in range(0, len(args) - 1, 2):
    n, batch = int(args[i]), args[i + 1]
    if closed or timedout:
        break
    try:
        s.sendall(batch.encode("latin-1"))
    except OSError:
        break
    finals(n)
while line() is not None:
    pass
sys.stdout.write(out.decode("latin-1"))
if timedout:
    sys.stdout.write("[timeout]\n")
EOF
}

# t_codes TEXT: the reply codes of the final lines of each reply in TEXT
# (server output), space-separated: "220 250 250 354 250 221".
t_codes() {
	printf '%s\n' "$1" | tr -d '\r' | awk 'length($0) >= 3 && substr($0, 4, 1) != "-" && $0 ~ /^[0-9][0-9][0-9]/ {printf "%s%s", sep, substr($0, 1, 3); sep = " "} END {print ""}'
}

# t_smtp_chat HOST PORT LINE... : a conversation one step at a time: send each
# LINE (CRLF appended unless it is a DATA body given as "@FILE", which is sent
# as is) and read the server's complete reply (multi-line aware) before the
# next; print every reply. Stops at the first closed connection.
t_smtp_chat() {
	"$T_PY" - "$@" <<'EOF'
import socket, sys
host, port, lines = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
s = socket.create_connection((host, port), timeout=30)
f = s.makefile("rb")
def reply():
    text = b""
    while True:
        l = f.readline()
        if not l:
            return text, False
        text += l
        if len(l) < 4 or l[3:4] != b"-":
            return text, True
r, alive = reply()
sys.stdout.write(r.decode("latin-1"))
for line in lines:
    if not alive:
        break
    data = open(line[1:], "rb").read() if line.startswith("@") else line.encode("latin-1") + b"\r\n"
    try:
        s.sendall(data)
    except OSError:
        break
    r, alive = reply()
    sys.stdout.write(r.decode("latin-1"))
EOF
}

# t_queue_dir: the instance's queue directory.
t_queue_dir() { echo "$T_INST/queue"; }

# t_queue_ids: print the ids of the committed messages (files in mess/),
# oldest first: queue(5) ids start with the commit time in fixed-width hex,
# so the byte order of the names is the commit order.
t_queue_ids() {
	ls -1 "$T_INST/queue/mess" 2>/dev/null
}

# t_queue_count: print how many messages are committed.
t_queue_count() {
	t_queue_ids | wc -l
}

# t_queue_message ID: print the message bytes of ID exactly as queued (what
# the relay will send), read from mess/ID by the format of queue(5).
t_queue_message() {
	t_queue_read body "$T_INST/queue/mess/$1"
}

# t_queue_envelope ID: print ID's envelope records, one per line, as queue(5)
# stores them ("F<sender>", "T<rcpt>", "i<received id>", "t<arrival>").
t_queue_envelope() {
	t_queue_read envelope "$T_INST/queue/mess/$1"
}

# t_queue_read body|envelope FILE: split a committed queue file (queue(5):
# message bytes, NUL-terminated envelope records ended by an empty record,
# fixed-size trailer giving the message length) and print one part.
t_queue_read() {
	"$T_PY" - "$1" "$2" <<'EOF'
import sys
what, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
# queue(5): trailer = "TERNQUEUE1:" + 20 decimal digits (message length) + "\n"
tr = data[-32:]
if len(data) < 32 or not tr.startswith(b"TERNQUEUE1:") or tr[-1:] != b"\n":
    raise SystemExit("t_queue_read: %s: bad trailer %r" % (path, tr))
n = int(tr[11:31])
if what == "body":
    sys.stdout.buffer.write(data[:n])
else:
    recs = data[n:-32]
    if not recs.endswith(b"\0\0"):
        raise SystemExit("t_queue_read: %s: records not ended by an empty record" % path)
    for r in recs[:-2].split(b"\0"):
        sys.stdout.buffer.write(r + b"\n")
EOF
}

# t_queue_find_rid RID: print the queue id whose "i" record (smtpd's session
# message id, the one in "250 ... queued as RID") is RID; empty if none.
t_queue_find_rid() {
	local id
	for id in $(t_queue_ids); do
		if t_queue_envelope "$id" | grep -xF -- "i$1" >/dev/null; then echo "$id"; return 0; fi
	done
}

# t_fakequeue NAME MODE: write an executable fake injector $T_TMP/NAME for
# TERN_QUEUE (the qmail-queue protocol: message on fd 0, envelope on fd 1).
# It saves what it got to $T_TMP/fq/NAME.msg and NAME.env (world-writable:
# it runs as smtpd's dropped uid) then, by MODE: "exit:N" exits N, "kill"
# dies by SIGKILL, "hang" sleeps forever, "noread:N" exits N without
# reading anything.
t_fakequeue() {
	local name=$1 mode=$2 f=$T_TMP/$1 out=$T_TMP/fq
	mkdir -p "$out" && chmod 0777 "$out"
	{
		echo '#!/bin/sh'
		case $mode in
		noread:*) echo "exit ${mode#noread:}" ;;
		*)
			echo "cat > '$out/$name.msg'"
			echo "cat <&1 > '$out/$name.env'"
			case $mode in
			exit:*) echo "exit ${mode#exit:}" ;;
			kill) echo 'kill -KILL $$' ;;
			hang) echo 'exec sleep 1000' ;;
			*) t_bail "t_fakequeue: unknown mode $mode" ;;
			esac ;;
		esac
	} > "$f"
	chmod 0755 "$f"
}

# t_launch_check HOST PORT LABEL [RCPT] [CLIENT] [NAME]: the launcher tests'
# conversation: swaks (Python smtplib for IPv6), bound to the source address
# CLIENT (default 127.0.0.1), sends one message (HELO name client.test) to RCPT (default
# b@example.test) through whatever listens on HOST:PORT; checks (as TAP
# tests) the 250 reply, that exactly one new message is queued under the
# reply's id, that its first line is "Received: from client.test ([CLIENT])"
# (CLIENT as an RFC 5321 address literal: [IPv6:::1] for ::1), or
# "Received: from client.test (NAME [CLIENT])" when the launcher is expected
# to give the client's reverse name NAME, and that the body after it is the
# one sent.
t_launch_check() {
	local host=$1 port=$2 label=$3 rcpt=${4:-b@example.test} client=${5:-127.0.0.1} name=${6:-}
	local out rid id before
	printf 'Subject: via %s\r\n\r\nlaunched by %s\r\n' "$label" "$label" > "$T_TMP/launch.msg"
	# swaks sends a --data file as is when it ends with the "." line itself
	printf '.\r\n' | cat "$T_TMP/launch.msg" - > "$T_TMP/launch.swaks"
	before=$(t_queue_count)
	case $client in
	*:*)	# Debian's swaks needs IO::Socket::INET6 for IPv6: Python smtplib instead
		out=$("$T_PY" - "$host" "$port" "$client" "$rcpt" "$T_TMP/launch.msg" <<'EOF' 2>&1
import smtplib, sys
host, port, client, rcpt, path = sys.argv[1:6]
s = smtplib.SMTP(host, int(port), local_hostname="client.test", timeout=30,
                 source_address=(client, 0))
s.ehlo("client.test")
s.mail("a@client.test")
s.rcpt(rcpt)
code, text = s.data(open(path, "rb").read())
print("<- ", code, text.decode())
s.quit()
EOF
		) ;;
	*)	out=$(swaks --server "$host" --port "$port" --local-interface "$client" --helo client.test \
			--from a@client.test --to "$rcpt" --data "@$T_TMP/launch.swaks" 2>&1) ;;
	esac
	t_like "$out" '<[-~] +250 2\.0\.0 .*queued as' "$label: 250 queued"
	t_is "$(t_queue_count)" $((before + 1)) "$label: one message queued"
	rid=$(sed -nE 's/.*queued as ([A-Za-z0-9.-]+).*/\1/p' <<<"$out" | head -n1)
	id=$(t_queue_find_rid "$rid")
	if [ -z "$id" ]; then
		t_fail "$label: the queued message has the reply's id '$rid'" "$out"
		return
	fi
	t_queue_message "$id" > "$T_TMP/launch.q"
	local lit=$client
	case $client in *:*) lit=IPv6:$client ;; esac	# RFC 5321 §4.1.3 address literal
	t_is "$(head -n1 "$T_TMP/launch.q" | tr -d '\r')" "Received: from client.test (${name:+$name }[$lit])" \
		"$label: Received: names the client ${name:+$name }[$lit] (from the launcher or kernel)"
	t_is "$(tail -c "$(wc -c < "$T_TMP/launch.msg")" "$T_TMP/launch.q" | od -c)" "$(od -c < "$T_TMP/launch.msg")" \
		"$label: the body is queued byte for byte"
}

# t_syslog_start: a stand-in syslog daemon on /dev/log for this test's mount
# namespace. /dev becomes a private tmpfs holding null, zero, full, random and
# urandom (bound from the real /dev through an open descriptor, so nothing
# under $T_TMP points into the real /dev), the fd and std* links and the
# socket. Each datagram becomes one line of $T_SYSLOG
# ("<PRI>date ident[pid]: text").
t_syslog_start() {
	local old n
	[ -n "$T_TMP" ] || t_tmpdir
	exec {old}</dev
	mount -t tmpfs -o mode=0755 tmpfs /dev || t_bail "cannot mount a private /dev"
	for n in null zero full random urandom; do
		: > "/dev/$n"
		mount --no-canonicalize --bind "/proc/self/fd/$old/$n" "/dev/$n" ||
			t_bail "cannot bind /dev/$n"
	done
	exec {old}<&-
	ln -s /proc/self/fd /dev/fd
	for n in 0:stdin 1:stdout 2:stderr; do ln -s "/proc/self/fd/${n%%:*}" "/dev/${n#*:}"; done
	mkdir -m 1777 /dev/shm
	T_SYSLOG=$T_TMP/syslog
	: > "$T_SYSLOG"
	"$T_PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n").replace(b"\n", b" ") + b"\n")
' "$T_SYSLOG" &
	T_PIDS+=("$!")
	t_wait_for 5 test -e "$T_SYSLOG.ready" || t_bail "stand-in syslog did not start"
}

# t_syslog_wait PATTERN: wait (5 s at most) until a line of $T_SYSLOG matches
# the extended regular expression PATTERN; print the matching lines.
t_syslog_wait() {
	t_wait_for 5 grep -qE -- "$1" "$T_SYSLOG" && grep -E -- "$1" "$T_SYSLOG"
}

# t_rss_kb PID: print the peak resident set size (VmHWM, kB) of PID.
t_rss_kb() {
	awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null
}

# t_wait_for SECONDS CMD [ARG...]: retry CMD every 0.05 s until it succeeds
# or SECONDS pass (returns 1 then). For waiting on files and processes, never
# for asserting speed.
t_wait_for() {
	local secs=$1 i; shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# t_need PROGRAM...: stop the script with one failing test if a program
# (a build-tree path like smtpd/smtpd, or a command) is missing: a test that
# cannot run is not a pass.
t_need() {
	local p
	for p in "$@"; do
		if ! [ -x "$T_ROOT/$p" ] && ! command -v "$p" >/dev/null 2>&1; then
			t_fail "$p is present"
			exit 1
		fi
	done
}
