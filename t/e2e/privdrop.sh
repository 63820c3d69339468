#!/usr/bin/env bash
# privdrop: the one privilege drop (lib/privdrop.c) refuses root as the user
# to drop to, in every program that drops: smtpd (smtpd-user), the relay
# scheduler (queue-user) and its worker factory (relay-user, which the
# relay's own drop used to accept). Each refuses to run, says why, and
# never serves as root. Run as root only (the drop needs it).
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd relay/relay
if [ "$(id -u)" != 0 ] || [ -n "${T_USERNS:-}" ]; then
	t_skip "privilege drops refuse root" "needs real root"
	exit 0
fi

# smtpd: no greeting, exit 1, the reason in the log
t_instance --set 'smtpd-user root'
out=$(printf 'QUIT\r\n' | "$T_ROOT/smtpd/smtpd" 2> "$T_TMP/smtpd.err")
t_is "$?" 1 "smtpd with smtpd-user root: exit 1"
t_unlike "$out" '^220' "... and no greeting"
t_like "$(cat "$T_TMP/smtpd.err")" 'root' "... the log says root is refused"

# relay: queue-user root and relay-user root, each refused
for key in queue-user relay-user; do
	t_instance --set "$key root"
	timeout 60 "$T_ROOT/relay/relay" -1 > /dev/null 2> "$T_TMP/relay.err"
	rc=$?
	t_is "$rc" 111 "relay with $key root: exit 111"
	t_like "$(cat "$T_TMP/relay.err")" 'root|uid 0' "... the log says root is refused"
done
