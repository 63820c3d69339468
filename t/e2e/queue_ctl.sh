#!/usr/bin/env bash
# queue_ctl: queuectl list, show, delete, retry, sweep and check (queuectl(8))
# on a private instance, including a malformed file and a broken setup.
. t/lib.sh
t_netns "$@"
t_need queue/inject queue/queuectl
t_instance
q=$(t_queue_dir)
ctl=$T_ROOT/queue/queuectl

inject() {	# SENDER RCPT... (message on stdin)
	local env="F$1\\0" r; shift
	for r in "$@"; do env="$env""T$r\\0"; done
	queue/inject 1< <(printf "$env\\0") 2>/dev/null
}
printf 'Subject: one\r\n\r\nbody one\r\n' | inject a@example.org x@example.test y@example.test
printf 'Subject: two\r\n\r\nbody two\r\n' | inject '' z@example.test
ids=($(ls "$q/mess" | sort))
t_is "${#ids[@]}" 2 "two messages queued"

list=$("$ctl" list)
t_like "$list" "^${ids[0]} [0-9]+s 26 <a@example\\.org>\$" "list: id, age, size, sender"
t_like "$list" '^  pending y@example\.test attempts=0 next=now reply=-$' "list: each recipient's state"
t_like "$list" "^${ids[1]} [0-9]+s 26 <>\$" "list: null sender shown as <>"
t_like "$list" '^2 messages$' "list: count"

show=$("$ctl" show "${ids[0]}")
t_like "$show" '^sender: <a@example\.org>$' "show: sender"
t_like "$show" '^recipient: <x@example\.test> pending attempts=0 last=- next=now reply=-$' "show: recipient state"
t_like "$show" $'^body one\r$' "show: the message bytes"
"$ctl" show NOSUCHID >/dev/null 2>"$T_TMP/e"; t_is "$?" 1 "show of a missing id fails"
"$ctl" show ../../etc >/dev/null 2>&1; t_is "$?" 1 "show refuses a path as id"

t_ok "retry all" "$ctl" retry
t_ok "retry one" "$ctl" retry "${ids[0]}"
t_is "$(ls "$q/retry" | sort | tr '\n' ' ')" "${ids[0]} all " "retry requests are files in retry/"
"$ctl" retry NOSUCHID 2>/dev/null; t_is "$?" 1 "retry of a missing message fails"

printf 'garbage' > "$q/mess/BROKEN1"
t_like "$("$ctl" list)" '^BROKEN1 \(unreadable: Bad message\)$' "list: a malformed file is named, not fatal"
rm -f "$q/mess/BROKEN1"

touch -d '3 days ago' "$q/tmp/123.old"; touch "$q/tmp/456.new"
printf x > "$q/state/ORPHAN"
t_ok "sweep" "$ctl" sweep
t_is "$(ls "$q/tmp" | tr '\n' ' ')" "456.new " "sweep removed only the old tmp file"
t_is "$(ls "$q/state" | wc -l)" 0 "sweep removed the orphan state file"

t_is "$("$ctl" delete "${ids[1]}")" "deleted ${ids[1]}" "delete"
t_is "$(ls "$q/mess")" "${ids[0]}" "delete removed the message"
"$ctl" delete "${ids[1]}" 2>/dev/null; t_is "$?" 1 "delete of a missing message fails"
"$ctl" frobnicate 2>/dev/null; t_is "$?" 2 "unknown command: usage, exit 2"

out=$("$ctl" check 2>"$T_TMP/check.err"); rc=$?
t_is "$rc" 0 "check passes on a good instance"
t_like "$out" '^hostname mx\.example\.test$' "check prints the configuration"
t_like "$out" '^max-recipients [0-9]+' "check prints defaults too"
chmod 0755 "$q/mess"
"$ctl" check >/dev/null 2>"$T_TMP/check.err"; rc=$?
t_is "$rc" 1 "check fails on a group/other-accessible queue directory"
t_like "$(cat "$T_TMP/check.err")" 'queue directory .*/mess: mode 0755' "and names it"
chmod 0700 "$q/mess"; chown root "$q/state"
"$ctl" check >/dev/null 2>"$T_TMP/check.err"
t_like "$(cat "$T_TMP/check.err")" 'state: owned by uid 0, not queue-user nobody' "check: wrong owner named"
chown nobody "$q/state"
t_instance --set 'relay-user no-such-user-xyz' >/dev/null
"$ctl" check >/dev/null 2>"$T_TMP/check.err"; t_is "$?" 1 "check fails on a missing user"
t_like "$(cat "$T_TMP/check.err")" 'relay-user no-such-user-xyz: no such user' "and names it"
t_instance --set 'smtpd-user daemon' >/dev/null
TERN_QUEUE=$T_ROOT/queue/inject "$ctl" check >/dev/null 2>"$T_TMP/check.err"
t_like "$(cat "$T_TMP/check.err")" 'not setuid nobody, so smtpd \(as daemon\) cannot queue mail' \
	"check: a non-setuid injector with smtpd-user != queue-user is a problem"
printf 'bogus-key 1\n' >> "$T_INST/etc/tern.conf"
"$ctl" check >/dev/null 2>"$T_TMP/check.err"; t_is "$?" 1 "check fails on a bad configuration"
t_like "$(cat "$T_TMP/check.err")" 'tern\.conf:[0-9]+:' "with file and line"
