#!/usr/bin/env bash
# Launcher: ucspi-tcp's tcpserver (-H -R -l0: no DNS, no ident), started as
# root so smtpd's own drop to smtpd-user runs, with a tcprules cdb that sets
# RELAYCLIENT for 127.0.0.1 only (the qmail convention): 127.0.0.1 may relay,
# 127.0.0.2 may not. The conversation of t_launch_check.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject swaks tcpserver tcprules
t_instance
t_tcprules "$T_TMP/rules.cdb" '127.0.0.1:allow,RELAYCLIENT=""' ':allow'
t_start_smtpd_tcpserver 127.0.0.1 2525 "$T_TMP/rules.cdb"
t_launch_check 127.0.0.1 2525 "tcpserver"
t_launch_check 127.0.0.1 2525 "tcpserver, RELAYCLIENT from tcprules, foreign recipient" x@elsewhere.test
out=$(swaks --server 127.0.0.1:2525 --local-interface 127.0.0.2 --helo client.test --from a@client.test \
	--to x@elsewhere.test --quit-after RCPT 2>&1)
t_like "$out" '<\*\* +550 5\.7\.1' "tcpserver: 127.0.0.2 has no RELAYCLIENT: foreign recipient 550 5.7.1"
t_launch_check 127.0.0.1 2525 "tcpserver from 127.0.0.2, local recipient" b@example.test 127.0.0.2
