#!/usr/bin/env bash
# A real MX for a domain, end to end (relay(8) MAILDIR DELIVERY, smtpd(8)
# Recipients and aliases): swaks → smtpd → queue → relay → Maildir, read back
# with Python's mailbox.Maildir. Unknown recipients refused at RCPT; an alias
# reaching two local mailboxes and a remote sink; Return-Path and
# Delivered-To added; a message already delivered to a recipient (its
# Delivered-To) fails with 554 5.4.6 and bounces; a full file system is a
# temporary failure (452, retried) that leaves tmp/ clean; a remote local
# part cannot climb out of the Maildir tree.
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject relay/relay map/newmap swaks systemd-socket-activate
t_tmpdir
mail=$T_TMP/mail full=$T_TMP/full
mkdir -p "$full"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$full" || t_bail "cannot mount a tmpfs on $full"
t_start_sink 127.0.0.32:25 "$T_TMP/remote"
t_instance --accept example.test --accept open.test --accept full.test --maildir "$mail" \
	--route "full.test=maildir:$full/%d/%u/" --route 'remote.test=smtp:[127.0.0.32]:25' \
	--recipients example.test=alice,bob,carol --recipients open.test=any \
	--recipients full.test=any \
	--alias 'team@example.test=alice@example.test,bob@example.test,x@remote.test' \
	--alias 'loop1@example.test=loop2@example.test' --alias 'loop2@example.test=loop1@example.test' \
	--set 'retry-min 1h' --set 'retry-max 1h'
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then chown mail: "$full"; fi
port=$(t_free_port)
t_start_smtpd_sa 127.0.0.1 "$port"

send() {	# send TO [swaks options...]: print swaks's transcript
	local to=$1; shift
	swaks --server "127.0.0.1:$port" --from s@remote.test --to "$to" "$@" 2>&1
}

# --- at RCPT ---------------------------------------------------------------------
t_like "$(send mallory@example.test --quit-after RCPT)" '<\*\* +550 5\.1\.1 ' \
	"an unknown recipient: 550 5.1.1 at RCPT"
t_like "$(send loop1@example.test --quit-after RCPT)" '<\*\* +451 4\.4\.6 ' "an alias loop: 451 4.4.6"

# --- deliveries --------------------------------------------------------------------
t_like "$(send Alice@Example.TEST --header 'Subject: one')" '<- +250 2\.0\.0 .*queued as' "to alice: queued"
t_like "$(send team@example.test --header 'Subject: team')" '<- +250 ' "to the alias team: queued"
t_like "$(send carol@example.test --header 'Subject: again' \
	--add-header 'Delivered-To: carol@example.test')" '<- +250 ' "a message already delivered to carol: queued"
t_like "$(send '"../../escape"@open.test' --header 'Subject: climb')" '<- +250 ' \
	"a local part with ../ in an 'any' domain: queued"
big=$(head -c 100000 /dev/zero | tr '\0' 'x' | fold -w 76)
t_like "$(send u@full.test --header 'Subject: big' --body "$big")" '<- +250 ' "100 kB for a 64 kB file system: queued"
t_relay_start

t_relay_log_wait 30 'recipient=u@full\.test' || t_fail "the relay tried u@full.test"
t_relay_log_wait 30 'recipient=carol@example\.test' || t_fail "the relay tried carol"
t_sink_wait 30 "$T_TMP/remote" 2 || t_fail "the remote target and the bounce reached the sink"
t_relay_log_wait 30 'recipient=x@remote\.test' || true

# read every Maildir with Python's mailbox module: SUBJECT DELIVERED-TO RETURN-PATH
maildir_read() {
	"$T_PY" - "$1" <<'EOF'
import mailbox, sys
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
for key, msg in sorted(md.items(), key=lambda kv: kv[1]["Subject"]):
    print(msg["Subject"], msg["Delivered-To"], msg["Return-Path"], msg.get_subdir())
EOF
}
t_is "$(maildir_read "$mail/example.test/alice")" "one Alice@Example.TEST <s@remote.test> new
team alice@example.test <s@remote.test> new" "alice's Maildir: her message and the alias's, Delivered-To and Return-Path added"
t_is "$(maildir_read "$mail/example.test/bob")" "team bob@example.test <s@remote.test> new" \
	"bob's Maildir: the alias's message"
t_like "$(cat "$T_TMP/remote/"*.env 2>/dev/null)" 'x@remote\.test' "the alias's remote target reached the sink"
f=$(ls "$mail/example.test/alice/new" | head -n 1)
t_like "$f" '^[0-9]+\.M[0-9]{6}P[0-9]+Q[0-9]+\.[^/]+$' "file names follow qmail's SECONDS.MUSECONDSPPIDQN.HOST"
t_is "$(ls -A "$mail/example.test/alice/tmp" "$mail/example.test/alice/cur" | grep -vc ':$\|^$')" 0 \
	"tmp/ and cur/ empty"
t_unlike "$(cat "$mail/example.test/alice/new/$f")" $'\r' "stored with LF line ends"
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then
	t_is "$(stat -c %U "$mail/example.test/alice/new/$f")" mail "written by maildir-user (mail), not root"
fi

# --- Delivered-To loop -------------------------------------------------------------
t_like "$(cat "$T_TMP/relay.log")" 'failed .*recipient=carol@example\.test .*554 5\.4\.6' \
	"Delivered-To: carol already present: 554 5.4.6, permanent"
t_ok "... nothing written for carol" test ! -e "$mail/example.test/carol/new" -o -z "$(ls -A "$mail/example.test/carol/new" 2>/dev/null)"
t_like "$(cat "$T_TMP/remote/"*.eml 2>/dev/null)" 'carol@example\.test' "... and the sender gets a bounce"

# --- a full file system ------------------------------------------------------------
t_like "$(cat "$T_TMP/relay.log")" 'deferred .*recipient=u@full\.test .*452 4\.3\.1' \
	"ENOSPC: 452 4.3.1, deferred for a retry"
t_is "$(ls -A "$full/full.test/u/tmp" 2>&1)" "" "... the partial file removed from tmp/"
t_is "$(ls -A "$full/full.test/u/new" 2>&1)" "" "... nothing in new/"

# --- path traversal ------------------------------------------------------------------
t_is "$(cd "$mail" && find . -path '*/new/*' -type f | sed 's|/new/.*||' | sort)" "./example.test/alice
./example.test/alice
./example.test/bob
./open.test/%22..%2F..%2Fescape%22" "every file inside the tree; ../ encoded into one component"
t_ok "nothing outside it" test ! -e "$T_TMP/escape" -a ! -e "$mail/escape" -a ! -e "$T_TMP/escape\""
t_relay_stop

# --- a writer that cannot become maildir-user: the relay does not start ----------
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then
	t_instance --accept x.test --maildir "$T_TMP/mail2" --set 'maildir-user tern-no-such-user'
	timeout 20 "$T_ROOT/relay/relay" -f > "$T_TMP/relay2.log" 2>&1
	t_is "$?" 111 "maildir-user unknown: the relay exits 111"
	t_like "$(cat "$T_TMP/relay2.log")" 'did not start as tern-no-such-user' "... and says why"
fi
