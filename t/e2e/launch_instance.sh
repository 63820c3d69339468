#!/usr/bin/env bash
# t/instance: the configuration it writes is what the config reader loads
# (relay -n prints the effective settings), every option lands, --set
# replaces a default line, the queue directories exist with mode 0700 (owned
# by nobody as root, with DIR and its parents traversable; as root three
# distinct users and a setuid injector), the export lines
# select the instance, the command that starts its relay is always printed,
# and bad options are refused.
. t/lib.sh
t_netns "$@"
t_need relay/relay
t_instance --accept a.test --accept b.test --dns 127.0.0.53:53 --smtp-port 2525 \
	--route 'a.test=smtp:[127.0.0.5]:25' --route '*=lmtp:unix:/tmp/x.sock' \
	--relay-net 10.0.0.0/8 --relay-net fd00::/8 --set 'max-recipients 7' --set 'hostname mx2.test'
t_is "$TERN_CONFDIR" "$T_INST/etc" "TERN_CONFDIR selects the instance's etc/"
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then
	t_is "$TERN_QUEUE" "$T_INST/inject" "as root: TERN_QUEUE is the instance's setuid injector"
else
	t_is "$TERN_QUEUE" "$T_ROOT/queue/inject" "TERN_QUEUE is the build tree's injector"
fi
t_is "$(command -v smtpd)" "$T_ROOT/smtpd/smtpd" "PATH finds the build tree's programs"
eff=$(relay/relay -n 2>&1); rc=$?
t_is "$rc" 0 "relay -n loads the instance's tern.conf"
want="hostname mx2.test
accept a.test
accept b.test
relay-net 10.0.0.0/8
relay-net fd00::/8
queue-dir $T_INST/queue
max-recipients 7
resolver 127.0.0.53:53
smtp-port 2525
route a.test smtp:[127.0.0.5]:25
route * lmtp:unix:/tmp/x.sock"
t_is "$(grep -E '^(hostname|accept|relay-net|queue-dir|max-recipients|resolver|smtp-port|route) ' <<<"$eff")" \
	"$want" "the effective configuration has every option given"
t_is "$(grep -c '^hostname ' "$TERN_CONFDIR/tern.conf")" 1 "--set hostname replaces the default line"
for d in tmp mess state retry; do
	t_is "$(stat -c %a "$T_INST/queue/$d")" 700 "queue/$d is mode 0700"
done
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then
	t_is "$(stat -c %U "$T_INST/queue/mess")" nobody "as root: the queue belongs to nobody"
	t_is "$(grep -E '^(smtpd|queue|relay)-user ' "$TERN_CONFDIR/tern.conf")" "smtpd-user daemon
queue-user nobody
relay-user bin" "as root: three distinct users, as an installation has"
	t_is "$(stat -c '%a %U' "$T_INST/inject")" "4755 nobody" "as root: the injector is setuid the queue user"
	t_is "$(grep '^queue-program ' "$TERN_CONFDIR/tern.conf")" "queue-program $T_INST/inject" \
		"as root: and it is the queue-program"
	t_ok "as root: nobody can reach the instance" setpriv --reuid nobody --regid nogroup --clear-groups \
		test -r "$TERN_CONFDIR/tern.conf"
fi
# The relay line: printed with and without --dns/--route, and it names this
# instance's configuration and the build tree's relay.
relay_line() { t/instance "$1" "${@:2}" | sed -n '/^# relay for this instance/{n;p}'; }
t_is "$(relay_line "$T_TMP/rl1" --route 'a.test=smtp:[127.0.0.5]:25')" \
	"#   TERN_CONFDIR=$T_TMP/rl1/etc $T_ROOT/relay/relay -f" "with --route: how to start the relay"
t_is "$(relay_line "$T_TMP/rl2")" "#   TERN_CONFDIR=$T_TMP/rl2/etc $T_ROOT/relay/relay -f" \
	"with no option: how to start the relay, all the same"
t_instance
t_is "$(grep -E '^accept ' "$TERN_CONFDIR/tern.conf")" "accept example.test" "default: accept example.test only"
t_is "$(grep -cE '^relay-net ' "$TERN_CONFDIR/tern.conf")" 0 "default: no relay networks"
t_ok "a repeated t/instance keeps the queued messages" sh -c ": > '$T_INST/queue/mess/KEEP' && t/instance '$T_INST' >/dev/null && test -e '$T_INST/queue/mess/KEEP'"
t_ok "--smtp-port abc is refused" sh -c "! t/instance '$T_TMP/bad' --smtp-port abc 2>/dev/null"
t_ok "--route without = is refused" sh -c "! t/instance '$T_TMP/bad' --route a.test 2>/dev/null"
t_ok "an unknown option is refused" sh -c "! t/instance '$T_TMP/bad' --nope x 2>/dev/null"
t_ok "a value with a newline is refused" sh -c "! t/instance '$T_TMP/bad' --set 'hostname a
relay-net 0.0.0.0/0' 2>/dev/null"
# --tls: a self-signed certificate, STARTTLS on, and the smtps command
out=$(t/instance "$T_TMP/tls" --tls) || t_fail "t/instance --tls"
t_like "$(grep '^tls-' "$T_TMP/tls/etc/tern.conf")" "^tls-certificate $T_TMP/tls/etc/tls/cert.pem $T_TMP/tls/etc/tls/key.pem$" \
	"--tls: tls-certificate names the instance's certificate and key"
t_like "$(grep '^tls-' "$T_TMP/tls/etc/tern.conf")" "^tls-program $T_ROOT/smtpd/tlsd$" "--tls: tls-program is the build tree's tlsd"
t_ok "--tls: the pair loads (tlsd -n)" env TERN_CONFDIR="$T_TMP/tls/etc" smtpd/tlsd -n
t_is "$(stat -c %a "$T_TMP/tls/etc/tls/key.pem")" 600 "--tls: the key is 0600"
inj=$T_ROOT/queue/inject	# as root the instance's setuid injector
[ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ] && inj=$T_TMP/tls/inject
t_is "$(grep '^# smtpd smtps: ' <<<"$out")" \
	"# smtpd smtps: env TERN_CONFDIR=$T_TMP/tls/etc TERN_QUEUE=$inj $T_ROOT/smtpd/tlsd -i $T_ROOT/smtpd/smtpd" \
	"--tls: prints the command that runs smtpd behind implicit TLS"
t_is "$(t/instance "$T_TMP/notls" | grep -c '^# smtpd smtps')" 0 "without --tls: no smtps line"
t_is "$(grep -c '^# smtpd submission' <<<"$out")" 0 "without --submission: no submission line"
# --submission: TLS, a password file, and both submission commands (smtpd -s)
out=$(t/instance "$T_TMP/sub" --submission 'carol:pa ss:w') || t_fail "t/instance --submission"
e=$T_TMP/sub/etc
inj=$T_ROOT/queue/inject	# as root the instance's setuid injector
[ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ] && inj=$T_TMP/sub/inject
t_is "$(grep -c '^# smtpd submission: \|^# smtpd smtps: ' <<<"$out")" 2 "--submission: two smtpd command lines"
t_is "$(grep '^# smtpd submission: ' <<<"$out")" \
	"# smtpd submission: env TERN_CONFDIR=$e TERN_QUEUE=$inj $T_ROOT/smtpd/smtpd -s" \
	"--submission: prints the command that runs smtpd in submission mode"
t_is "$(grep '^# smtpd smtps: ' <<<"$out")" \
	"# smtpd smtps: env TERN_CONFDIR=$e TERN_QUEUE=$inj $T_ROOT/smtpd/tlsd -i $T_ROOT/smtpd/smtpd -s" \
	"--submission: the smtps command runs smtpd -s behind implicit TLS"
t_like "$(cat "$e/tern.conf")" "^auth-password-file $e/passwd$" "--submission: auth-password-file is the instance's"
t_like "$(cat "$e/tern.conf")" "^auth-program $T_ROOT/checkpw/checkpw$" "--submission: auth-program is the build tree's checkpw"
t_like "$(cat "$e/tern.conf")" '^tls-certificate ' "--submission implies --tls"
t_is "$(stat -c %a "$e/passwd")" 600 "--submission: the password file is 0600"
rc=$(printf 'carol\0pa ss:w\0\0' | TERN_CONFDIR=$e checkpw/checkpw /bin/true 3<&0; echo $?)
t_is "$rc" 0 "--submission: checkpw accepts the user and password given (a colon in it too)"
t_ok "--submission without a password is refused" sh -c "! t/instance '$T_TMP/bad' --submission carol 2>/dev/null"
