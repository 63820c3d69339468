#!/usr/bin/env bash
# RFC 5321 §4.5.3 limits end to end: SIZE (RFC 1870: EHLO advert, MAIL
# SIZE= too big 552, body over the limit 552 and nothing queued), the
# recipient limit (max-recipients accepted, the next 452), command line length,
# and the idle timeouts (command-timeout and data-timeout 2s: 421, then the
# connection closes, nothing queued).
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject systemd-socket-activate
t_instance --set 'max-message-size 10k' --set 'command-timeout 2s' --set 'data-timeout 2s'
port=2525
t_start_smtpd_sa 127.0.0.1 $port

ehlo=$'EHLO client.test\r\n'
# --- SIZE -------------------------------------------------------------------
out=$(t_smtp 127.0.0.1 $port "${ehlo}QUIT"$'\r\n' | tr -d '\r')
t_like "$out" '^250[- ]SIZE 10240$' "EHLO advertises SIZE 10240 (max-message-size 10k)"

out=$(t_smtp_batches 127.0.0.1 $port 2 "${ehlo}MAIL FROM:<a@client.test> SIZE=10241"$'\r\n' 0 $'QUIT\r\n')
t_like "$out" $'^552 5\\.3\\.4 ' "MAIL SIZE=10241 over 10240: 552 5.3.4"
out=$(t_smtp_batches 127.0.0.1 $port 3 "${ehlo}MAIL FROM:<a@client.test> SIZE=10000"$'\r\n'"RCPT TO:<b@example.test>"$'\r\n' 0 $'QUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 221" "MAIL SIZE=10000 under the limit: accepted"
out=$(t_smtp_batches 127.0.0.1 $port 2 "${ehlo}MAIL FROM:<a@client.test> SIZE=99999999999999999999999"$'\r\n' 0 $'QUIT\r\n')
t_like "$out" $'^(552 5\\.3\\.4|501 5\\.5\\.4) ' "MAIL SIZE= overflowing 64 bits: 552 or 501, no wrap-around"

# lines LINE COUNT: COUNT copies of LINE CRLF (the x keeps $(...) from
# stripping the final LF).
lines() { local r; r=$("$T_PY" -c 'import sys; print((sys.argv[1] + "\r\n") * int(sys.argv[2]) + "x", end="")' "$1" "$2"); printf '%s' "${r%x}"; }
big=$(lines "$(printf 'x%.0s' $(seq 70))" 200; echo x); big=${big%x}   # 14,400 bytes
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port 4 "${ehlo}MAIL FROM:<a@client.test>"$'\r\nRCPT TO:<b@example.test>\r\nDATA\r\n' 2 "Subject: big"$'\r\n\r\n'"$big"$'.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 552 221" "body over max-message-size: 552 after the final dot, then QUIT works"
t_like "$out" $'^552 5\\.3\\.4 ' "body over the limit: 552 5.3.4"
t_is "$(t_queue_count)" "$before" "body over the limit: nothing queued"

small=$(lines "$(printf 'y%.0s' $(seq 70))" 100; echo x); small=${small%x}   # 7,200 bytes
out=$(t_smtp_batches 127.0.0.1 $port 4 "${ehlo}MAIL FROM:<a@client.test>"$'\r\nRCPT TO:<b@example.test>\r\nDATA\r\n' 2 "Subject: small"$'\r\n\r\n'"$small"$'.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 250 221" "body under max-message-size: queued"
t_is "$(t_queue_count)" $((before + 1)) "body under the limit: one message queued"

# --- recipients: max-recipients (default 100, RFC 5321 §4.5.3.1.8), then 452 --
rcpts=
for i in $(seq 1 101); do rcpts+="RCPT TO:<r$i@example.test>"$'\r\n'; done
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port 104 "${ehlo}MAIL FROM:<a@client.test>"$'\r\n'"${rcpts}DATA"$'\r\n' 2 $'Subject: many\r\n\r\nmany\r\n.\r\nQUIT\r\n')
codes=$(t_codes "$out")
want="220 250 250$(printf ' 250%.0s' $(seq 1 100)) 452 354 250 221"
t_is "$codes" "$want" "100 recipients accepted, the 101st gets 452, the message is queued"
t_like "$out" $'^452 4\\.5\\.3 ' "101st recipient: 452 4.5.3"
t_is "$(t_queue_count)" $((before + 1)) "100-recipient message queued"
t_is "$(t_queue_envelope "$(t_queue_ids | tail -n1)" | grep -c '^T')" 100 "its envelope holds exactly 100 recipients"

# --- text line length (RFC 5321 §4.5.3.1.6: 1000 octets with CRLF) ------------
# smtpd refuses the whole message with 554 5.5.2 (smtpd(8)); it never
# truncates or folds silently.
l998=$(printf 'a%.0s' $(seq 998)) l999=$(printf 'b%.0s' $(seq 999))
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port 4 "${ehlo}MAIL FROM:<a@client.test>"$'\r\nRCPT TO:<b@example.test>\r\nDATA\r\n' 2 "Subject: 1000"$'\r\n\r\n'"$l998"$'\r\n.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 250 221" "a 1000-octet text line (998 + CRLF) is accepted"
if [ "$(t_queue_count)" -eq $((before + 1)) ]; then
	t_is "$(t_queue_message "$(t_queue_ids | tail -n1)" | tail -c 1000)" "$l998"$'\r' "the 1000-octet line is queued whole"
else
	t_fail "1000-octet line: one message queued"
fi
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port 4 "${ehlo}MAIL FROM:<a@client.test>"$'\r\nRCPT TO:<b@example.test>\r\nDATA\r\n' 2 "Subject: 1001"$'\r\n\r\n'"$l999"$'\r\n.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 554 221" "a 1001-octet text line: the message is refused after the dot"
t_like "$out" $'^554 5\\.5\\.2 ' "1001-octet line: 554 5.5.2"
t_is "$(t_queue_count)" "$before" "1001-octet line: nothing queued"

# smtpd(8): the limit counts the line as sent, a stuffing dot included.
out=$(t_smtp_batches 127.0.0.1 $port 4 "${ehlo}MAIL FROM:<a@client.test>"$'\r\nRCPT TO:<b@example.test>\r\nDATA\r\n' 2 "Subject: stuffed"$'\r\n\r\n'"..$l998"$'\r\n.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 554 221" "a stuffed 1001-octet line: refused (554)"

# --- command line length (RFC 5321 §4.5.3.1.4: 512 octets with CRLF) ----------
long=$("$T_PY" -c 'print("NOOP " + "z" * 600, end="")')
out=$(t_smtp_batches 127.0.0.1 $port 3 "${ehlo}${long}"$'\r\nNOOP\r\n' 0 $'QUIT\r\n')
t_is "$(t_codes "$out")" "220 250 500 250 221" "a 607-octet command line gets 500, the session goes on"

# --- idle timeout ---------------------------------------------------------------
out=$(t_smtp 127.0.0.1 $port "$ehlo" 20)
t_like "$out" $'^421 4\\.4\\.2 ' "idle past command-timeout 2s: 421 4.4.2"
t_unlike "$out" '^\[timeout\]$' "after the 421 smtpd closes the connection"
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port -20 4 "${ehlo}MAIL FROM:<a@client.test>"$'\r\nRCPT TO:<b@example.test>\r\nDATA\r\n' 0 $'Subject: stalled\r\n\r\nhalf a message\r\n')
t_like "$out" $'^421 4\\.4\\.2 ' "body stalled past data-timeout 2s: 421 4.4.2"
t_unlike "$out" '^\[timeout\]$' "stalled body: smtpd closes the connection"
t_is "$(t_queue_count)" "$before" "stalled body: nothing queued"
