#!/usr/bin/env bash
# Launcher: xinetd in the foreground (-dontfork) with a private configuration
# on a loopback port, user = root so that smtpd's own drop to smtpd-user
# (nobody in the instance) runs. The conversation of t_launch_check.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject swaks xinetd
t_instance
cat > "$T_TMP/xinetd.conf" <<CONF
defaults
{
	log_type = FILE $T_TMP/xinetd-service.log
}

service tern-smtp
{
	type = UNLISTED
	socket_type = stream
	protocol = tcp
	wait = no
	user = root
	bind = 127.0.0.1
	port = 2525
	flags = IPv4
	server = $T_ROOT/smtpd/smtpd
	env = TERN_CONFDIR=$TERN_CONFDIR TERN_QUEUE=$TERN_QUEUE
	instances = 20
}
CONF
t_bg xinetd xinetd -dontfork -f "$T_TMP/xinetd.conf" -pidfile "$T_TMP/xinetd.pid"
t_wait_port 127.0.0.1 2525 || t_bail "xinetd did not listen; see $(cat "$T_TMP/xinetd.log")"
t_launch_check 127.0.0.1 2525 "xinetd"
out=$(swaks --server 127.0.0.1:2525 --helo client.test --from a@client.test --to x@elsewhere.test --quit-after RCPT 2>&1)
t_like "$out" '<\*\* +550 5\.7\.1' "xinetd: foreign recipient 550 5.7.1"
