#!/usr/bin/env bash
# smtpd's recipient checks (smtpd(8) RECIPIENTS, tern.conf(5) recipients and
# aliases, newmap(8)) end to end: unknown recipients of an accepted domain
# refused at RCPT with 550 5.1.1, aliases expanded into the queued envelope
# (local and remote targets, each address once), alias loops refused as
# temporary, a missing database failing closed with 451 4.3.0, databases
# written by newmap readable by tinycdb's cdb(1) and the other way round.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject map/newmap systemd-socket-activate cdb
t_instance --accept example.test --accept other.test \
	--recipients example.test=alice,bob,postmaster --recipients other.test=any \
	--alias 'info@example.test=alice@example.test,bob@example.test,x@remote.test' \
	--alias 'staff@example.test=info@example.test,alice@example.test' \
	--alias 'loop1@example.test=loop2@example.test' --alias 'loop2@example.test=loop1@example.test' \
	--alias 'bad@example.test=alice@example.test,nobody@example.test'
etc=$TERN_CONFDIR
port=$(t_free_port)
t_start_smtpd_sa 127.0.0.1 "$port"

rcpt() {	# rcpt ADDRESS: the reply to RCPT TO:<ADDRESS> in a fresh transaction
	t_smtp_chat 127.0.0.1 "$port" 'HELO client.test' 'MAIL FROM:<s@client.test>' \
		"RCPT TO:<$1>" QUIT | sed -n '4p' | tr -d '\r'
}

t_like "$(rcpt alice@example.test)" '^250 2\.1\.5 ' "a listed recipient: 250"
t_like "$(rcpt ALICE@Example.Test)" '^250 2\.1\.5 ' "lookups ignore case"
t_like "$(rcpt mallory@example.test)" '^550 5\.1\.1 ' "an unknown recipient: 550 5.1.1 at RCPT"
t_like "$(rcpt whoever@other.test)" '^250 ' "a domain listed as 'any' takes every local part"
t_like "$(rcpt postmaster)" '^250 ' "<postmaster> (postmaster@hostname, not a map's domain): 250"
t_like "$(rcpt someone@remote.test)" '^550 5\.7\.1 ' "a remote domain is still no relay"
t_like "$(rcpt loop1@example.test)" '^451 4\.4\.6 Error: alias loop' "an alias loop: 451 4.4.6"
t_like "$(rcpt bad@example.test)" '^550 5\.1\.1 ' "an alias to an unknown local address: 550 5.1.1"
t_like "$(grep 'recipient refused' "$T_TMP/smtpd-sa-$port.log")" 'mallory@example\.test' \
	"the refusal is logged with the recipient"

# VRFY and EXPN disclose nothing, as without maps.
out=$(t_smtp_chat 127.0.0.1 "$port" 'EHLO c' 'VRFY info@example.test' 'EXPN info@example.test' QUIT)
t_is "$(t_codes "$out")" "220 250 252 502 221" "VRFY 252, EXPN 502"

# Aliases expand into the envelope: each final address once.
printf 'Subject: aliases\r\n\r\nhi\r\n.\r\n' > "$T_TMP/data"
out=$(t_smtp_chat 127.0.0.1 "$port" 'EHLO c' 'MAIL FROM:<s@client.test>' \
	'RCPT TO:<staff@example.test>' 'RCPT TO:<bob@example.test>' 'DATA' "@$T_TMP/data" QUIT)
t_is "$(t_codes "$out")" "220 250 250 250 250 354 250 221" "a message to an alias and a member"
id=$(t_queue_ids | tail -n 1)
t_is "$(t_queue_envelope "$id" | grep '^T')" "Talice@example.test
Tbob@example.test
Tx@remote.test" "queued for the expanded addresses (alias of an alias, remote target), each once"

# Databases: newmap's output is what tinycdb reads, and the other way round.
t_is "$(cdb -q "$etc/aliases.cdb" info@example.test | tr '\0' ' ')" \
	"alice@example.test bob@example.test x@remote.test " "tinycdb reads newmap's database"
for k in carol@example.test @other.test; do printf '+%d,0:%s->\n' "${#k}" "$k"; done > "$T_TMP/cdbmake"
echo >> "$T_TMP/cdbmake"	# cdbmake input (cdb(1)): +KLEN,DLEN:KEY->DATA lines, a blank line
cdb -c "$etc/recipients.cdb" < "$T_TMP/cdbmake"
t_like "$(rcpt carol@example.test)" '^250 ' "smtpd reads tinycdb's database"
t_like "$(rcpt alice@example.test)" '^550 5\.1\.1 ' "... all of it: alice is not in that one"
rm -f "$etc/recipients.cdb"
t_like "$(rcpt alice@example.test)" '^451 4\.3\.0 ' "missing database: 451 4.3.0 (fail closed)"
t_like "$(rcpt anyone@other.test)" '^451 4\.3\.0 ' "... for every domain"
newmap "$etc/recipients" > "$T_TMP/newmap.out"
t_is "$(cat "$T_TMP/newmap.out")" "newmap: $etc/recipients.cdb: 4 keys" "newmap rebuilds it"
t_like "$(rcpt alice@example.test)" '^250 ' "... and mail is accepted again"
printf 'alice@example.test\nnot an address\n' > "$T_TMP/broken"
newmap "$T_TMP/broken" > /dev/null 2> "$T_TMP/newmap.err"
t_is "$?" 111 "newmap: a bad source exits 111"
t_like "$(cat "$T_TMP/newmap.err")" "broken:2: 'not': not an address" "... naming file, line and word"
t_ok "... and writes no database" test ! -e "$T_TMP/broken.cdb"

# max-recipients bounds the expanded envelope: an alias past it adds nothing.
t_instance --accept example.test --set 'max-recipients 2' \
	--alias 'info@example.test=a@example.test,b@example.test,c@example.test' \
	--alias 'two@example.test=a@example.test,b@example.test'
port=$(t_free_port)
t_start_smtpd_sa 127.0.0.1 "$port"
out=$(t_smtp_chat 127.0.0.1 "$port" 'HELO c' 'MAIL FROM:<s@client.test>' 'RCPT TO:<info@example.test>' \
	'RCPT TO:<two@example.test>' 'RCPT TO:<x@example.test>' QUIT)
t_is "$(t_codes "$out")" "220 250 250 452 250 452 221" \
	"max-recipients 2: an alias of three gets 452, one of two fits, then no more"
