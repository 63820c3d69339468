#!/usr/bin/env bash
# SMTP smuggling (smtpd(8), CVE-2023-51764..51766) end to end: only
# <CR><LF>.<CR><LF> ends DATA. For each fake end of data (\n.\n, \n.\r\n,
# \r\n.\n, \r.\r) followed by a smuggled second transaction, at most one
# message is queued, with the smuggled text inside it (or the whole message
# is refused), never a second message. Bare LF line ends are normalised to
# CRLF in the queue; nothing is queued with a bare LF or bare CR.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject systemd-socket-activate
t_instance
port=2525
t_start_smtpd_sa 127.0.0.1 $port

# no_bare FILE: succeed if FILE has no LF without CR before it and no CR
# without LF after it (what the relay sends is exactly what is queued).
no_bare() {
	"$T_PY" -c 'import re, sys
d = open(sys.argv[1], "rb").read()
sys.exit(1 if re.search(rb"(?<!\r)\n|\r(?!\n)", d) else 0)' "$1"
}

head=$'EHLO client.test\r\nMAIL FROM:<good@client.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\n'
n=0
for variant in '\n.\n' '\n.\r\n' '\r\n.\n' '\r.\r'; do
	n=$((n + 1))
	fake=$(printf "$variant"; echo x)	# x: $() would drop a trailing LF
	fake=${fake%x}
	before=$(t_queue_count)
	body="Subject: smuggle $n"$'\r\n\r\nhello'"$fake"$'MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<other@example.test>\r\nDATA\r\nSubject: smuggled '"$n"$'\r\n\r\nI am smuggled\r\n.\r\nQUIT\r\n'
	out=$(t_smtp_batches 127.0.0.1 $port 4 "$head" 0 "$body")
	codes=$(t_codes "$out")
	after=$(t_queue_count)
	t_ok "variant $variant: at most one message queued (got $((after - before)))" test $((after - before)) -le 1
	# The server must treat everything up to the real CRLF.CRLF as one message:
	# one reply for it (250, or a 5xx refusing it), then 221 for QUIT.
	case $codes in
	"220 250 250 250 354 250 221") verdict=queued ;;
	"220 250 250 250 354 5"[0-9][0-9]" 221") verdict=refused ;;
	*) verdict=bad ;;
	esac
	t_ok "variant $variant: replies are one message then QUIT ($codes)" test $verdict != bad
	if [ $verdict = queued ] && [ $((after - before)) -eq 1 ]; then
		id=$(t_queue_ids | tail -n1)
		t_queue_message "$id" > "$T_TMP/s$n"
		t_like "$(tr -d '\r' < "$T_TMP/s$n")" '^MAIL FROM:<evil@attacker\.test>$' "variant $variant: smuggled MAIL is text inside the one message"
		t_like "$(tr -d '\r' < "$T_TMP/s$n")" '^I am smuggled$' "variant $variant: smuggled body is inside the one message"
		t_is "$(t_queue_envelope "$id" | grep -E '^[FT]')" "Fgood@client.test
Tvictim@example.test" "variant $variant: the envelope is the real one"
		t_ok "variant $variant: queued message has no bare CR or LF" no_bare "$T_TMP/s$n"
	elif [ $verdict = refused ]; then
		t_is "$after" "$before" "variant $variant: refused, nothing queued"
	fi
done

# Bare LF line ends are normalised to CRLF (smtpd(8)); the data still ends
# only at CRLF.CRLF.
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port 4 "$head" 2 $'Subject: lf\n\nline one\nline two\r\nthree\n..dot\r\n..four\r\n.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 250 221" "bare LF lines: accepted"
if [ "$(t_queue_count)" -eq $((before + 1)) ]; then
	t_queue_message "$(t_queue_ids | tail -n1)" > "$T_TMP/lf"
	"$T_PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(d[d.index(b"Subject: lf"):])' "$T_TMP/lf" > "$T_TMP/lf.rest"
	printf 'Subject: lf\r\n\r\nline one\r\nline two\r\nthree\r\n..dot\r\n.four\r\n' > "$T_TMP/lf.want"
	t_file_is "$T_TMP/lf.rest" "$T_TMP/lf.want" \
		"bare LF lines: queued with CRLF; the dots after a bare LF kept, after CRLF unstuffed"
	t_ok "bare LF lines: no bare LF in the queue" no_bare "$T_TMP/lf"
else
	t_fail "bare LF lines: one message queued"
fi

# A bare CR inside a line (RFC 5321 §2.3.8): smtpd(8) refuses the whole
# message with 550 5.6.0 after reading to the end of the data; nothing queued.
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port 4 "$head" 2 $'Subject: cr\r\n\r\nbefore\rafter\r\n.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 550 221" "bare CR: one refusal for the message, then QUIT works"
t_like "$out" $'^550 5\\.6\\.0 ' "bare CR: 550 5.6.0 (smtpd(8))"
t_is "$(t_queue_count)" "$before" "bare CR: nothing queued"

# "\r\n.\r\n" split across two TCP writes still ends the data; ".\r\n" at the
# start of the data (an empty message) too.
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port 4 "$head" 0 $'Subject: split\r\n\r\nx\r' 0 $'\n.' 2 $'\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 250 221" "end of data split across writes"
t_is "$(t_queue_count)" $((before + 1)) "split end of data: one message"
