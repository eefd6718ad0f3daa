#!/usr/bin/env bash
# The load generator's benchmark (docs/performance.md, "Load generator"):
#
#   bench/load_vs_wrk.sh [BUILD_DIR]   (default build/; env: ROUNDS=5 DURATION=5 CONNECTIONS=16
#                                      THREADS=1 PARTS="1 2 3")
#
# 1. Throughput: wrk (Debian) and `faaslab load` with full per-request recording (--records,
#    --jtl, --summary) against the same minimal loopback server (build/bin/load_target), same
#    connections, threads and duration, the same POST request, alternated ROUNDS times; prints
#    each pair's requests/s and ratio, and the median ratio.
# 2. Memory: faaslab load's peak RSS for DURATION and for 10 x DURATION, and its RSS sampled
#    every second of the long run (flat = no growth with run length).
# 3. Scale: 10,000 closed-model users, exponential think time of mean 2 s, for 30 s (all start
#    at once; the first think spreads them): achieved rate against
#    N / (R + Z), threads and open file descriptors of the process while it runs.
#
# Only 127.0.0.1 is contacted.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-1}"
PARTS="${PARTS:-1 2 3}"
part() { [[ " $PARTS " == *" $1 "* ]]; }
FAASLAB="$BUILD/bin/faaslab"
TARGET="$BUILD/bin/load_target"
command -v wrk >/dev/null || { echo "wrk not found (scripts/setup installs it)" >&2; exit 2; }
[ -x "$FAASLAB" ] && [ -x "$TARGET" ] || { echo "build first: scripts/build" >&2; exit 2; }

work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$TARGET" >"$work/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(awk '{print $2}' "$work/port")"
url="http://127.0.0.1:$port/"
printf 'x\n' >"$work/body"
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "x\n"
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

if part 1; then
echo "== 1. requests/s, $CONNECTIONS connections, $THREADS thread(s), ${DURATION}s, $ROUNDS rounds"
echo "   rec: --records --summary --histogram (every request, every field); +jtl: and --jtl"
printf '%-6s %10s %10s %7s %10s %7s\n' round wrk rec ratio +jtl ratio
ratios=()
jtl_ratios=()
faaslab_rate() {
  "$FAASLAB" load --url "$url" --body "$work/body" --users "$CONNECTIONS" --threads "$THREADS" \
    --duration "${DURATION}s" --records "$work/r.csv" --summary "$work/s.json" \
    --histogram "$work/h.json" --quiet "$@" | sed -n 's/.*throughput \([0-9.]*\) req\/s.*/\1/p'
}
wrk_rate() {
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/post.lua" "$url" |
    awk '/Requests\/sec/ {print $2}'
}
for round in $(seq "$ROUNDS"); do
  # Alternate the order (A B C, C B A, ...) so a drift in the machine's load hits all alike.
  if [ $((round % 2)) -eq 1 ]; then
    w="$(wrk_rate)"; f="$(faaslab_rate)"; j="$(faaslab_rate --jtl "$work/r.jtl")"
  else
    j="$(faaslab_rate --jtl "$work/r.jtl")"; f="$(faaslab_rate)"; w="$(wrk_rate)"
  fi
  ratio="$(awk -v f="$f" -v w="$w" 'BEGIN {printf "%.3f", f / w}')"
  jratio="$(awk -v f="$j" -v w="$w" 'BEGIN {printf "%.3f", f / w}')"
  ratios+=("$ratio")
  jtl_ratios+=("$jratio")
  printf '%-6s %10.0f %10.0f %7s %10.0f %7s\n' "$round" "$w" "$f" "$ratio" "$j" "$jratio"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median ratio faaslab/wrk: $(median "${ratios[@]}") (records), $(median "${jtl_ratios[@]}") (records + JTL)"
echo "records per run: $(($(wc -l <"$work/r.csv") - 1)) lines, $(du -h "$work/r.csv" | cut -f1) CSV + $(du -h "$work/r.jtl" | cut -f1) JTL"
fi

if part 2; then
echo "== 2. memory, ${DURATION}s vs $((DURATION * 10))s with full recording"
for d in "$DURATION" $((DURATION * 10)); do
  /usr/bin/time -f "%M" -o "$work/rss" "$FAASLAB" load --url "$url" --body "$work/body" \
    --users "$CONNECTIONS" --threads "$THREADS" --duration "${d}s" --records "$work/r.csv" \
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

if part 3; then
echo "== 3. 10,000 users, think 2s (exponential), 30s"
"$FAASLAB" load --url "$url" --body "$work/body" --users 10000 --think 2s \
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
