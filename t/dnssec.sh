# t/dnssec.sh - real DNSSEC on loopback for the DANE tests (bash; source it
# after t/lib.sh): zones signed with ldns-keygen/ldns-signzone, served by
# nsd (authoritative), validated by unbound (the relay's dnssec-resolver).
#
#	t_zone_sign DIR ZONE FILE     sign FILE (zone ZONE) with a new KSK and
#	                              ZSK (ECDSA P-256): FILE.signed, and the
#	                              KSK's DS in DIR/ZONE.ds (the trust anchor)
#	t_start_nsd DIR ADDR ZONE=FILE...   nsd on ADDR:53 serving each ZONE
#	                              from FILE; log DIR/nsd.log
#	t_start_unbound DIR ADDR NSADDR ANCHOR ZONE...   unbound on ADDR:53,
#	                              validating with the trust anchors in the
#	                              file ANCHOR, each ZONE a stub zone at
#	                              NSADDR; nothing else is reachable (the
#	                              test's network is loopback only); log
#	                              DIR/unbound.log
#
# Both run in the foreground under t_bg (killed at exit), as the user the
# test runs as (no privilege drop, no chroot).

t_zone_sign() {
	local dir=$1 zone=$2 file=$3 ksk zsk
	ksk=$(cd "$dir" && ldns-keygen -a ECDSAP256SHA256 -k "$zone") || t_bail "ldns-keygen failed"
	zsk=$(cd "$dir" && ldns-keygen -a ECDSAP256SHA256 "$zone") || t_bail "ldns-keygen failed"
	(cd "$dir" && ldns-signzone -f "$file.signed" -o "$zone" "$file" "$ksk" "$zsk") \
		|| t_bail "ldns-signzone $zone failed"
	cp "$dir/$ksk.ds" "$dir/$zone.ds"
}

t_start_nsd() {
	local dir=$1 addr=$2 z i; shift 2
	{
		echo "server:"
		echo "  ip-address: $addr"
		echo "  port: 53"
		echo '  username: ""'
		echo '  chroot: ""'
		echo '  database: ""'
		echo "  zonesdir: \"$dir\""
		echo "  pidfile: \"$dir/nsd.pid\""
		echo "  xfrdfile: \"$dir/nsd-xfrd.state\""
		echo "  zonelistfile: \"$dir/nsd-zone.list\""
		echo "  logfile: \"$dir/nsd.log\""
		echo "remote-control:"
		echo "  control-enable: no"
		for z in "$@"; do
			echo "zone:"
			echo "  name: ${z%%=*}"
			echo "  zonefile: \"${z#*=}\""
		done
	} > "$dir/nsd.conf"
	t_bg nsd nsd -d -c "$dir/nsd.conf"
	for ((i = 0; i < 200; i++)); do
		ss -Hlun 2>/dev/null | awk '{print $4}' | grep -qxF -- "$addr:53" && return 0
		sleep 0.05
	done
	t_bail "nsd did not listen on $addr:53"
}

t_start_unbound() {
	local dir=$1 addr=$2 ns=$3 anchor=$4 z i; shift 4
	{
		echo "server:"
		echo "  interface: $addr"
		echo "  port: 53"
		echo '  username: ""'
		echo '  chroot: ""'
		echo "  directory: \"$dir\""
		echo "  pidfile: \"$dir/unbound.pid\""
		echo "  do-daemonize: no"
		echo "  use-syslog: no"
		echo "  logfile: \"$dir/unbound.log\""
		echo "  do-not-query-localhost: no"
		echo "  access-control: 127.0.0.0/8 allow"
		echo '  module-config: "validator iterator"'
		echo "  trust-anchor-file: \"$anchor\""
		echo '  local-zone: "test." nodefault'	# RFC 6761 zones are blocked by default
		for z in "$@"; do
			echo "stub-zone:"
			echo "  name: \"$z\""
			echo "  stub-addr: $ns"
		done
		echo "remote-control:"
		echo "  control-enable: no"
	} > "$dir/unbound.conf"
	t_bg unbound unbound -d -c "$dir/unbound.conf"
	for ((i = 0; i < 200; i++)); do
		ss -Hlun 2>/dev/null | awk '{print $4}' | grep -qxF -- "$addr:53" && return 0
		sleep 0.05
	done
	t_bail "unbound did not listen on $addr:53"
}
