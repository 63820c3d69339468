#!/usr/bin/env bash
# Launcher: systemd socket activation with Accept=yes, as
# systemd-socket-activate --accept --inetd gives it (one smtpd per connection,
# the socket on fd 0/1). The conversation of t_launch_check, from two client
# addresses; as root the instance makes smtpd drop to nobody, so the
# privilege drop runs for real.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject swaks systemd-socket-activate
t_instance
t_start_smtpd_sa 127.0.0.1 2525
t_launch_check 127.0.0.1 2525 "systemd-socket-activate"
t_launch_check 127.0.0.1 2525 "systemd-socket-activate, client 127.0.0.9" b@example.test 127.0.0.9
t_start_smtpd_sa ::1 2525
t_launch_check ::1 2525 "systemd-socket-activate on [::1]" b@example.test ::1
out=$(swaks --server 127.0.0.1:2525 --helo client.test --from a@client.test --to x@elsewhere.test --quit-after RCPT 2>&1)
t_like "$out" '<\*\* +550 5\.7\.1' "systemd-socket-activate: no RELAYCLIENT, foreign recipient 550 5.7.1"
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then
	owner=$(stat -c %U "$T_INST/queue/mess/$(t_queue_ids | tail -n1)")
	t_is "$owner" nobody "queued file owned by nobody: smtpd and inject ran as smtpd-user"
fi
