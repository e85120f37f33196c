#!/bin/sh
# fa2 serve /healthz vs nginx (worker_processes 1, a static file of the same size) with
# wrk, over HTTP and HTTPS, at 1 and ~1000 keep-alive connections, in one run.
# Each server is pinned to CPU 0 and wrk to CPU 1 when the machine has two or more.
# Prints requests/s, p99 latency and the fa2/nginx ratio. Never asserts timings.
# Environment: FA2 (binary, default build/fa2), BENCH_SECONDS (default 5),
# BENCH_CONNS (default "1 1000"), BENCH_PROTOS (default "http https").
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FA2=${FA2:-$ROOT/${BUILD:-build}/fa2}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-1 1000}
PROTOS=${BENCH_PROTOS:-http https}

for t in wrk nginx openssl; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/serve.sh: $t not installed (tools/setup-deps.sh test)"; exit 0; }
done
[ -x "$FA2" ] || { echo "bench/serve.sh: $FA2 not built (make)"; exit 1; }

# Descriptors for 1000 connections on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "open-file limit: $(ulimit -n)"

T=$(mktemp -d "${TMPDIR:-/tmp}/fa2-bench-serve-XXXXXX")
FA2_PID="" FA2S_PID="" NGINX_PID=""
cleanup() {
	for p in $FA2_PID $FA2S_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	[ -n "${BENCH_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT INT TERM

PIN_SRV="" PIN_WRK=""
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	PIN_SRV="taskset -c 0" PIN_WRK="taskset -c 1"
fi

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
	i=0
	while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),timeout=1)" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "bench: nothing listens on $1"; exit 1; }
		sleep 0.05
	done
}

# A throw-away certificate (EC P-256, what both servers prefer).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" \
	-out "$T/cert.pem" -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	2>/dev/null

FA2_HTTP=$(free_port) FA2_HTTPS=$(free_port) NG_HTTP=$(free_port) NG_HTTPS=$(free_port)

$PIN_SRV "$FA2" --log-level warn serve --listen "127.0.0.1:$FA2_HTTP" > "$T/fa2.log" 2>&1 &
FA2_PID=$!
$PIN_SRV "$FA2" --log-level warn serve --listen "127.0.0.1:$FA2_HTTPS" --tls-cert "$T/cert.pem" \
	--tls-key "$T/key.pem" > "$T/fa2s.log" 2>&1 &
FA2S_PID=$!

# nginx: same body size as fa2's /healthz answer, one worker, no logs.
mkdir -p "$T/nginx/html" "$T/nginx/logs"
chmod 755 "$T" "$T/nginx" "$T/nginx/html"  # nginx workers run as an unprivileged user
printf '{"status":"ok","version":"0.0.0","uptime_s":0}\n' > "$T/nginx/html/healthz"
chmod 644 "$T/nginx/html/healthz"
cat > "$T/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	default_type application/json;
	keepalive_requests 1000000;
	client_body_temp_path $T/nginx/tmp_body;
	proxy_temp_path $T/nginx/tmp_proxy;
	fastcgi_temp_path $T/nginx/tmp_fcgi;
	uwsgi_temp_path $T/nginx/tmp_uwsgi;
	scgi_temp_path $T/nginx/tmp_scgi;
	server {
		listen 127.0.0.1:$NG_HTTP;
		listen 127.0.0.1:$NG_HTTPS ssl;
		ssl_certificate $T/cert.pem;
		ssl_certificate_key $T/key.pem;
		ssl_protocols TLSv1.2;
		root $T/nginx/html;
		location = /healthz { }
	}
}
EOF
$PIN_SRV nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" > "$T/nginx.out" 2>&1 &
NGINX_PID=$!
for p in $FA2_HTTP $FA2_HTTPS $NG_HTTP $NG_HTTPS; do wait_port "$p"; done

# run NAME URL CONNS: prints "rps p99_ms" (p99 from wrk --latency).
run() {
	c=$3
	th=1
	[ "$c" -ge 100 ] && th=2
	out=$($PIN_WRK wrk -t"$th" -c"$c" -d"${SECS}s" --timeout 10s --latency "$2" 2>&1) || { echo "0 0"; return; }
	echo "$out" > "$T/wrk-$1-$c.txt"
	echo "$out" | awk '
		/Requests\/sec:/ { rps = $2 }
		/^ +99%/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		           if (u == "us") v = v / 1000; else if (u == "s") v = v * 1000; p99 = v }
		/Non-2xx|Socket errors/ { err = err " " $0 }
		END { printf "%s %s%s\n", rps, p99, (err != "" ? " ERR" : "") }'
}

printf '\n%-6s %6s  %14s %10s  %14s %10s  %7s\n' proto conns "fa2 req/s" "fa2 p99" "nginx req/s" "nginx p99" "ratio"
for proto in $PROTOS; do
	for c in $CONNS; do
		if [ "$proto" = http ]; then
			fu="http://127.0.0.1:$FA2_HTTP/healthz" nu="http://127.0.0.1:$NG_HTTP/healthz"
		else
			fu="https://127.0.0.1:$FA2_HTTPS/healthz" nu="https://127.0.0.1:$NG_HTTPS/healthz"
		fi
		set -- $(run "fa2-$proto" "$fu" "$c")
		f_rps=$1 f_p99=$2 f_err=${3:-}
		set -- $(run "nginx-$proto" "$nu" "$c")
		n_rps=$1 n_p99=$2 n_err=${3:-}
		ratio=$(awk -v a="$f_rps" -v b="$n_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		printf '%-6s %6s  %14s %8sms  %14s %8sms  %7s %s%s\n' "$proto" "$c" "$f_rps" "$f_p99" "$n_rps" \
			"$n_p99" "$ratio" "${f_err:+fa2:errors }" "${n_err:+nginx:errors}"
	done
done
echo
echo "(wrk ${SECS}s per run; servers pinned: ${PIN_SRV:-no};"
echo " fa2 single thread, nginx worker_processes 1; both over loopback)"
