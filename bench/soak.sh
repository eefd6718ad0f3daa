#!/usr/bin/env bash
# Soak: the face-blur function behind the gateway (2 warm replicas: faaslab up -> faaslab-watchdog
# -> faaslab-fn, http mode) under an open-model load at 80% of the capacity measured first, for
# MINUTES minutes. Every second it samples the resident memory and open descriptors of every
# process of the runtime; at the end it compares the first and the last minute of each process,
# and fails (exit 1) on a failed request, memory growth over max(8 MiB, 10%), or more than 4
# descriptors more. What docs/performance.md quotes.
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

echo "## Soak, $MINUTES min at 80% of capacity, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
jq -r --arg cap "$capacity" --arg rate "$rate" '.overall |
  "capacity \($cap)/s (4 users, 20 s); soak rate \($rate)/s; \(.count) requests, success rate \(.success_rate), p50 \(.p50_s * 1000 | floor) ms, p99 \(.p99_s * 1000 | floor) ms"' "$WORK/soak.json"
echo
echo "| process | pid | RSS first min (MiB) | RSS last min (MiB) | growth | fds first | fds last |"
echo "|---|---|---|---|---|---|---|"
# Medians of the first and the last 60 samples of each process that lived through both.
verdict=$(awk -F, -v end="$total_s" '
  NR == 1 { next }
  { name[$2] = $3 }
  $1 < 60 { first_rss[$2] = first_rss[$2] " " $4; first_fd[$2] = first_fd[$2] " " $5 }
  $1 >= end - 61 { last_rss[$2] = last_rss[$2] " " $4; last_fd[$2] = last_fd[$2] " " $5 }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n ? a[int((n + 1) / 2)] : 0
  }
  END {
    bad = 0
    for (p in name) {
      if (!(p in first_rss) || !(p in last_rss)) continue
      r1 = median(first_rss[p]) / 1024; r2 = median(last_rss[p]) / 1024
      f1 = median(first_fd[p]); f2 = median(last_fd[p])
      g = r2 - r1
      limit = (r1 * 0.10 > 8) ? r1 * 0.10 : 8
      flag = ""
      if (g > limit) { flag = " (grew)"; bad = 1 }
      if (f2 - f1 > 4) { flag = flag " (descriptors grew)"; bad = 1 }
      printf "| %s | %s | %.1f | %.1f | %+.1f%s | %d | %d |\n", name[p], p, r1, r2, g, flag, f1, f2
    }
    print "VERDICT " bad
  }' "$WORK/samples.csv")
echo "$verdict" | grep -v '^VERDICT'
echo
failed=$(jq -r '.overall | (.count - (.count * .success_rate | round))' "$WORK/soak.json")
if [ "$(echo "$verdict" | sed -n 's/^VERDICT //p')" != 0 ] || [ "$failed" != 0 ]; then
  echo "soak: FAILED ($failed failed requests; see the table)"
  exit 1
fi
echo "soak: passed: no failed request, no growth beyond noise"
