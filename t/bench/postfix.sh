# t/bench/postfix.sh - a private Postfix instance for the benchmarks (bash;
# source it after t/lib.sh, inside t_netns). Never touches /etc/postfix or
# /var/spool/postfix: the configuration is a copy under $T_TMP/pf/etc, the
# queue $T_TMP/pf/spool, and everything runs chroot-free.
#
#	b_postfix_setup PORT     write the instance (smtpd on 127.0.0.1:PORT,
#	                         relay_domains example.test) and start it; every
#	                         accepted message is committed to hold/ (HOLD at
#	                         end of data), so it stays queued and the queue
#	                         manager does no work during the measurement
#	b_postfix_count          print how many messages its queue holds
#	                         (incoming, active, deferred, hold)
#	b_postfix_stop           postfix stop (also done at exit; the pid
#	                         namespace of t_netns would kill it anyway)
#
# Variables: B_PF (instance dir), B_PF_ETC, B_PF_SPOOL.
#
# Durability differs: Postfix's cleanup fsyncs the queue file but not the
# directory it is renamed into; tern's inject fsyncs both (queue(5)).

b_postfix_setup() {
	local port=$1
	B_PF=$T_TMP/pf B_PF_ETC=$T_TMP/pf/etc B_PF_SPOOL=$T_TMP/pf/spool
	mkdir -p "$B_PF_ETC" "$B_PF_SPOOL" "$B_PF/data"
	cp -a /etc/postfix/. "$B_PF_ETC/"
	rm -f "$B_PF_ETC/makedefs.out"
	chown postfix "$B_PF/data"
	rm -f "$B_PF_ETC/main.cf"
	touch "$B_PF_ETC/main.cf"
	local pc=(postconf -c "$B_PF_ETC")
	"${pc[@]}" -e \
		"compatibility_level = 3.6" \
		"queue_directory = $B_PF_SPOOL" \
		"data_directory = $B_PF/data" \
		"myhostname = mx.example.test" \
		"mydestination =" \
		"relay_domains = example.test" \
		"mynetworks = 127.0.0.0/8" \
		"inet_interfaces = 127.0.0.1" \
		"inet_protocols = ipv4" \
		"alias_maps =" "alias_database =" \
		"smtpd_peername_lookup = no" \
		"smtp_dns_support_level = disabled" \
		"smtpd_relay_restrictions = permit_mynetworks reject_unauth_destination" \
		"maillog_file = $B_PF/maillog" "maillog_file_prefixes = $B_PF" \
		"biff = no" \
		"relayhost =" \
		"default_process_limit = 100" \
		"smtpd_end_of_data_restrictions = check_client_access static:HOLD" \
		|| t_bail "postconf -e failed"
	# chroot off everywhere (no copies of /etc in the spool); smtpd on PORT
	"${pc[@]}" -F '*/*/chroot = n' || t_bail "postconf -F failed"
	"${pc[@]}" -M# smtp/inet
	"${pc[@]}" -Me "127.0.0.1:$port/inet = 127.0.0.1:$port inet n - n - - smtpd" \
		|| t_bail "postconf -M failed"
	postfix -c "$B_PF_ETC" check 2>&1 | grep -v '^$' | sed 's/^/# postfix check: /'
	postfix -c "$B_PF_ETC" start 2>&1 | sed 's/^/# /'
	t_wait_port 127.0.0.1 "$port" || t_bail "postfix did not listen on 127.0.0.1:$port; $(tail -n 5 "$B_PF/maillog" 2>/dev/null)"
	B_PF_STARTED=1
	trap 'b_exit_rc=$?; b_postfix_stop; (exit $b_exit_rc); t_cleanup' EXIT
}

b_postfix_count() {
	find "$B_PF_SPOOL/incoming" "$B_PF_SPOOL/active" "$B_PF_SPOOL/deferred" \
		"$B_PF_SPOOL/hold" -type f 2>/dev/null | wc -l
}

b_postfix_stop() {
	[ -n "${B_PF_STARTED:-}" ] || return 0
	postfix -c "$B_PF_ETC" stop >/dev/null 2>&1
	B_PF_STARTED=
}
