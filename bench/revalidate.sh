#!/usr/bin/env bash
# bench/revalidate.sh: 304 revalidations of a track feed, calfeed serve against
# the minimal net/http server (bench/gohttp), in short runs interleaved many
# times. One command: `bash bench/revalidate.sh`. About 3 minutes.
#
# bench/run.sh measures each server for 10 s, a minute or more apart from the
# others of its row; on a shared machine whose speed drifts within minutes,
# the ratio of two such runs moves by ±15% from one round to the next. Here
# every server runs for SLICE seconds in turn, ROUNDS times, the order turning
# by one each round, so that servers measured seconds apart are compared, and
# each round's ratio is taken within the round:
#   gohttp              bench/gohttp, serving the built feeds from memory
#   calfeed             calfeed serve as it ships (its request log to a file)
#   calfeed-quiet       the same with -request-log=false
#   calfeed-before      with BEFORE=REV set: calfeed serve built from that
#                       commit, request log on, for an A/B of a change
# on the 1000-event synthetic calendar (bench/gen, seed 1), the track feed
# nearest 56 KiB. Servers on CPU 1, wrk (1 thread, 64 connections) on CPU 0,
# at nice -10 as root, as in bench/run.sh.
#
# Knobs (environment): SLICE (s, 4), WARMUP (s, 1), ROUNDS (10), CONNS (64),
# SERVER_CPU (1), CLIENT_CPU (0), PORT_BASE (18280), NICE (-10 as root),
# BEFORE (a commit to compare with; none).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
SLICE=${SLICE:-4}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-10}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT_BASE=${PORT_BASE:-18280}
NICE=${NICE:-$([[ $(id -u) == 0 ]] && echo -10 || echo 0)}
RUN_SERVER="nice -n $NICE taskset -c $SERVER_CPU"
RUN_CLIENT="nice -n $NICE taskset -c $CLIENT_CPU"

die() {
	printf 'bench/revalidate.sh: %s\n' "$*" >&2
	exit 1
}
log() { printf '== %s\n' "$*" >&2; }
for cmd in go wrk curl taskset; do
	command -v "$cmd" >/dev/null || die "$cmd is not on PATH (apt-get install wrk curl util-linux)"
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS is a number of rounds, 1 or more, not \"$ROUNDS\""

NAMES=(gohttp calfeed calfeed-quiet)
BEFORE=${BEFORE:-}
if [[ -n $BEFORE ]]; then
	git rev-parse --verify -q "$BEFORE^{commit}" >/dev/null || die "BEFORE=$BEFORE is not a commit"
	NAMES+=(calfeed-before)
fi
declare -A PORT PID ETAG
for i in "${!NAMES[@]}"; do
	PORT[${NAMES[$i]}]=$((PORT_BASE + i))
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:${PORT[${NAMES[$i]}]}/" &&
		die "port ${PORT[${NAMES[$i]}]} is in use; set PORT_BASE"
done

TMP=$(mktemp -d /tmp/calfeed-revalidate.XXXXXX)
cleanup() {
	local p
	for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PID[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building calfeed, bench/gen and bench/gohttp; generating 1,000 events and building their files"
export CGO_ENABLED=0
go build -trimpath -o "$TMP/calfeed" ./cmd/calfeed
go build -o "$TMP/gen" ./bench/gen
if [[ -n $BEFORE ]]; then
	mkdir "$TMP/before"
	git archive "$BEFORE" | tar -x -C "$TMP/before"
	(cd "$TMP/before" && go build -trimpath -o "$TMP/calfeed-before" ./cmd/calfeed)
fi
go build -trimpath -o "$TMP/gohttp" ./bench/gohttp
mkdir -p "$TMP/cal"
"$TMP/gen" -events 1000 -seed 1 >"$TMP/cal/events.yaml"
"$TMP/calfeed" build -config "$TMP/cal/events.yaml" -out "$TMP/site" -base-url "http://127.0.0.1:${PORT[calfeed]}" >"$TMP/build.txt" 2>&1 ||
	die "build failed: $(cat "$TMP/build.txt")"
TRACK=$(nearest_track "$TMP/site") || die "no track feed in $TMP/site/tracks"
URL_PATH=/tracks/$TRACK.ics

start() { # name command...
	local name=$1
	shift
	$RUN_SERVER "$@" >"$TMP/$name.log" 2>&1 &
	PID[$name]=$!
}
serve() { # name flags...
	local name=$1
	shift
	start "$name" "$TMP/calfeed" serve -config "$TMP/cal/events.yaml" -addr "127.0.0.1:${PORT[$name]}" "$@"
}
start gohttp "$TMP/gohttp" "$TMP/site" "127.0.0.1:${PORT[gohttp]}"
serve calfeed
serve calfeed-quiet -request-log=false
if [[ -n $BEFORE ]]; then
	start calfeed-before "$TMP/calfeed-before" serve -config "$TMP/cal/events.yaml" -addr "127.0.0.1:${PORT[calfeed-before]}"
fi

for name in "${NAMES[@]}"; do
	url="http://127.0.0.1:${PORT[$name]}$URL_PATH"
	for ((i = 0; i < 300; i++)); do
		curl -s -o /dev/null --max-time 1 "$url" && break
		kill -0 "${PID[$name]}" 2>/dev/null || die "$name exited at start: $(tail -3 "$TMP/$name.log")"
		sleep 0.1
	done
	cmp -s <(curl -s "$url") "$TMP/site$URL_PATH" || die "$name: GET $URL_PATH is not the built file"
	ETAG[$name]=$(curl -s -D - -o /dev/null "$url" | awk 'tolower($1) == "etag:" {sub(/\r$/, ""); print $2}')
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${ETAG[$name]}" "$url")
	[[ $code == 304 ]] || die "$name: If-None-Match ${ETAG[$name]}: status $code, want 304"
done

log "$ROUNDS rounds of ${SLICE} s per server (after ${WARMUP} s of warm-up), the order turning each round"
order=("${NAMES[@]}")
for ((round = 1; round <= ROUNDS; round++)); do
	line="round $round:"
	for name in "${order[@]}"; do
		url="http://127.0.0.1:${PORT[$name]}$URL_PATH"
		$RUN_CLIENT wrk -t1 "-c$CONNS" "-d${WARMUP}s" -H "If-None-Match: ${ETAG[$name]}" "$url" >/dev/null
		rps=$($RUN_CLIENT wrk -t1 "-c$CONNS" "-d${SLICE}s" -H "If-None-Match: ${ETAG[$name]}" "$url" |
			awk '/^Requests\/sec:/ {print $2} /Non-2xx|Socket errors/ {bad = 1} END {if (bad) print "errors"}')
		[[ $rps != *errors* ]] || die "$name: wrk saw errors or statuses other than 304"
		echo "$round $name $rps" >>"$TMP/rows"
		line+=" $name $rps"
	done
	log "$line"
	order=("${order[@]:1}" "${order[0]}")
done

echo
REV=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- . 2>/dev/null || REV="$REV with uncommitted changes"
echo "304s of /tracks/$TRACK.ics ($(stat -c %s "$TMP/site$URL_PATH") B) at $REV: each server on CPU $SERVER_CPU, wrk (1 thread, $CONNS connections) on CPU $CLIENT_CPU; $ROUNDS rounds of $SLICE s per server after $WARMUP s of warm-up, the order turning each round. A ratio is taken within each round, then the median of the rounds (of an even number, the lower middle one) and their range."
echo
[[ -z $BEFORE ]] || echo "calfeed-before: calfeed serve built from $(git rev-parse --short "$BEFORE"), its request log on."
echo
echo "| server | req/s, median | / gohttp, median of the rounds | range | rounds at 0.9x or more |"
echo "|---|---|---|---|---|"
for name in "${NAMES[@]}"; do
	awk -v n="$name" '
		$2 == "gohttp" { g[$1] = $3 }
		$2 == n { v[$1] = $3; r[++k] = $1 }
		function med(x, n,   i, j, t, y) { for (i = 1; i <= n; i++) y[i] = x[i]; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (y[j] < y[i]) { t = y[i]; y[i] = y[j]; y[j] = t }; return y[int((n + 1) / 2)] }
		END {
			lo = ""; hi = ""; met = 0
			for (i = 1; i <= k; i++) {
				q[i] = v[r[i]] / g[r[i]]; a[i] = v[r[i]]
				if (lo == "" || q[i] < lo) lo = q[i]
				if (hi == "" || q[i] > hi) hi = q[i]
				if (q[i] >= 0.9) met++
			}
			printf "| %s | %.0f | **%.2fx** | %.2f-%.2fx | %d of %d |\n", n, med(a, k), med(q, k), lo, hi, met, k
		}' "$TMP/rows"
done
if [[ -n $BEFORE ]]; then
	echo
	awk '
		$2 == "calfeed" { a[$1] = $3 }
		$2 == "calfeed-before" { b[$1] = $3 }
		END {
			for (r in a) q[++k] = a[r] / b[r]
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
			s = ""; for (i = 1; i <= k; i++) s = s sprintf("%s%.2f", i > 1 ? ", " : "", q[i])
			printf "calfeed / calfeed-before, round by round (sorted): %s; median %.2fx.\n", s, q[int((k + 1) / 2)]
		}' "$TMP/rows"
fi
