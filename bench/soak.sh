#!/usr/bin/env bash
# Soak: the face-blur function behind the gateway (2 warm replicas: faaslab up -> faaslab-watchdog
# -> faaslab-fn, http mode) under an open-model load at 80% of the capacity measured first, for
# MINUTES minutes. Every second it samples the resident memory and open descriptors of every
# process of the runtime. Fails (exit 1) on a failed request, on memory growth, or on descriptors
# left behind:
#   memory: after a warm-up (the first fifth, at least a minute), the rest is cut in two halves;
#     each process's peak in the second half may exceed its peak in the first by max(8 MiB, 10%)
#     at most. A leak grows with the requests served, so it raises the second peak; the
#     allocator's high-water mark after a burst of queued requests does not, unless a larger
#     burst comes (which then fails the run too: rerun, or look at samples.csv with KEEP=DIR).
#   descriptors: counted with the runtime idle (5 s after load, then a few requests so the
#     pools drop what aged out) before the soak and after it; at most 4 more after.
# What docs/performance.md quotes.
#
#   bench/soak.sh [build-dir] [minutes]          defaults: build, 10
#   KEEP=DIR bench/soak.sh ...                   keep the samples (samples.csv) and summaries
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
MINUTES="${2:-10}"
BIN="$BUILD/bin"
[[ "$MINUTES" =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 2 ] || { echo "soak: minutes must be a whole number >= 2" >&2; exit 2; }
[ -x "$BIN/faaslab" ] || { echo "soak: no $BIN/faaslab (build first: scripts/build)" >&2; exit 2; }
WORK="${KEEP:-$(mktemp -d)}"
mkdir -p "$WORK"
GW_PID=""
cleanup() {
  [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
  [ -z "${KEEP:-}" ] && rm -rf "$WORK" || true
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
ffmpeg -loglevel error -y -i "$ROOT/testdata/face-1308x888.mp4" -vf "select=eq(n\,18)" -frames:v 1 -q:v 3 "$WORK/frame.jpg"

PORT=$(free_port)
cat > "$WORK/stack.yml" <<YAML
version: 1.0
provider: {name: openfaas}
functions:
  blur:
    image: faaslab/fn:soak
    fprocess: faaslab-fn
    environment: {mode: http, upstream_url: "http://127.0.0.1:8082", log_level: warn, workers: 1}
    labels: {com.openfaas.scale.min: "2", com.openfaas.scale.max: "2"}
YAML
"$BIN/faaslab" up -f "$WORK/stack.yml" --port "$PORT" --no-auth --log-level warn > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
URL="http://127.0.0.1:$PORT/function/blur"
for _ in $(seq 1 600); do curl -sf -o /dev/null --data-binary @"$WORK/frame.jpg" "$URL" && break; sleep 0.1; done
curl -sf -o /dev/null --data-binary @"$WORK/frame.jpg" "$URL" || { echo "soak: the function never answered" >&2; exit 1; }

# Capacity: 4 users without think time for 20 s (two replicas, saturated).
"$BIN/faaslab" load --url "$URL" --image "$WORK/frame.jpg" --users 4 --duration 20s \
  --summary "$WORK/capacity.json" --quiet > /dev/null
capacity=$(jq -r '.overall.throughput_rps' "$WORK/capacity.json")
rate=$(awk -v c="$capacity" 'BEGIN { printf "%.2f", c * 0.8 }')

# The processes of the runtime: the gateway and all its descendants.
tree() {
  local p=$1; echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
sample() {  # t pid name rss_kib fds
  local t=$1 p
  for p in $(tree "$GW_PID"); do
    local rss fds name
    rss=$(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status 2>/dev/null) || continue
    fds=$(ls /proc/"$p"/fd 2>/dev/null | wc -l)
    name=$(cat /proc/"$p"/comm 2>/dev/null)
    echo "$t,$p,$name,$rss,$fds"
  done
}
# The runtime idle: 5 s without load (pooled connections age out at 4 s), then a few requests
# one at a time, so that every replica (routing is random) almost surely serves some and every
# pool closes what aged out.
idle_sample() {
  sleep 5
  for _ in $(seq 1 12); do curl -sf -o /dev/null --data-binary @"$WORK/frame.jpg" "$URL" || true; done
  sleep 0.5
  sample "$1"
}
idle_sample before > "$WORK/idle.csv"
echo "t_s,pid,name,rss_kib,fds" > "$WORK/samples.csv"
"$BIN/faaslab" load --url "$URL" --image "$WORK/frame.jpg" --rate "$rate" --duration "${MINUTES}m" \
  --summary "$WORK/soak.json" --quiet > "$WORK/load.log" 2>&1 &
LOAD_PID=$!
start=$SECONDS
while kill -0 "$LOAD_PID" 2>/dev/null; do
  sample $((SECONDS - start)) >> "$WORK/samples.csv"
  sleep 1
done
wait "$LOAD_PID" || { echo "soak: faaslab load failed:" >&2; cat "$WORK/load.log" >&2; exit 1; }
total_s=$((SECONDS - start))
idle_sample after >> "$WORK/idle.csv"

echo "## Soak, $MINUTES min at 80% of capacity, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
jq -r --arg cap "$capacity" --arg rate "$rate" '.overall |
  "capacity \($cap)/s (4 users, 20 s); soak rate \($rate)/s; \(.count) requests, success rate \(.success_rate), p50 \(.p50_s * 1000 | floor) ms, p99 \(.p99_s * 1000 | floor) ms"' "$WORK/soak.json"
echo
warmup_s=$(( total_s / 5 > 60 ? total_s / 5 : 60 ))
mid_s=$(( warmup_s + (total_s - warmup_s) / 2 ))
echo "Warm-up ${warmup_s} s left out; peaks of each process in ${warmup_s}–${mid_s} s and ${mid_s}–${total_s} s;"
echo "descriptors with the runtime idle before and after the soak."
echo
echo "| process | pid | RSS peak, 1st half (MiB) | RSS peak, 2nd half (MiB) | growth | fds idle before | fds idle after |"
echo "|---|---|---|---|---|---|---|"
verdict=$(awk -F, -v warmup="$warmup_s" -v mid="$mid_s" -v idle="$WORK/idle.csv" '
  FILENAME == idle { if ($1 == "before") fd_before[$2] = $5; else fd_after[$2] = $5; next }
  { name[$2] = $3 }
  $1 >= warmup && $1 < mid && $4 > peak1[$2] { peak1[$2] = $4 }
  $1 >= mid && $4 > peak2[$2] { peak2[$2] = $4 }
  END {
    bad = 0
    for (p in name) {
      if (!(p in peak1) || !(p in peak2)) continue
      r1 = peak1[p] / 1024; r2 = peak2[p] / 1024; g = r2 - r1
      limit = (r1 * 0.10 > 8) ? r1 * 0.10 : 8
      flag = ""
      if (g > limit) { flag = " (grew)"; bad = 1 }
      fb = (p in fd_before) ? fd_before[p] : "?"; fa = (p in fd_after) ? fd_after[p] : "?"
      if (fb == "?" || fa == "?") { flag = flag " (not sampled idle)"; bad = 1 }
      else if (fa - fb > 4) { flag = flag " (descriptors left open)"; bad = 1 }
      printf "| %s | %s | %.1f | %.1f | %+.1f%s | %s | %s |\n", name[p], p, r1, r2, g, flag, fb, fa
    }
    print "VERDICT " bad
  }' "$WORK/idle.csv" <(tail -n +2 "$WORK/samples.csv"))
echo "$verdict" | grep -v '^VERDICT'
echo
failed=$(jq -r '.overall | (.count - (.count * .success_rate | round))' "$WORK/soak.json")
if [ "$(echo "$verdict" | sed -n 's/^VERDICT //p')" != 0 ] || [ "$failed" != 0 ]; then
  echo "soak: FAILED ($failed failed requests; see the table)"
  exit 1
fi
echo "soak: passed: no failed request, no growth beyond noise"
