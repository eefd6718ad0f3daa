#!/usr/bin/env bash
# The runtime under wrk, in one run (same machine state for every row):
#   direct      wrk -> echo_server
#   watchdog    wrk -> faaslab-watchdog (http mode) -> echo_server
#   gateway     wrk -> faaslab up (gateway) -> faaslab-watchdog (http mode) -> echo_server
#   classic     wrk -> faaslab-watchdog (classic mode, fprocess cat): a process per request
# and the classic mode with the real function: faaslab-watchdog + `faaslab-fn --stdin`, one
# 1308x888 JPEG frame per request (spawn, model load, frame), sequential.
#
#   bench/runtime_bench.sh [build-dir] [seconds]      (defaults: build, 10)
#   GATEWAY_THREADS=N bench/runtime_bench.sh ...      the gateway's I/O threads (default: cores)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
SECONDS_PER_RUN="${2:-10}"
BIN="$BUILD/bin"
command -v wrk >/dev/null || { echo "runtime_bench: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# A port the kernel just chose on 127.0.0.1 (node is installed by scripts/setup for the report).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_http() { for _ in $(seq 1 500); do curl -sf -o /dev/null "$1" && return 0; sleep 0.02; done; echo "runtime_bench: $1 never answered" >&2; exit 1; }

# wrk -t1 -c16 against $1; prints "requests/s p50_ms p99_ms".
run_wrk() {
  wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" --latency "$1" > "$WORK/wrk.txt"
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }' "$WORK/wrk.txt"
}

ECHO_PORT=$(free_port)
port=$ECHO_PORT threads=1 "$BIN/echo_server" & PIDS+=($!)
wait_http "http://127.0.0.1:$ECHO_PORT/"

WD_PORT=$(free_port); WD_UP=$(free_port)
env -i PATH="$PATH" TMPDIR="$WORK" mode=http fprocess="$BIN/echo_server" upstream_url="http://127.0.0.1:$WD_UP" \
  port="$WD_PORT" suppress_lock=true healthcheck_interval=0 log_level=warn "$BIN/faaslab-watchdog" & PIDS+=($!)
wait_http "http://127.0.0.1:$WD_PORT/_/health"

CL_PORT=$(free_port)
env -i PATH="$PATH" TMPDIR="$WORK" fprocess=cat port="$CL_PORT" suppress_lock=true healthcheck_interval=0 log_level=warn \
  "$BIN/faaslab-watchdog" & PIDS+=($!)
wait_http "http://127.0.0.1:$CL_PORT/_/health"

FN_PORT=$(free_port)
env -i PATH="$PATH" TMPDIR="$WORK" fprocess="$BIN/faaslab-fn --stdin" port="$FN_PORT" suppress_lock=true \
  healthcheck_interval=0 log_level=warn exec_timeout=25s "$BIN/faaslab-watchdog" & PIDS+=($!)
wait_http "http://127.0.0.1:$FN_PORT/_/health"

GW_PORT=$(free_port)
cat > "$WORK/stack.yml" <<YAML
version: 1.0
provider: {name: openfaas}
functions:
  echo:
    image: faaslab/echo:bench
    fprocess: $BIN/echo_server
    environment: {mode: http, upstream_url: "http://127.0.0.1:8082", log_level: warn}
YAML
"$BIN/faaslab" up -f "$WORK/stack.yml" --port "$GW_PORT" --no-auth --log-level warn ${GATEWAY_THREADS:+--threads "$GATEWAY_THREADS"} & PIDS+=($!)
wait_http "http://127.0.0.1:$GW_PORT/function/echo"

echo "## Runtime throughput, wrk -t1 -c16 -d${SECONDS_PER_RUN}s, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| path | requests/s | p50 ms | p99 ms |"
echo "|---|---|---|---|"
read -r d_rps d_p50 d_p99 < <(run_wrk "http://127.0.0.1:$ECHO_PORT/")
echo "| direct to echo_server | $d_rps | $d_p50 | $d_p99 |"
read -r w_rps w_p50 w_p99 < <(run_wrk "http://127.0.0.1:$WD_PORT/")
echo "| watchdog (http mode) -> echo | $w_rps | $w_p50 | $w_p99 |"
read -r g_rps g_p50 g_p99 < <(run_wrk "http://127.0.0.1:$GW_PORT/function/echo")
echo "| gateway -> watchdog (http) -> echo | $g_rps | $g_p50 | $g_p99 |"
read -r c_rps c_p50 c_p99 < <(run_wrk "http://127.0.0.1:$CL_PORT/")
echo "| watchdog (classic, fprocess cat) | $c_rps | $c_p50 | $c_p99 |"
floor=$("$BIN/spawn_floor" 2 "$SECONDS_PER_RUN")
echo "| ceiling: spawn + reap \`cat\` in 2 threads, no HTTP (spawn_floor) | $floor | | |"
echo
awk -v f="$floor" -v c="$c_rps" 'BEGIN { printf "Classic mode reaches %.2f of the machine'"'"'s process-per-request ceiling.\n", c/f }'
awk -v d="$d_rps" -v w="$w_rps" -v g="$g_rps" -v c="$c_rps" 'BEGIN {
  printf "Ratios: watchdog/direct %.2f, gateway+watchdog/direct %.2f, gateway+watchdog/watchdog %.2f.\n", w/d, g/d, g/w
  printf "Against the OpenFaaS anchors (absolute): watchdog %.2fx of-watchdog (12,900/s), gateway+watchdog %.2fx of-watchdog, classic %.2fx classic-watchdog (1,700/s).\n", w/12900, g/12900, c/1700
  printf "Normalised by the direct echo (anchors: Go echo 76,000/s, of-watchdog 0.170 of it): watchdog %.2fx of-watchdog, gateway+watchdog %.2fx of-watchdog.\n", (w/d)/(12900/76000), (g/d)/(12900/76000) }'
echo
# What the gateway adds at half its saturation rate: an open-model load (constant arrivals, from
# the intended send time) at 50% of the gateway's wrk rate, through the gateway and, in the same
# run, straight to the watchdog.
half=$(awk -v g="$g_rps" 'BEGIN { printf "%d", g / 2 }')
printf 'x' > "$WORK/body"
p99_of() {
  "$BIN/faaslab" load --url "$1" --body "$WORK/body" --rate "$half" --duration "${SECONDS_PER_RUN}s" \
    --summary "$WORK/s.json" --quiet > /dev/null 2>&1
  jq -r '.overall | "\(.p50_s * 1000) \(.p99_s * 1000) \(.success_rate)"' "$WORK/s.json"
}
read -r hw_p50 hw_p99 hw_ok < <(p99_of "http://127.0.0.1:$WD_PORT/")
read -r hg_p50 hg_p99 hg_ok < <(p99_of "http://127.0.0.1:$GW_PORT/function/echo")
echo "| at half saturation ($half/s, open model) | p50 ms | p99 ms | success |"
echo "|---|---|---|---|"
echo "| watchdog (http) -> echo | $hw_p50 | $hw_p99 | $hw_ok |"
echo "| gateway -> watchdog -> echo | $hg_p50 | $hg_p99 | $hg_ok |"
awk -v a="$hw_p99" -v b="$hg_p99" 'BEGIN { printf "The gateway adds %.3f ms at p99 at half saturation.\n\n", b - a }'

# The classic mode with the real function: every request pays spawn + model load + one frame.
ffmpeg -loglevel error -y -i "$ROOT/testdata/face-1308x888.mp4" -vf "select=eq(n\,18)" -frames:v 1 -q:v 3 "$WORK/frame.jpg"
times=()
for i in $(seq 1 15); do
  t=$(curl -s -o /dev/null -w "%{time_total}" --data-binary @"$WORK/frame.jpg" "http://127.0.0.1:$FN_PORT/")
  times+=("$t")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 * 1000 } END {
  printf "Classic mode, faaslab-fn --stdin, 1308x888 JPEG, 15 sequential requests: min %.1f ms, median %.1f ms, max %.1f ms\n", a[1], a[int((NR+1)/2)], a[NR] }'
