#!/usr/bin/env bash
# The watchdog's three modes with the real function, side by side in one run (issue 19;
# docs/performance.md, "Fork mode"):
#
#   bench/fork_mode_bench.sh [BUILD_DIR]     (env: ROUNDS=4 REQUESTS=40 DURATION=10 STARTS=15)
#
# 1. Per request: one user sends REQUESTS 1308x888 JPEG frames (frame 18 of
#    testdata/face-1308x888.mp4) one after another to a watchdog in http mode (faaslab-fn
#    warm, its default two workers of one OpenCV thread each), in fork mode (a child of the loaded template per request) and in
#    classic mode (spawn, model load, frame); rounds in the order http fork classic, then
#    classic fork http, ...; the medians of each round's median service time, and fork/http.
# 2. Through the gateway: `faaslab up` with the function in each mode (one replica, 4 users, no
#    think time, DURATION seconds each, the same alternating order): requests/s and fork/http.
# 3. A new replica: a watchdog in fork mode started STARTS times; the template's start to its
#    ready message (the watchdog logs "fork template ready in X ms"), and the watchdog's
#    process start to its health check answering 200.
#
# Only 127.0.0.1 is contacted; everything started here is stopped at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
BIN="$BUILD/bin"
ROUNDS="${ROUNDS:-4}"
REQUESTS="${REQUESTS:-40}"
DURATION="${DURATION:-10}"
STARTS="${STARTS:-15}"
for b in faaslab faaslab-fn faaslab-watchdog; do
  [ -x "$BIN/$b" ] || { echo "build first: scripts/build ($BIN/$b missing)" >&2; exit 2; }
done
command -v ffmpeg >/dev/null || { echo "ffmpeg not found (scripts/setup installs it)" >&2; exit 2; }
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_http() { for _ in $(seq 1 1000); do curl -sf -o /dev/null "$1" && return 0; sleep 0.01; done; echo "$1 never answered" >&2; exit 1; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

ffmpeg -loglevel error -y -i "$ROOT/testdata/face-1308x888.mp4" -vf "select=eq(n\,18)" -frames:v 1 -q:v 3 "$WORK/frame.jpg"

# watchdog MODE PORT: a watchdog with faaslab-fn in that mode (http: one worker, warm).
start_watchdog() {
  local mode="$1" port="$2" extra=()
  case "$mode" in
    http) extra=(mode=http upstream_url="http://127.0.0.1:$(free_port)" ready_path=/_/health fprocess="$BIN/faaslab-fn") ;;
    fork) extra=(mode=fork fprocess="$BIN/faaslab-fn --stdin") ;;
    classic) extra=(fprocess="$BIN/faaslab-fn --stdin") ;;
  esac
  env -i PATH="$PATH" TMPDIR="$WORK" port="$port" suppress_lock=true healthcheck_interval=0 \
    log_level=warn exec_timeout=25s "${extra[@]}" "$BIN/faaslab-watchdog" &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/_/health"
}

declare -A PORT
for m in http fork classic; do PORT[$m]="$(free_port)"; start_watchdog "$m" "${PORT[$m]}"; done

# service_ms URL: the median service time of REQUESTS sequential frames, in ms.
service_ms() {
  "$BIN/faaslab" load --url "$1" --body "$WORK/frame.jpg" --content-type image/jpeg --users 1 \
    --iterations "$REQUESTS" --timeout 25s --summary "$WORK/s.json" --quiet >/dev/null
  jq -r '.service.p50_s * 1000' "$WORK/s.json"
}
order() { if [ $(($1 % 2)) -eq 1 ]; then echo http fork classic; else echo classic fork http; fi; }
# row LABEL HTTP FORK CLASSIC: a table row, with fork / http.
row() {
  printf '| %s | %.1f | %.1f | %.1f | %.2f |\n' "$1" "$2" "$3" "$4" \
    "$(awk -v f="$3" -v h="$2" 'BEGIN {print f / h}')"
}
# median_row SERIES: the row of the medians of SERIES (an array: mode -> its rounds' values).
median_row() {
  local -n series="$1"
  row "**median**" "$(printf '%s\n' ${series[http]} | median)" \
    "$(printf '%s\n' ${series[fork]} | median)" "$(printf '%s\n' ${series[classic]} | median)"
  echo
}

echo "## Fork mode beside http and classic, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "### 1. Per request: one user, $REQUESTS sequential 1308x888 JPEG frames, median service time (ms)"
echo
echo "| round | http | fork | classic | fork / http |"
echo "|---|---|---|---|---|"
declare -A S
for round in $(seq "$ROUNDS"); do
  declare -A r=()
  for m in $(order "$round"); do r[$m]="$(service_ms "http://127.0.0.1:${PORT[$m]}/")"; S[$m]+="${r[$m]} "; done
  row "$round" "${r[http]}" "${r[fork]}" "${r[classic]}"
done
median_row S

echo "### 2. Through the gateway: one replica, 4 users, no think time, ${DURATION}s, requests/s"
echo
GW_PORT="$(free_port)"
cat >"$WORK/stack.yml" <<YAML
version: 1.0
provider: {name: openfaas}
functions:
  blur-http:
    fprocess: $BIN/faaslab-fn
    environment: {mode: http, upstream_url: "http://127.0.0.1:8082", ready_path: /_/health, workers: 2, exec_timeout: 25s, log_level: warn}
    labels: {com.openfaas.scale.min: "1", com.openfaas.scale.max: "1"}
  blur-fork:
    fprocess: $BIN/faaslab-fn --stdin
    environment: {mode: fork, exec_timeout: 25s, log_level: warn}
    labels: {com.openfaas.scale.min: "1", com.openfaas.scale.max: "1"}
  blur-classic:
    fprocess: $BIN/faaslab-fn --stdin
    environment: {exec_timeout: 25s, log_level: warn}
    labels: {com.openfaas.scale.min: "1", com.openfaas.scale.max: "1"}
YAML
"$BIN/faaslab" up -f "$WORK/stack.yml" --port "$GW_PORT" --no-auth --log-level warn &
PIDS+=($!)
for m in http fork classic; do wait_http "http://127.0.0.1:$GW_PORT/function/blur-$m/_/health" 2>/dev/null || true; done
gateway_rps() {
  "$BIN/faaslab" load --url "http://127.0.0.1:$GW_PORT/function/blur-$1" --body "$WORK/frame.jpg" \
    --content-type image/jpeg --users 4 --duration "${DURATION}s" --timeout 25s \
    --summary "$WORK/g.json" --quiet >/dev/null
  jq -r '"\(.overall.throughput_rps) \(.overall.success_rate)"' "$WORK/g.json"
}
# A first request to each, so no row pays a replica's start.
for m in http fork classic; do curl -s -o /dev/null --data-binary @"$WORK/frame.jpg" "http://127.0.0.1:$GW_PORT/function/blur-$m"; done
echo "| round | http | fork | classic | fork / http |"
echo "|---|---|---|---|---|"
declare -A G
for round in $(seq "$ROUNDS"); do
  declare -A t=()
  for m in $(order "$round"); do
    read -r rps ok < <(gateway_rps "$m")
    [ "$ok" = 1 ] || echo "warning: $m success rate $ok" >&2
    t[$m]="$rps"; G[$m]+="$rps "
  done
  row "$round" "${t[http]}" "${t[fork]}" "${t[classic]}"
done
median_row G

echo "### 3. A new fork-mode replica, $STARTS starts"
echo
ready_ms=(); health_ms=()
for i in $(seq "$STARTS"); do
  port="$(free_port)"
  t0=$(date +%s%N)
  env -i PATH="$PATH" TMPDIR="$WORK" port="$port" suppress_lock=true healthcheck_interval=0 \
    mode=fork fprocess="$BIN/faaslab-fn --stdin" "$BIN/faaslab-watchdog" 2>"$WORK/start.log" &
  pid=$!
  for _ in $(seq 1 2000); do curl -sf -o /dev/null "http://127.0.0.1:$port/_/health" && break; sleep 0.002; done
  t1=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  health_ms+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e6}')")
  ready_ms+=("$(sed -n 's/.*fork template ready in \([0-9.]*\) ms.*/\1/p' "$WORK/start.log" | head -1)")
done
printf 'Template start to ready (watchdog log): median %s ms (min %s, max %s)\n' \
  "$(printf '%s\n' "${ready_ms[@]}" | median)" "$(printf '%s\n' "${ready_ms[@]}" | sort -g | head -1)" \
  "$(printf '%s\n' "${ready_ms[@]}" | sort -g | tail -1)"
printf 'Watchdog process start to health 200 (polled every 2 ms): median %s ms\n' \
  "$(printf '%s\n' "${health_ms[@]}" | median)"
