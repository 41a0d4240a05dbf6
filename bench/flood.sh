#!/usr/bin/env bash
# bench/flood.sh: how a flood of requests for distinct pages slows the feeds
# that subscribers poll, with renderings on demand bounded to half the
# processors (calfeed serve's default) and to all of them (the bound before
# -max-renderings). One command: `bash bench/flood.sh`. About 2 minutes.
#
# calfeed serve of a 10,000-event calendar (bench/gen, seed 1), on every
# processor of the machine, a public -base-url, for each setting in turn:
#   1. wrk on one track feed alone (16 connections, DURATION s);
#   2. the same while a second wrk (8 connections) asks for personal
#      agenda pages of three random events each (/?events=...): each a page
#      nobody asked for before, so each is rendered (about 0.25 s of CPU at
#      this size); the track feed is rendered already and sent from memory.
# wrk runs on the same processors as the server (this is what a flood costs
# a machine, not a core), so only the ratios between the settings, measured
# in the same run and interleaved round by round, compare.
#
# Then, once: BURST requests for distinct agenda pages, each hung up on after
# 50 ms, and how long a reader's page takes after them (the renderings
# given up by clients gone should not hold it).
#
# Knobs (environment): DURATION (s, 8), ROUNDS (2), BURST (400), PORT (18190).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-18190}
BURST=${BURST:-400}
PROCS=$(nproc)

die() {
	printf 'bench/flood.sh: %s\n' "$*" >&2
	exit 1
}
log() { printf '== %s\n' "$*" >&2; }
for cmd in go wrk curl; do
	command -v "$cmd" >/dev/null || die "$cmd is not on PATH (apt-get install wrk curl)"
done
curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/" && die "port $PORT is in use; set PORT"

TMP=$(mktemp -d /tmp/calfeed-flood.XXXXXX)
PID=""
cleanup() {
	[[ -z $PID ]] || { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building calfeed and bench/gen; generating 10,000 events"
CGO_ENABLED=0 go build -trimpath -o "$TMP/calfeed" ./cmd/calfeed
go build -o "$TMP/gen" ./bench/gen
mkdir -p "$TMP/cal"
"$TMP/gen" -events 10000 -seed 1 >"$TMP/cal/events.yaml"

cat >"$TMP/flood.lua" <<'EOF'
-- a personal agenda page of three random events: a page of its own
math.randomseed(os.time())
request = function()
  local ids = {}
  for i = 1, 3 do ids[i] = string.format("ev-%06d", math.random(1, 10000)) end
  return wrk.format("GET", "/?events=" .. table.concat(ids, ","))
end
EOF

FEED=http://127.0.0.1:$PORT/tracks/track-001.ics
# rps_p99 FILE: "req/s p99" from wrk's --latency output.
rps_p99() {
	awk '/Requests\/sec/ {r=$2} $1=="99%" {p=$2} END {print r, p}' "$1"
}
# measure NAME FLAG...: serve with the flags, then the feed alone and under
# the flood; appends "NAME rps p99 rps p99 pages/s" to $TMP/rows.
measure() {
	local name=$1 i
	shift
	"$TMP/calfeed" serve -config "$TMP/cal/events.yaml" -addr "127.0.0.1:$PORT" -base-url https://cal.example.org "$@" >"$TMP/serve-$name.log" 2>&1 &
	PID=$!
	for ((i = 0; i < 300; i++)); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz" && break
		kill -0 "$PID" 2>/dev/null || die "calfeed serve exited at start: $(tail -3 "$TMP/serve-$name.log")"
		sleep 0.1
	done
	curl -sf -o /dev/null "$FEED" || die "GET $FEED failed"
	wrk -t1 -c16 -d2s "$FEED" >/dev/null # warm-up
	wrk -t1 -c16 -d"${DURATION}s" --latency "$FEED" >"$TMP/alone.txt"
	wrk -t1 -c8 -d"$((DURATION + 4))s" -s "$TMP/flood.lua" "http://127.0.0.1:$PORT/" >"$TMP/flood.txt" &
	local flood=$!
	sleep 2
	wrk -t1 -c16 -d"${DURATION}s" --latency "$FEED" >"$TMP/under.txt"
	wait "$flood"
	grep -q "Non-2xx" "$TMP/flood.txt" && die "the flood got errors: $(grep Non-2xx "$TMP/flood.txt")"
	echo "$name $(rps_p99 "$TMP/alone.txt") $(rps_p99 "$TMP/under.txt") $(awk '/Requests\/sec/ {print $2}' "$TMP/flood.txt")" >>"$TMP/rows"
	log "$(tail -1 "$TMP/rows")"
	kill "$PID"
	wait "$PID" 2>/dev/null || true
	PID=""
}

# burst: BURST distinct agenda pages asked for and hung up on after 50 ms,
# 32 at a time, then the time a reader's page takes; appends it to rows.
burst() {
	local i
	"$TMP/calfeed" serve -config "$TMP/cal/events.yaml" -addr "127.0.0.1:$PORT" -base-url https://cal.example.org >"$TMP/serve-burst.log" 2>&1 &
	PID=$!
	for ((i = 0; i < 300; i++)); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz" && break
		sleep 0.1
	done
	curl -sf -o /dev/null "http://127.0.0.1:$PORT/?events=ev-000001" || die "the page failed"
	seq -f %06g "$BURST" | xargs -P 32 -I{} curl -s -o /dev/null -m 0.05 "http://127.0.0.1:$PORT/?events=ev-{},ev-009999" || true
	echo "burst $(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/?events=ev-009998") $(grep -c 'status=499' "$TMP/serve-burst.log" || true)" >>"$TMP/rows"
	log "$(tail -1 "$TMP/rows")"
	kill "$PID"
	wait "$PID" 2>/dev/null || true
	PID=""
}

for ((round = 1; round <= ROUNDS; round++)); do
	log "round $round of $ROUNDS"
	measure half
	measure all -max-renderings "$PROCS"
done
log "a burst of $BURST distinct pages hung up on, then a reader's page"
burst

echo
REV=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- . 2>/dev/null || REV="$REV with uncommitted changes"
echo "calfeed serve of 10,000 events at $REV on $PROCS processors; wrk on the same; $ROUNDS round(s), the settings interleaved; medians (of an even number, the lower middle one). Feed: /tracks/track-001.ics, 16 connections; flood: 8 connections asking for distinct agenda pages."
echo
echo "| renderings at once | feed req/s alone | under the flood | ratio | p99 alone | p99 under the flood | pages/s rendered |"
echo "|---|---|---|---|---|---|---|"
awk '$1 == "burst" { printf "\nA reader'"'"'s page after %s distinct pages asked for and hung up on: %.3f s; %d of them given up (status 499).\n", burst, $2, $3 }' burst="$BURST" "$TMP/rows" >"$TMP/burst.md"
for name in half all; do
	awk -v n="$name" -v procs="$PROCS" '
		$1 == n { a[++k] = $2; b[k] = $4; pa[k] = $3; pb[k] = $5; f[k] = $6 }
		function med(x, n,   i, j, t, y) { for (i = 1; i <= n; i++) y[i] = x[i]; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (y[j] < y[i]) { t = y[i]; y[i] = y[j]; y[j] = t }; return y[int((n + 1) / 2)] }
		function ms(s) { if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; if (s ~ /s$/) return s * 1000; return s }
		END {
			for (i = 1; i <= k; i++) { r[i] = b[i] / a[i]; qa[i] = ms(pa[i]); qb[i] = ms(pb[i]) }
			label = (n == "half") ? sprintf("%d (default: half of %d)", (procs >= 2 ? int(procs / 2) : 1), procs) : sprintf("%d (all)", procs)
			printf "| %s | %.0f | %.0f | **%.2f** | %.2f ms | %.2f ms | %.1f |\n", label, med(a, k), med(b, k), med(r, k), med(qa, k), med(qb, k), med(f, k)
		}' "$TMP/rows"
done
cat "$TMP/burst.md"
