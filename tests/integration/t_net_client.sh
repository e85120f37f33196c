#!/bin/sh
# The client-side network stack against real peers on loopback: openssl s_server (good
# chain, unknown CA, wrong host name, expired, static-RSA CBC only), nginx (HTTP/1.1 origin over HTTP and
# HTTPS: chunked bodies, keep-alive reuse counted with $connection, redirects, HEAD,
# POST), a Python CONNECT proxy (HTTPS tunnel, absolute-form HTTP, proxy credentials,
# NO_PROXY bypass), a Python server that drops stale keep-alive connections, and a
# Python WebSocket echo server (ws and wss). A throw-away CA (root + intermediate) is
# made here with openssl. The assertions live in tests/unit/test_net_client.c
# (net_it_*), run with the peers' ports in the environment, in the static musl build
# and in the ASan+UBSan build.
set -u
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

ROOT=${FA2_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
B="$ROOT/${BUILD:-build}"
UNIT="$B/fa2-unit"
UNIT_ASAN="$B/asan/fa2-unit"
D=${FA2_TMP:-$(mktemp -d)}
[ -x "$UNIT" ] || skip "no $UNIT (make unit)"
command -v openssl >/dev/null || skip "openssl not installed"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip "nginx not installed"
command -v python3 >/dev/null || skip "python3 not installed"

PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# wait_port PORT: until something accepts on 127.0.0.1:PORT (5 s).
wait_port() {
	python3 - "$1" <<'EOF' || fail "nothing listens on port $1"
import socket, sys, time
end = time.time() + 5
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}
# wait_file PATH: until a peer wrote its port file (5 s).
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$1" ] || fail "peer did not start ($1)"
}

# ---- throw-away PKI --------------------------------------------------------------
cd "$D" || exit 1
cat > ext.cnf <<'EOF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[inter]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf]
subjectAltName=DNS:localhost,IP:127.0.0.1
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
[wrong]
subjectAltName=DNS:wrong.example
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
EOF
cat > ca.cnf <<'EOF'
[ca]
default_ca=x
[x]
dir=.
database=index.txt
serial=serial
new_certs_dir=.
default_md=sha256
policy=p
unique_subject=no
[p]
commonName=supplied
EOF
: > index.txt
echo 1000 > serial
ossl() { openssl "$@" >>pki.log 2>&1 || fail "openssl $1 failed: $(tail -n 3 pki.log)"; }
ossl req -x509 -newkey rsa:2048 -nodes -keyout root.key -subj "/CN=fa2 test root" -days 2 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out root.pem
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout inter.key -subj "/CN=fa2 test intermediate" -out inter.csr
ossl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 -days 2 -extfile ext.cnf -extensions inter -out inter.pem
# Leaves: EC (s_server) and RSA (nginx, WebSocket), both signed by the intermediate.
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -subj "/CN=localhost" -out ec.csr
ossl x509 -req -in ec.csr -CA inter.pem -CAkey inter.key -set_serial 3 -days 2 -extfile ext.cnf -extensions leaf -out ec.pem
ossl req -newkey rsa:2048 -nodes -keyout rsa.key -subj "/CN=localhost" -out rsa.csr
ossl x509 -req -in rsa.csr -CA inter.pem -CAkey inter.key -set_serial 4 -days 2 -extfile ext.cnf -extensions leaf -out rsa.pem
cat rsa.pem inter.pem > rsa-chain.pem
# Wrong host name.
ossl x509 -req -in ec.csr -CA inter.pem -CAkey inter.key -set_serial 5 -days 2 -extfile ext.cnf -extensions wrong -out wrong.pem
# Expired (valid for a day in 2020).
ossl ca -batch -config ca.cnf -cert inter.pem -keyfile inter.key -in ec.csr -startdate 20200101000000Z \
	-enddate 20200102000000Z -extfile ext.cnf -extensions leaf -notext -out expired.pem
# Another CA nobody trusts.
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -subj "/CN=other root" -days 2 -out other.pem
ossl x509 -req -in ec.csr -CA other.pem -CAkey other.key -set_serial 6 -days 2 -extfile ext.cnf -extensions leaf -out untrusted.pem
export FA2_IT_CA="$D/root.pem"

# ---- openssl s_server ---------------------------------------------------------------
s_server() { # VAR CERT [CHAIN-ARGS]
	port=$(free_port)
	v=$1 c=$2
	shift 2
	openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c" -key ec.key \
		"$@" >"s_server-$v.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "export $v=$port"
	wait_port "$port"
}
s_server FA2_IT_TLS_GOOD ec.pem -cert_chain inter.pem
s_server FA2_IT_TLS_UNTRUSTED untrusted.pem
s_server FA2_IT_TLS_WRONGNAME wrong.pem -cert_chain inter.pem
s_server FA2_IT_TLS_EXPIRED expired.pem -cert_chain inter.pem
# Static-RSA key exchange with CBC and SHA-1 only (AES128-SHA): the client refuses it.
# openssl's own client proves first that this peer does complete a handshake on it.
CBC=$(free_port)
openssl s_server -quiet -www -accept "127.0.0.1:$CBC" -cert rsa.pem -cert_chain inter.pem -key rsa.key \
	-cipher AES128-SHA -no_tls1_3 >s_server-cbc.log 2>&1 &
PIDS="$PIDS $!"
wait_port "$CBC"
echo | openssl s_client -connect "127.0.0.1:$CBC" -cipher AES128-SHA -no_tls1_3 2>&1 |
	grep -q "Cipher is AES128-SHA" || fail "s_server with only AES128-SHA does not complete a handshake"
export FA2_IT_TLS_CBC=$CBC

# ---- nginx ----------------------------------------------------------------------------
mkdir -p www tmp
python3 - <<'EOF'
lines = ["line %06d AAAA %s\n" % (i, "x" * (i % 50)) for i in range(8000)]
body = "".join(lines)
open("www/big.txt", "w").write(body)
open("big.expected", "w").write(body.replace("AAAA", "BB"))
EOF
export FA2_IT_CHUNKED_EXPECT="$D/big.expected"
HP=$(free_port)
SP=$(free_port)
V6=""
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	V6="listen [::1]:$HP;"
	export FA2_IT_NGINX_V6=1
fi
cat > nginx.conf <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/nginx-error.log info;
events { worker_connections 128; }
http {
	access_log $D/nginx-access.log;
	client_body_temp_path $D/tmp/body;
	proxy_temp_path $D/tmp/proxy;
	fastcgi_temp_path $D/tmp/fastcgi;
	uwsgi_temp_path $D/tmp/uwsgi;
	scgi_temp_path $D/tmp/scgi;
	default_type text/plain;
	keepalive_timeout 30;
	server {
		listen 127.0.0.1:$HP;
		$V6
		listen 127.0.0.1:$SP ssl;
		ssl_certificate $D/rsa-chain.pem;
		ssl_certificate_key $D/rsa.key;
		root $D/www;
		add_header X-Conn \$connection always;
		add_header X-Conn-Requests \$connection_requests always;
		add_header X-Addr \$remote_addr always;
		location = /ka { return 200 "ka\n"; }
		location = /redirect { return 302 /ka; }
		location = /echo { return 200 "len=\$content_length x-test=\$http_x_test\n"; }
		location /chunked/ {
			alias $D/www/;
			sub_filter_types *;
			sub_filter 'AAAA' 'BB';
			sub_filter_once off;
		}
		location /plain/ { alias $D/www/; }
	}
}
EOF
"$NGINX" -p "$D" -c "$D/nginx.conf" >nginx.out 2>&1 &
PIDS="$PIDS $!"
wait_port "$HP"
wait_port "$SP"
export FA2_IT_NGINX_HTTP=$HP FA2_IT_NGINX_HTTPS=$SP

# ---- Python peers ---------------------------------------------------------------------
PEERS="$ROOT/tests/integration/net_peers.py"
python3 "$PEERS" proxy proxy.port "$D/proxy.log" >proxy.out 2>&1 &
PIDS="$PIDS $!"
python3 "$PEERS" stale stale.port >stale.out 2>&1 &
PIDS="$PIDS $!"
python3 "$PEERS" ws ws.port rsa-chain.pem rsa.key >ws.out 2>&1 &
PIDS="$PIDS $!"
wait_file proxy.port
wait_file stale.port
wait_file ws.port
export FA2_IT_PROXY=$(cat proxy.port) FA2_IT_PROXY_LOG="$D/proxy.log"
export FA2_IT_STALE=$(cat stale.port)
export FA2_IT_WS=$(cut -d' ' -f1 ws.port) FA2_IT_WSS=$(cut -d' ' -f2 ws.port)

# ---- run --------------------------------------------------------------------------------
rc=0
# The aarch64 build (static glibc) under qemu too, when present: it resolves
# "localhost" through glibc's built-in files/dns NSS modules.
UNIT_A64=""
if command -v qemu-aarch64-static >/dev/null && [ -x "$B/aarch64/fa2-unit" ]; then
	printf '#!/bin/sh\nexec qemu-aarch64-static "%s" "$@"\n' "$B/aarch64/fa2-unit" > a64-unit
	chmod +x a64-unit
	UNIT_A64="$D/a64-unit"
fi
for u in "$UNIT" "$UNIT_ASAN" $UNIT_A64; do
	[ -x "$u" ] || continue
	: > proxy.log
	echo "== $u net_it_"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$u" net_it_ > unit.out 2>&1
	r=$?
	cat unit.out
	[ $r -eq 0 ] || rc=1
	grep -q "^SKIP" unit.out && { echo "an integration unit test skipped"; rc=1; }
	grep -q " passed, 0 failed" unit.out || rc=1
	# The process-wide CA bundle from each environment variable (one process each:
	# the global anchors are loaded once per process).
	for spec in "AWS_CA_BUNDLE=$D/root.pem:$D/root.pem" "SSL_CERT_FILE=$D/root.pem:$D/root.pem" \
	            "AWS_CA_BUNDLE=$D/nonexistent.pem:missing"; do
		var=${spec%%:*} want=${spec#*:}
		echo "== $u net_ca_bundle_it with $var"
		env -u AWS_CA_BUNDLE -u SSL_CERT_FILE "$var" FA2_IT_EXPECT_BUNDLE="$want" \
			ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$u" net_ca_bundle_it > unit.out 2>&1
		r=$?
		cat unit.out
		[ $r -eq 0 ] && grep -q "^ok   net_ca_bundle_it" unit.out || rc=1
	done
done
[ $rc -eq 0 ] || {
	for f in nginx-error.log proxy.out stale.out ws.out s_server-*.log; do
		echo "--- $f"; tail -n 15 "$f"
	done
	fail "net_it_ unit tests failed"
}
# nginx saw the keep-alive reuse too: requests on connection > 1 in the access log
# come from the pool (checked per request above); here we only check nginx served.
[ -s nginx-access.log ] || fail "nginx access log empty"
echo "net client ok"
