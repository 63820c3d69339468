# t/tls.sh - certificates for the TLS tests, made at test time with the
# openssl CLI (bash; source it after t/lib.sh).
#
#	t_tls_ca DIR NAME                 a CA: DIR/NAME.pem, DIR/NAME.key
#	t_tls_cert DIR NAME CA HOST...    a certificate for the HOSTs (SAN DNS
#	                                  names) signed by CA (a t_tls_ca NAME;
#	                                  "self": self-signed): DIR/NAME.pem
#	                                  (certificate then CA), DIR/NAME.key
#
# Keys are ECDSA P-256 (fast to make); certificates are valid for two days.

t_tls_ca() {
	local dir=$1 name=$2
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$dir/$name.key" -out "$dir/$name.pem" -subj "/CN=tern test CA $name" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null \
		|| t_bail "openssl: cannot make CA $name"
}

t_tls_cert() {
	local dir=$1 name=$2 ca=$3 san h; shift 3
	san=
	for h in "$@"; do san="${san:+$san,}DNS:$h"; done
	if [ "$ca" = self ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-keyout "$dir/$name.key" -out "$dir/$name.pem" -subj "/CN=$1" \
			-addext "subjectAltName=$san" 2>/dev/null \
			|| t_bail "openssl: cannot make certificate $name"
		return
	fi
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$1" 2>/dev/null \
		|| t_bail "openssl: cannot make request $name"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" > "$dir/$name.ext"
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" -CAkey "$dir/$ca.key" \
		-CAcreateserial -days 2 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null \
		|| t_bail "openssl: cannot sign certificate $name"
	cat "$dir/$name.crt" "$dir/$ca.pem" > "$dir/$name.pem"
}
