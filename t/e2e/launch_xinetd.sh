#!/usr/bin/env bash
# Launcher: xinetd in the foreground (-dontfork) with the shipped service file
# units/tern-smtpd.xinetd, rewritten with sed for this test only where it
# must be: the port (a free one), the paths (smtpd of the build tree, the
# instance's configuration directory, the log file instead of syslog) and
# the user (the owner of the instance's queue). Every other setting (dual
# stack, NODELAY, instances, per_source, cps, what is logged) is the shipped
# one. The conversation of t_launch_check from 127.0.0.1 (an IPv4-mapped
# peer on the dual-stack socket) and from ::1, then the same file with
# user = root: smtpd drops to smtpd-user itself before reading the network.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject swaks xinetd
t_instance
shipped=units/tern-smtpd.xinetd
owner=$(stat -c %U "$T_INST/queue/mess")

# xinetd_conf USER PORT LOG > FILE: the shipped service with only port,
# paths and user replaced. TERN_CONFDIR is a path too: the instance's.
xinetd_conf() {
	sed -e "s|^\([[:space:]]*port[[:space:]]*=\).*|\1 $2|" \
		-e "s|^\([[:space:]]*user[[:space:]]*=\).*|\1 $1|" \
		-e "s|^\([[:space:]]*group[[:space:]]*=\).*|\1 $(id -gn "$1")|" \
		-e "s|^\([[:space:]]*server[[:space:]]*=\).*|\1 $T_ROOT/smtpd/smtpd|" \
		-e "s|^\([[:space:]]*log_type[[:space:]]*=\).*|\1 FILE $3|" \
		-e "s|^}|	env		= TERN_CONFDIR=$TERN_CONFDIR\n}|" \
		"$shipped"
}

port=$(t_free_port)
xinetd_conf "$owner" "$port" "$T_TMP/xinetd-service.log" > "$T_TMP/xinetd.conf"
# Only the lines named above differ from the shipped file.
t_is "$(diff "$shipped" "$T_TMP/xinetd.conf" | sed -n 's/^>[[:space:]]*\([a-z_]*\).*/\1/p' | sort | tr '\n' ' ')" \
	"env group log_type port server user " "the test's service differs from the shipped one in port, paths, user only"
t_bg xinetd xinetd -dontfork -f "$T_TMP/xinetd.conf" -pidfile "$T_TMP/xinetd.pid"
t_wait_port :: "$port" || t_bail "xinetd did not listen on [::]:$port; see $(cat "$T_TMP/xinetd.log")"
t_pass "the shipped service listens on the dual-stack socket [::]:$port"
t_launch_check 127.0.0.1 "$port" "xinetd"
t_launch_check ::1 "$port" "xinetd over IPv6" b@example.test ::1
out=$(swaks --server 127.0.0.1:"$port" --helo client.test --from a@client.test --to x@elsewhere.test \
	--quit-after RCPT 2>&1)
t_like "$out" '<\*\* +550 5\.7\.1' "xinetd: foreign recipient 550 5.7.1"
# log_on_success = PID HOST DURATION EXIT (written when the session ends)
t_wait_for 5 grep -q 'EXIT: smtp' "$T_TMP/xinetd-service.log"
t_like "$(cat "$T_TMP/xinetd-service.log")" 'EXIT: smtp .*status=0 .*duration=' \
	"xinetd logs each session's exit status and duration, as shipped"
t_like "$(cat "$T_TMP/xinetd-service.log")" 'START: smtp .*pid=[0-9]+ from=::ffff:127\.0\.0\.1' \
	"xinetd logs each session's pid and client, as shipped"

# user = root: smtpd itself becomes smtpd-user (nobody in the instance, as
# root) before it reads a byte, so the injector it runs writes as nobody.
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then
	port2=$(t_free_port)
	xinetd_conf root "$port2" "$T_TMP/xinetd-root-service.log" > "$T_TMP/xinetd-root.conf"
	t_bg xinetd-root xinetd -dontfork -f "$T_TMP/xinetd-root.conf" -pidfile "$T_TMP/xinetd-root.pid"
	t_wait_port :: "$port2" || t_bail "xinetd (user root) did not listen; see $(cat "$T_TMP/xinetd-root.log")"
	t_launch_check 127.0.0.1 "$port2" "xinetd, user = root"
	last=$(t_queue_ids | tail -n 1)
	t_is "$(stat -c %U "$T_INST/queue/mess/$last")" nobody \
		"xinetd, user = root: smtpd dropped to smtpd-user before it ran the injector"
else
	t_skip "xinetd, user = root" "needs real root"
fi
