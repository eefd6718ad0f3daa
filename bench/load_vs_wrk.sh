#!/usr/bin/env bash
# The load generator's benchmark (docs/performance.md, "Load generator"): `faaslab load` beside
# wrk, in the same run, against the server a user points them at.
#
#   bench/load_vs_wrk.sh [BUILD_DIR]   (default build/; env: ROUNDS=5 DURATION=5
#                                      PARTS="1 2 3 4 5" CASES="default keepalive close
#                                      client-close c64 target")
#
# 1. Requests/s, wrk 4.1 against `faaslab load` with full recording (--records, --jtl,
#    --summary, --histogram), the same POST, connections, threads and duration, in pairs whose
#    order alternates (wrk faaslab, faaslab wrk, ...) so a drift in the machine's speed hits
#    both alike; per case the pairs' ratios and their median. The cases:
#      default       nginx, one worker, Debian's settings (worker_connections 768,
#                    keepalive_requests 1000: it closes a connection after 1,000 requests),
#                    16 connections, 1 thread
#      keepalive     the same with keepalive_requests 100000
#      close         nginx sends Connection: close on every response (keepalive_timeout 0)
#      client-close  the client asks for it: wrk -H 'Connection: close', faaslab
#                    --new-connection, against the keepalive nginx
#      c64           keepalive nginx, 64 connections, 2 threads
#      target        bench/load_target, faaslab's own one-thread server (a second case only: a
#                    server that is the bottleneck for both says little about the client)
#      norecord      the keepalive case with faaslab recording nothing but its summary (not in
#                    the default CASES): what the per-request files cost
# 2. Instructions per request of both tools (valgrind --tool=callgrind, repeatable on a busy
#    machine): two runs of different length each, against the keepalive nginx; the difference
#    in instructions over the difference in requests, so start-up cancels out.
# 3. The open model at a high rate: half the saturation rate wrk measured against the keepalive
#    nginx (the median of part 1's keepalive rounds, or a fresh wrk run), as `--rate`, for
#    DURATION: the rate delivered against the rate asked, and the p99 from intended send times.
# 4. Memory: faaslab load's peak RSS for DURATION and for 10 x DURATION, and its RSS sampled
#    every second of the long run (flat = no growth with run length).
# 5. Scale: 10,000 closed-model users, exponential think time of mean 2 s, for 30 s against
#    load_target: achieved rate against N / (R + Z), threads and open files while it runs.
#
# Only 127.0.0.1 is contacted; the nginx instances run as this user, from a temporary
# directory, on free loopback ports, and are stopped at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-5}"
PARTS="${PARTS:-1 2 3 4 5}"
CASES="${CASES:-default keepalive close client-close c64 target}"
part() { [[ " $PARTS " == *" $1 "* ]]; }
FAASLAB="$BUILD/bin/faaslab"
TARGET="$BUILD/bin/load_target"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v wrk >/dev/null || { echo "wrk not found (scripts/setup installs it)" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "nginx not found (scripts/setup installs it)" >&2; exit 2; }
[ -x "$FAASLAB" ] && [ -x "$TARGET" ] || { echo "build first: scripts/build" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A port below Linux's ephemeral range (32768-60999, where the benchmark's own connections
# take theirs) that no socket of any state holds.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 12000))
    [ -z "$(ss -Htan "sport = :$p")" ] && { echo "$p"; return; }
  done
  echo "no free port" >&2; exit 1
}
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done; echo "server on port $1 did not start" >&2; exit 1; }

# start_nginx NAME EXTRA_DIRECTIVES: an nginx with Debian's settings, one worker, on a free port.
declare -A PORT
start_nginx() {
  local name="$1" extra="$2" dir="$work/nginx-$1" port
  port="$(free_port)"
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 768; }
http {
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  types_hash_max_size 2048;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$port;
    $extra
    location / { return 200 "ok"; }
  }
}
EOF
  "$NGINX" -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" &
  pids+=($!)
  wait_port "$port"
  PORT[$name]="$port"
}

start_nginx default ""
start_nginx keepalive "keepalive_requests 100000;"
start_nginx close "keepalive_timeout 0;"
"$TARGET" >"$work/target-port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/target-port" ] && break; sleep 0.1; done
PORT[target]="$(awk '{print $2}' "$work/target-port")"

printf 'x\n' >"$work/body"
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "x\n"
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# case_settings CASE: port, connections, threads, wrk's extra flags, faaslab's extra flags.
case_settings() {
  case "$1" in
    default) echo "${PORT[default]} 16 1 - -" ;;
    keepalive) echo "${PORT[keepalive]} 16 1 - -" ;;
    close) echo "${PORT[close]} 16 1 - -" ;;
    client-close) echo "${PORT[keepalive]} 16 1 close --new-connection" ;;
    c64) echo "${PORT[keepalive]} 64 2 - -" ;;
    target) echo "${PORT[target]} 16 1 - -" ;;
    norecord) echo "${PORT[keepalive]} 16 1 - norecord" ;;
    *) echo "unknown case $1" >&2; exit 2 ;;
  esac
}
wrk_rate() {  # port connections threads extra
  local h=()
  [ "$4" = close ] && h=(-H "Connection: close")
  wrk -t"$3" -c"$2" -d"${DURATION}s" -s "$work/post.lua" "${h[@]}" "http://127.0.0.1:$1/" |
    awk '/Requests\/sec/ {print $2}'
}
faaslab_rate() {  # port connections threads extra
  local x=(--records "$work/r.csv" --jtl "$work/r.jtl" --summary "$work/s.json" --histogram "$work/h.json")
  case "$4" in
    -) ;;
    norecord) x=(--summary "$work/s.json") ;;
    *) x+=("$4") ;;
  esac
  "$FAASLAB" load --url "http://127.0.0.1:$1/" --body "$work/body" --users "$2" --threads "$3" \
    --duration "${DURATION}s" --quiet "${x[@]}" |
    sed -n 's/.*throughput \([0-9.]*\) req\/s.*/\1/p'
}

keepalive_wrk=()
if part 1; then
  echo "== 1. requests/s, wrk vs faaslab load (records + JTL + summary + histogram), ${DURATION}s, $ROUNDS rounds"
  printf '%-13s %6s %5s %10s %10s %7s\n' case round conns wrk faaslab ratio
  summary=()
  for c in $CASES; do
    read -r port conns threads wx fx <<<"$(case_settings "$c")"
    ratios=()
    for round in $(seq "$ROUNDS"); do
      if [ $((round % 2)) -eq 1 ]; then
        w="$(wrk_rate "$port" "$conns" "$threads" "$wx")"; f="$(faaslab_rate "$port" "$conns" "$threads" "$fx")"
      else
        f="$(faaslab_rate "$port" "$conns" "$threads" "$fx")"; w="$(wrk_rate "$port" "$conns" "$threads" "$wx")"
      fi
      r="$(awk -v f="$f" -v w="$w" 'BEGIN {printf "%.3f", f / w}')"
      ratios+=("$r")
      [ "$c" = keepalive ] && keepalive_wrk+=("$w")
      printf '%-13s %6s %5s %10.0f %10.0f %7s\n' "$c" "$round" "$conns/$threads" "$w" "$f" "$r"
    done
    summary+=("$(printf '%-13s median ratio %s (min %s, max %s)' "$c" "$(median "${ratios[@]}")" \
      "$(printf '%s\n' "${ratios[@]}" | sort -g | head -1)" "$(printf '%s\n' "${ratios[@]}" | sort -g | tail -1)")")
  done
  printf '%s\n' "${summary[@]}"
fi

if part 2; then
  echo "== 2. instructions per request (callgrind), 16 connections, 1 thread, keepalive nginx"
  command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 2; }
  url="http://127.0.0.1:${PORT[keepalive]}/"
  ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >"$work/vg.out" |
         sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  w1="$(ir wrk -t1 -c16 -d2s -s "$work/post.lua" "$url")"; n1="$(awk '/requests in/ {print $1}' "$work/vg.out")"
  w2="$(ir wrk -t1 -c16 -d4s -s "$work/post.lua" "$url")"; n2="$(awk '/requests in/ {print $1}' "$work/vg.out")"
  fl() { ir "$FAASLAB" load --url "$url" --body "$work/body" --users 16 --threads 1 --iterations "$1" \
         --records "$work/r.csv" --jtl "$work/r.jtl" --summary "$work/s.json" --quiet; }
  f1="$(fl 500)"; f2="$(fl 2500)"
  awk -v w1="$w1" -v w2="$w2" -v n1="$n1" -v n2="$n2" -v f1="$f1" -v f2="$f2" 'BEGIN {
    wi = (w2 - w1) / (n2 - n1); fi = (f2 - f1) / ((2500 - 500) * 16);
    printf "wrk: %.0f instructions/request (%d and %d requests); faaslab load (full recording): %.0f; ratio %.2f\n", wi, n1, n2, fi, fi / wi }'
fi

if part 3; then
  echo "== 3. open model at half of wrk's saturation rate, keepalive nginx, ${DURATION}s"
  if [ ${#keepalive_wrk[@]} -eq 0 ]; then keepalive_wrk=("$(wrk_rate "${PORT[keepalive]}" 16 1 -)"); fi
  sat="$(median "${keepalive_wrk[@]}")"
  rate="$(awk -v s="$sat" 'BEGIN {printf "%d", s / 2}')"
  "$FAASLAB" load --url "http://127.0.0.1:${PORT[keepalive]}/" --body "$work/body" --rate "$rate" \
    --duration "${DURATION}s" --records "$work/r.csv" --jtl "$work/r.jtl" --summary "$work/s.json" \
    --quiet >"$work/open.out"
  jq -r --arg rate "$rate" --arg sat "$sat" '"wrk saturation \($sat) req/s; asked \($rate) req/s: delivered \(.overall.throughput_rps | floor) req/s (\((.overall.throughput_rps / ($rate | tonumber) * 1000 | floor) / 1000)x), success \(.overall.success_rate), p50 \(.overall.p50_s * 1000) ms, p99 \(.overall.p99_s * 1000) ms from intended send times, \(.run.connections_opened) connections"' "$work/s.json"
fi

target_url="http://127.0.0.1:${PORT[target]}/"
if part 4; then
  echo "== 4. memory, ${DURATION}s vs $((DURATION * 10))s with full recording"
  for d in "$DURATION" $((DURATION * 10)); do
    /usr/bin/time -f "%M" -o "$work/rss" "$FAASLAB" load --url "$target_url" --body "$work/body" \
      --users 16 --threads 1 --duration "${d}s" --records "$work/r.csv" \
      --jtl "$work/r.jtl" --summary "$work/s.json" --quiet >"$work/out" &
    pid=$!
    samples=()
    if [ "$d" -gt "$DURATION" ]; then
      sleep 1
      while kill -0 "$pid" 2>/dev/null; do
        lp="$(pgrep -P "$pid" -x faaslab || true)"
        [ -n "$lp" ] && samples+=("$(awk '/VmRSS/ {print $2}' "/proc/$lp/status" 2>/dev/null || true)")
        sleep 1
      done
    fi
    wait "$pid"
    echo "${d}s: $(sed -n 's/^requests \([0-9]*\).*/\1/p' "$work/out") requests, peak RSS $(cat "$work/rss") KiB"
    if [ ${#samples[@]} -gt 0 ]; then echo "  RSS each second (KiB): ${samples[*]}"; fi
  done
fi

if part 5; then
  echo "== 5. 10,000 users, think 2s (exponential), 30s"
  "$FAASLAB" load --url "$target_url" --body "$work/body" --users 10000 --think 2s \
    --think-dist exponential --duration 30s --summary "$work/s10k.json" \
    --quiet >"$work/out10k" &
  pid=$!
  sleep 15
  echo "while running: threads $(awk '/Threads/ {print $2}' "/proc/$pid/status"), open fds $(ls "/proc/$pid/fd" | wc -l), RSS $(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")"
  wait "$pid"
  cat "$work/out10k"
  awk '/^response/ {r = $2 / 1000} /^requests/ {for (i = 1; i <= NF; i++) if ($i == "throughput") x = $(i + 1)}
       END {printf "Little: X = %.0f req/s, N / (R + Z) = 10000 / (%.4f + 2) = %.0f req/s, ratio %.3f\n", x, r, 10000 / (r + 2), x / (10000 / (r + 2))}' "$work/out10k"
fi
