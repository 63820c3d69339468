#!/usr/bin/env bash
# Launcher: ucspi-tcp's tcpserver (-H -R -l0: no DNS, no ident), started as
# root so smtpd's own drop to smtpd-user runs, with a tcprules cdb that sets
# RELAYCLIENT for 127.0.0.1 only (the qmail convention): 127.0.0.1 may relay,
# 127.0.0.2 may not. The conversation of t_launch_check. Then the shipped
# per-source.nft, which gives tcpserver a per-client limit.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject swaks tcpserver tcprules nft
t_instance
t_tcprules "$T_TMP/rules.cdb" '127.0.0.1:allow,RELAYCLIENT=""' ':allow'
t_start_smtpd_tcpserver 127.0.0.1 2525 "$T_TMP/rules.cdb"
t_launch_check 127.0.0.1 2525 "tcpserver"
t_launch_check 127.0.0.1 2525 "tcpserver, RELAYCLIENT from tcprules, foreign recipient" x@elsewhere.test
out=$(swaks --server 127.0.0.1:2525 --local-interface 127.0.0.2 --helo client.test --from a@client.test \
	--to x@elsewhere.test --quit-after RCPT 2>&1)
t_like "$out" '<\*\* +550 5\.7\.1' "tcpserver: 127.0.0.2 has no RELAYCLIENT: foreign recipient 550 5.7.1"
t_launch_check 127.0.0.1 2525 "tcpserver from 127.0.0.2, local recipient" b@example.test 127.0.0.2

# --- per-source.nft: tcpserver's missing per-client limit, from the kernel ----
# The shipped rules with port 2525 and a limit of 3: three sessions held from
# 127.0.0.1 fill its share, a fourth is reset before tcpserver sees it,
# 127.0.0.2 is still served, and once a session QUITs a new one is served.
sed -e 's/dport 25 /dport 2525 /' -e 's/count over 20 /count over 3 /' \
	units/tern-smtpd.tcpserver/per-source.nft > "$T_TMP/per-source.nft"
t_is "$(grep -c 'dport 2525 .* count over 3 ' "$T_TMP/per-source.nft")" 2 "per-source.nft: port and limit edited for the test"
t_ok "per-source.nft loads (and loads again over itself)" \
	sh -c "nft -f '$T_TMP/per-source.nft' && nft -f '$T_TMP/per-source.nft'"
out=$("$T_PY" - <<'PY'
import socket
def session(src):
    s = socket.create_connection(("127.0.0.1", 2525), timeout=10, source_address=(src, 0))
    if not s.recv(512).startswith(b"220 "):
        raise SystemExit("no greeting")
    return s
held = [session("127.0.0.1") for _ in range(3)]
try:
    session("127.0.0.1")
    print("4th: served")
except ConnectionError as e:
    print("4th: refused")
session("127.0.0.2").close()
print("other source: served")
held[0].sendall(b"QUIT\r\n")
while held[0].recv(512):
    pass
held[0].close()
session("127.0.0.1")
print("after QUIT: served")
PY
)
t_like "$out" '^4th: refused$' "per-source.nft: a 4th session from one address is refused"
t_like "$out" '^other source: served$' "per-source.nft: another address is still served"
t_like "$out" '^after QUIT: served$' "per-source.nft: a closed session stops counting"
