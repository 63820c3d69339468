#!/usr/bin/env bash
# relay_8bit_long - what the relay does with content a server may not take
# as is. A sink that does not offer 8BITMIME (t/sink.py --no-8bitmime):
# 8-bit content is never sent to it (RFC 6152 §3, no MIME downgrade) but
# fails with 554 5.6.3 and bounces to the sender's sink; a 7-bit message
# still goes through. A message injected by sendmail with a 3000-octet body
# line and a 3000-octet header field arrives with every line within 1000
# octets (RFC 5321 §4.5.3.1.6) and the same content once the inserted breaks
# (CRLF in the body, CRLF SP in the header) are taken out.
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need relay/relay queue/inject queue/sendmail
t_tmpdir
t_start_sink 127.0.0.41:25 "$T_TMP/seven" --no-8bitmime
t_start_sink 127.0.0.42:25 "$T_TMP/senders"
t_instance --set 'retry-min 1h' \
	--route 'seven.test=smtp:[127.0.0.41]:25' --route 'sender.test=smtp:[127.0.0.42]:25'

# --- 8-bit and 7-bit messages to the server without 8BITMIME ------------------------
printf 'Subject: eight\r\nX-Marker: eight\r\n\r\ncaf\xc3\xa9\r\n' | t_inject eight@sender.test u@seven.test
printf 'Subject: seven\r\nX-Marker: seven\r\n\r\nplain\r\n' > "$T_TMP/seven.msg"
t_inject seven@sender.test v@seven.test < "$T_TMP/seven.msg"

# --- a sendmail-injected message with lines over 998 octets ---------------------------
"$T_PY" - "$T_TMP/long.msg" <<'PY'
import sys
# no real line of exactly 998 octets: every one in the output is a split
head = b"From: long@sender.test\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n" \
       b"Message-ID: <long@sender.test>\nSubject: long\n"
field = b"X-Long: " + bytes(ord("a") + i % 26 for i in range(2992)) + b"\n"
line = bytes(ord("0") + i % 10 for i in range(3000))
line = line[:998] + b"." + line[999:]		# a dot where the second piece starts
open(sys.argv[1], "wb").write(head + field + b"\n" + b"short\n" + line + b"\nend\n")
PY
"$T_ROOT/queue/sendmail" -f long@sender.test w@seven.test < "$T_TMP/long.msg" \
	|| t_fail "sendmail exited $?"
t_relay_start

# --- the 8-bit message bounced, never reached the sink ---------------------------------
t_relay_log_wait 20 'recipient=u@seven\.test'
t_like "$(cat "$T_TMP/relay.log")" \
	'failed .*recipient=u@seven\.test reply="?554 5\.6\.3 message has 8-bit content and the receiving server does not support 8BITMIME' \
	"8-bit content, no 8BITMIME offered: 554 5.6.3 made here"
t_unlike "$(cat "$T_TMP/seven/log")" 'MAIL FROM:<eight@sender\.test>' "the 8-bit message was not sent (no MAIL)"
t_sink_wait 20 "$T_TMP/senders" 1
dsn=$(grep -lx 'delivered eight@sender.test' "$T_TMP/senders"/*.env 2>/dev/null | head -n1)
[ -n "$dsn" ] && t_pass "a DSN reached the sender's sink" || t_fail "a DSN reached the sender's sink" "$(ls "$T_TMP/senders")"
msg=$(tr -d '\r' < "${dsn%.env}.eml" 2>/dev/null)
t_like "$(cat "$dsn" 2>/dev/null)" '^from $' "the DSN has the null sender"
t_like "$msg" '^Final-Recipient: rfc822; u@seven\.test$' "the DSN reports u@seven.test"
t_like "$msg" '^Status: 5\.6\.3$' "Status: 5.6.3 (RFC 3463)"
t_like "$msg" '^Diagnostic-Code: smtp; 554 5\.6\.3 message has 8-bit content' "Diagnostic-Code says why"
t_like "$msg" '^X-Marker: eight$' "the DSN quotes the original"

# --- the 7-bit message went through unchanged -------------------------------------------
t_wait_for 10 eval 'seven=$(grep -lx "delivered v@seven.test" "$T_TMP"/seven/*.env 2>/dev/null)'
t_file_is "${seven%.env}.eml" "$T_TMP/seven.msg" "a 7-bit message still goes through, byte for byte"
t_unlike "$(cat "$seven" 2>/dev/null)" 'BODY=' "no BODY= parameter to a server without 8BITMIME"

# --- long lines split, content intact ----------------------------------------------------
t_wait_for 20 eval 'long=$(grep -lx "delivered w@seven.test" "$T_TMP"/seven/*.env 2>/dev/null)'
[ -n "$long" ] && t_pass "the long-line message was delivered" || t_fail "the long-line message was delivered"
eml=${long%.env}.eml
t_is "$(LC_ALL=C awk '{ if (length($0) > 999) n++ } END { print n + 0 }' "$eml" 2>/dev/null || echo none)" 0 \
	"every line is at most 1000 octets with its CRLF"
t_is "$(grep -c '^X-Long: ' "$eml" 2>/dev/null)" 1 "the long header is still one field"
t_is "$(grep -c '^ ' "$eml" 2>/dev/null)" 3 "folded into 3 continuation lines"
t_like "$(grep -n '' "$eml" | sed -n 's/\r$//; /^[0-9]*:\.[0-9]/p')" '^[0-9]+:\.9012' \
	"the dot at a continuation's start survived (stuffed on the wire)"
"$T_PY" - "$eml" "$T_TMP/long.msg" > "$T_TMP/join.out" <<'PY'
import sys
got = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read().replace(b"\n", b"\r\n")
lines = got.split(b"\r\n")
out, in_header, prev = [], True, 0
for l in lines:
    # a line of 998 octets was split: the header's continuation starts
    # with the SP the relay added
    if prev == 998 and in_header and l.startswith(b" "):
        out[-1] += l[1:]
    elif prev == 998 and not in_header:
        out[-1] += l
    else:
        if in_header and l == b"":
            in_header = False
        out.append(l)
    prev = len(l)
print("same" if b"\r\n".join(out) == want else "different")
PY
t_is "$(cat "$T_TMP/join.out")" same "the content is the same once the inserted breaks are removed"
t_relay_stop
