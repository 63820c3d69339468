#!/usr/bin/env bash
# privilege: the privilege boundaries of tern(7)'s programs, as root (CI).
#  1. smtpd started as root under systemd-socket-activate drops to
#     smtpd-user before it reads a byte from the client: under strace, the
#     setgroups/setgid/setuid calls come before the first read of fd 0; while
#     it waits for a command /proc shows uid and gid tern-smtpd, no
#     supplementary groups but its own, no capabilities.
#  2. the relay's delivery workers run as tern-relay (the scheduler as
#     tern-queue) and with a worker's exact credentials nothing in the queue
#     can be listed, read, created, changed or removed (EACCES).
#  3. a local user (not root, not a tern user) queues mail with sendmail
#     through a setuid injector; another local user can neither list, read,
#     change nor remove it, nor use queuectl on it; every file of the queue
#     is tern-queue's, directories 0700, files 0600.
#  4. the setuid injector ignores TERN_CONFDIR (a configuration whose
#     queue-dir the caller owns) and its arguments: the message lands in the
#     compiled-in queue.
# The users tern-smtpd, tern-queue and tern-relay are created from
# units/tern.sysusers when missing, as t/e2e/install.sh does; "nobody" and
# "daemon" stand for two local users.
. t/lib.sh
t_netns "$@"
t_need strace setpriv systemd-sysusers smtpd/smtpd queue/inject queue/sendmail queue/queuectl relay/relay
if [ "$(id -u)" != 0 ] || [ -n "${T_USERNS:-}" ]; then
	t_skip "privilege boundaries" "needs real root (users, setuid)"
	exit 0
fi
. t/relay.sh
t_tmpdir
umask 022
for u in tern-smtpd tern-queue tern-relay; do
	getent passwd $u > /dev/null && continue
	systemd-sysusers "$T_ROOT/units/tern.sysusers" > /dev/null 2>&1 || t_bail "systemd-sysusers failed"
done
for u in tern-smtpd tern-queue tern-relay; do getent passwd $u > /dev/null || t_bail "no user $u"; done
uid() { id -u "$1"; }
gid() { id -g "$1"; }

# A setuid injector ignores TERN_CONFDIR and the configuration's queue-dir, so
# build one whose compiled-in CONFDIR and QUEUEDIR are this private instance
# (from a copy of the sources, as t/e2e/install.sh does), on a file system
# that honours setuid.
dir=$T_TMP
if findmnt -no OPTIONS -T "$dir" | grep -qw nosuid; then
	dir=$(mktemp -d "$T_ROOT/t/log/privilege.XXXXXX") || t_bail "mktemp"
	chmod 0755 "$dir"
	trap 'rm -rf "$dir"; t_cleanup' EXIT
fi
sinkport=$(t_free_port)
T_TMP=$dir t_instance --route "remote.test=smtp:[127.0.0.2]:$sinkport" \
	--set 'smtpd-user tern-smtpd' --set 'queue-user tern-queue' --set 'relay-user tern-relay'
q=$T_INST/queue
chown -R tern-queue:tern-queue "$q"
src=$dir/src
mkdir -p "$src"
tar -cf - --exclude='*.o' --exclude='*.d' --exclude='*.a' --exclude='t/log' \
	GNUmakefile lib queue smtpd/build.mk relay/build.mk map/build.mk t/build.mk t/sanitize.c units/build.mk | tar -xf - -C "$src"
if ! make -C "$src" -j2 --no-print-directory queue/inject CONFDIR="$T_INST/etc" \
	QUEUEDIR="$q" > "$dir/build.log" 2>&1; then
	t_fail "build an injector for the private queue" "$(tail -n 20 "$dir/build.log")"
	exit 1
fi
inject=$dir/inject
install -o tern-queue -g tern-queue -m 4711 "$src/queue/inject" "$inject"
export TERN_QUEUE=$inject

# --- 1. smtpd drops before it reads a byte -----------------------------------
port=$(t_free_port)
# (ASAN_OPTIONS: under SANITIZE=1 LeakSanitizer cannot work under ptrace)
t_bg smtpd-strace systemd-socket-activate --accept --inetd -l "127.0.0.1:$port" -E TERN_CONFDIR \
	-E ASAN_OPTIONS=detect_leaks=0 \
	strace -f -o "$dir/strace" -e trace=setgroups,setgid,setuid,setresgid,setresuid,setregid,setreuid,read,recv,recvfrom,recvmsg,readv \
	"$T_ROOT/smtpd/smtpd"
t_wait_port 127.0.0.1 "$port" || t_bail "systemd-socket-activate did not listen"
# a client that reads the greeting, then waits (smtpd blocked reading fd 0)
# until $dir/go exists, then says QUIT
"$T_PY" - "$port" "$dir/go" > "$dir/client.out" 2>&1 <<'EOF' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
print(s.recv(4096).decode().strip())
open(sys.argv[2] + ".greeted", "w").close()
for _ in range(600):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.05)
s.sendall(b"QUIT\r\n")
print(s.recv(4096).decode().strip())
EOF
client=$!
t_wait_for 20 test -e "$dir/go.greeted" || t_fail "smtpd greeted"
smtpd_pid=
for p in $(pgrep -f "$T_ROOT/smtpd/smtpd"); do
	[ "$(readlink "/proc/$p/exe")" = "$T_ROOT/smtpd/smtpd" ] && smtpd_pid=$p
done
if [ -n "$smtpd_pid" ]; then
	st=$(cat "/proc/$smtpd_pid/status")
	t_is "$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$st")" "$(uid tern-smtpd) $(uid tern-smtpd) $(uid tern-smtpd) $(uid tern-smtpd)" \
		"smtpd waiting for a command: real, effective, saved and fs uid tern-smtpd"
	t_is "$(awk '/^Gid:/ {print $2, $3, $4, $5}' <<<"$st")" "$(gid tern-smtpd) $(gid tern-smtpd) $(gid tern-smtpd) $(gid tern-smtpd)" \
		"smtpd: every gid tern-smtpd's"
	t_like "$(awk '/^Groups:/ {print "[" $2 $3 "]"}' <<<"$st")" "^\[($(gid tern-smtpd))?\]\$" \
		"smtpd: no supplementary groups (but its own)"
	t_is "$(awk '/^(CapPrm|CapEff|CapAmb):/ {print $2}' <<<"$st" | sort -u)" "0000000000000000" \
		"smtpd: no capabilities (permitted, effective, ambient)"
	t_is "$(awk '/^NoNewPrivs:/ {print $2}' <<<"$st")" 0 "smtpd: no_new_privs off (the setuid injector must work)"
else
	t_fail "found the smtpd process" "$(ps -ef | grep smtpd)"
fi
touch "$dir/go"
wait "$client"
t_like "$(cat "$dir/client.out")" '^221 ' "the session ends with 221"
t_wait_for 5 grep -q 'exited with 0\|+++ exited' "$dir/strace"
# the order of smtpd's credential changes and reads of the connection (fd 0)
order=$(grep -E 'set(res|re)?[ug]id|setgroups|^[0-9]+ +(read|recv[a-z]*|readv)\(0,' "$dir/strace" |
	sed -E 's/^[0-9]+ +//; s/\(.*//' | uniq)
echo "# smtpd under strace: $(echo $order)"
first_read=$(grep -nE '^[0-9]+ +(read|recv[a-z]*|readv)\(0,' "$dir/strace" | head -n1 | cut -d: -f1)
last_setuid=$(grep -nE '^[0-9]+ +set(res|re)?uid\(.* = 0$' "$dir/strace" | tail -n1 | cut -d: -f1)
if [ -n "$first_read" ] && [ -n "$last_setuid" ] && [ "$last_setuid" -lt "$first_read" ]; then
	t_pass "smtpd changes its uid before its first read of the connection"
else
	t_fail "smtpd changes its uid before its first read of the connection" "setuid at line ${last_setuid:-none}, first read(0) at ${first_read:-none}" "$(head -n 20 "$dir/strace")"
fi
t_like "$(grep -E 'set(res)?uid\(' "$dir/strace")" "set(res)?uid\\($(uid tern-smtpd)[,)].* = 0\$" "the uid it sets is tern-smtpd's"
t_like "$(grep -E 'set(res)?uid\(' "$dir/strace" | tail -n1)" 'setuid\(0\) += -1 EPERM' \
	"then it checks that root cannot be had back (setuid(0): EPERM)"

# --- 2. the workers cannot touch the queue -----------------------------------
printf 'Subject: queued\r\n\r\nsome mail\r\n' > "$dir/m"
printf 'Fs@example.test\0Tr@remote.test\0\0' > "$dir/e"
setpriv --reuid nobody --regid nogroup --clear-groups "$inject" < "$dir/m" 1< "$dir/e"
t_is "$?" 0 "a message queued (for a next hop that is down: it stays)"
t_relay_start
t_relay_log_wait 20 'ready:' || t_fail "the relay started" "$(cat "$T_TMP/relay.log")"
sched=$T_RELAY_PID workers=()
for p in $(pgrep -f "$T_ROOT/relay/relay"); do
	[ "$p" = "$sched" ] && continue
	[ "$(readlink "/proc/$p/exe")" = "$T_ROOT/relay/relay" ] && workers+=("$p")
done
t_is "$(awk '/^Uid:/ {print $2 ":" $3}' "/proc/$sched/status")" "$(uid tern-queue):$(uid tern-queue)" \
	"the scheduler runs as tern-queue"
bad=0
for p in "${workers[@]}"; do
	[ "$(awk '/^Uid:/ {print $2 ":" $3 ":" $4}' "/proc/$p/status")" = \
		"$(uid tern-relay):$(uid tern-relay):$(uid tern-relay)" ] || bad=$((bad + 1))
	# no supplementary groups but its own (lib/privdrop.c, the drop smtpd has too)
	[[ "$(awk '/^Groups:/ {print $2 $3}' "/proc/$p/status")" =~ ^($(gid tern-relay))?$ ]] ||
		bad=$((bad + 1))
done
[ "${#workers[@]}" -gt 1 ] && [ "$bad" = 0 ] \
	&& t_pass "the worker factory and ${#workers[@]} workers run as tern-relay, no groups but its own" \
	|| t_fail "the workers run as tern-relay" "$bad of ${#workers[@]} not"
w=${workers[-1]}
wuid=$(awk '/^Uid:/ {print $2}' "/proc/$w/status") wgid=$(awk '/^Gid:/ {print $2}' "/proc/$w/status")
id=$(ls "$q/mess" | head -n1)
as_worker() { setpriv --reuid "$wuid" --regid "$wgid" --clear-groups "$@" 2>&1; }
for what in "ls $q/mess" "cat $q/mess/$id" "touch $q/mess/NEW" "touch $q/tmp/x" "touch $q/state/$id" \
	"touch $q/retry/all" "rm -f $q/mess/$id" "mv $q/mess/$id $q/mess/X" "truncate -s 0 $q/mess/$id"; do
	# shellcheck disable=SC2086
	out=$(as_worker $what); rc=$?
	[ $rc -ne 0 ] && grep -q 'Permission denied' <<<"$out" \
		&& t_pass "as a worker (uid $wuid): $what: Permission denied" \
		|| t_fail "as a worker (uid $wuid): $what: Permission denied" "exit $rc: $out"
done
t_is "$(ls "$q/mess")" "$id" "the queued message is still there"
t_relay_stop
"$T_ROOT/queue/queuectl" delete "$id" > /dev/null

# --- 3. local users: inject, but not read, change or remove others' mail -----
printf 'Subject: private\r\n\r\nfor r only\r\n' > "$dir/m"
out=$(setpriv --reuid nobody --regid nogroup --clear-groups env TERN_CONFDIR="$T_INST/etc" \
	TERN_QUEUE="$inject" "$T_ROOT/queue/sendmail" -f a@example.test r@remote.test < "$dir/m" 2>&1)
t_is "$?" 0 "a local user (nobody) queues mail with sendmail through the setuid injector"
id=$(ls "$q/mess")
t_is "$(wc -w <<<"$id")" 1 "one message in the queue"
t_is "$(stat -c '%U %a' "$q/mess/$id")" "tern-queue 600" "its file is tern-queue's, mode 0600"
t_is "$(find "$q" \( -type d ! -perm 0700 \) -o \( -type f ! -perm 0600 \) -o ! -user tern-queue | wc -l)" 0 \
	"every directory of the queue is 0700, every file 0600, all tern-queue's"
as_other() { setpriv --reuid daemon --regid daemon --clear-groups env TERN_CONFDIR="$T_INST/etc" "$@" 2>&1; }
for who in daemon nobody; do
	for what in "ls $q/mess" "cat $q/mess/$id" "rm -f $q/mess/$id" "touch $q/mess/$id" "touch $q/retry/$id"; do
		# shellcheck disable=SC2086
		out=$(setpriv --reuid $who --regid $(id -g $who) --clear-groups $what 2>&1); rc=$?
		[ $rc -ne 0 ] && grep -q 'Permission denied' <<<"$out" \
			&& t_pass "local user $who: $what: Permission denied" \
			|| t_fail "local user $who: $what: Permission denied" "exit $rc: $out"
	done
done
for what in "list" "show $id" "delete $id" "retry $id"; do
	# shellcheck disable=SC2086
	out=$(as_other "$T_ROOT/queue/queuectl" $what); rc=$?
	[ $rc -ne 0 ] && ! grep -q 'for r only\|deleted\|r@remote' <<<"$out" \
		&& t_pass "local user daemon: queuectl $what fails (exit $rc)" \
		|| t_fail "local user daemon: queuectl $what fails" "exit $rc: $out"
done
out=$(as_other "$T_ROOT/queue/sendmail" -bp); rc=$?
grep -q "$id\|r@remote" <<<"$out" && t_fail "local user daemon: sendmail -bp shows nobody's mail" "$out" \
	|| t_pass "local user daemon: sendmail -bp does not show the queue (exit $rc)"
t_is "$(ls "$q/mess")" "$id" "the message is still queued"
t_like "$(t_queue_message "$id")" 'for r only' "and unchanged"

# --- 4. setuid: TERN_CONFDIR and arguments are ignored ------------------------
evil=$dir/evil evilconf=$dir/evil/etc
mkdir -p "$evilconf" "$evil/queue"/{tmp,mess,state,retry}
sed "s|^queue-dir .*|queue-dir $evil/queue|" "$T_INST/etc/tern.conf" > "$evilconf/tern.conf"
chown -R nobody: "$evil/queue"
printf 'Subject: steered\r\n\r\nsteered?\r\n' > "$dir/m"
printf 'Fs@example.test\0Tr@remote.test\0\0' > "$dir/e"
setpriv --reuid nobody --regid nogroup --clear-groups env TERN_CONFDIR="$evilconf" \
	"$inject" -c "$evilconf" "$evil/queue" < "$dir/m" 1< "$dir/e" 2> "$dir/inject.err"
t_is "$?" 0 "the setuid injector with TERN_CONFDIR and arguments pointing elsewhere exits 0"
t_is "$(find "$evil/queue" -type f | wc -l)" 0 "nothing went to the caller's queue-dir"
t_is "$(grep -l 'steered?' "$q/mess"/* | wc -l)" 1 "the message is in the compiled-in queue"
t_is "$(stat -c %U "$(grep -l 'steered?' "$q/mess"/* | head -n1)")" tern-queue "owned by tern-queue"
