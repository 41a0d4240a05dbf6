#!/usr/bin/env bash
# bench/interleave.sh: one row of bench/run.sh's table, calfeed serve against
# the minimal net/http server (bench/gohttp) and nginx, in short runs
# interleaved many times. One command: `ROW=full bash bench/interleave.sh`.
# About 3 minutes with the defaults (ROW=304: bench/revalidate.sh).
#
# bench/run.sh measures each server for 10 s, a minute or more apart from the
# others of its row; on a shared machine whose speed drifts within minutes,
# the ratio of two such runs moves by ±15% from one round to the next. Here
# every server runs for SLICE seconds in turn, ROUNDS times, the order turning
# by one each round, so that servers measured seconds apart are compared, and
# each round's ratio is taken within the round:
#   gohttp              bench/gohttp, serving the built feeds from memory
#   nginx               nginx serving the built files (sendfile on, buffered
#                       access log, one worker), as in bench/run.sh
#   calfeed             calfeed serve as it ships (its request log to a file)
#   calfeed-quiet       the same with -request-log=false
#   calfeed-before      with BEFORE=REV set: calfeed serve built from that
#                       commit, request log on, for an A/B of a change
# on the 1000-event synthetic calendar (bench/gen, seed 1). ROW is one of
#   304     304 revalidations (If-None-Match) of the track feed nearest 56 KiB
#   track   that track feed, 200
#   full    the whole calendar, /calendar.ics (about 1 MiB), 200
# Servers on CPU 1, wrk (1 thread, 64 connections) on CPU 0, at nice -10 as
# root (the script's session too), as in bench/run.sh. Each slice also
# records the share of its core the server and wrk used, and what other
# processes took of both cores (reported, not retried as bench/run.sh
# does): a server well under its whole core while wrk has all of its own
# is waiting on wrk, and the req/s compare wrk's cost of reading each
# server's responses more than the servers.
#
# Knobs (environment): ROW (304), SLICE (s, 4), WARMUP (s, 1), ROUNDS (10),
# CONNS (64), SERVER_CPU (1), CLIENT_CPU (0), PORT_BASE (18280), NICE (-10
# as root), BEFORE (a commit to compare with; none), NGINX (on, or off to
# leave it out).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROW=${ROW:-304}
SLICE=${SLICE:-4}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-10}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT_BASE=${PORT_BASE:-18280}
NICE=${NICE:-$([[ $(id -u) == 0 ]] && echo -10 || echo 0)}
NGINX=${NGINX:-on}
RUN_SERVER="nice -n $NICE taskset -c $SERVER_CPU"
RUN_CLIENT="nice -n $NICE taskset -c $CLIENT_CPU"

die() {
	printf 'bench/interleave.sh: %s\n' "$*" >&2
	exit 1
}
log() { printf '== %s\n' "$*" >&2; }
for cmd in go wrk curl taskset; do
	command -v "$cmd" >/dev/null || die "$cmd is not on PATH (apt-get install wrk curl util-linux)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time is not installed (apt-get install time)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS is a number of rounds, 1 or more, not \"$ROUNDS\""
case $ROW in
304 | track | full) ;;
*) die "ROW is 304, track or full, not \"$ROW\"" ;;
esac

NAMES=(gohttp)
case $NGINX in
on)
	NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
	[[ -x $NGINX_BIN ]] || die "nginx is not installed (apt-get install nginx-light), or set NGINX=off"
	NAMES+=(nginx)
	;;
off) ;;
*) die "NGINX is on or off, not \"$NGINX\"" ;;
esac
NAMES+=(calfeed calfeed-quiet)
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

TMP=$(mktemp -d /tmp/calfeed-interleave.XXXXXX)
chmod 755 "$TMP" # nginx's worker runs as nobody and reads the site from here
autogroup_raise "$NICE"
cleanup() {
	local p
	autogroup_restore
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
go build -o "$TMP/gohttp" ./bench/gohttp
mkdir -p "$TMP/cal"
"$TMP/gen" -events 1000 -seed 1 >"$TMP/cal/events.yaml"
"$TMP/calfeed" build -config "$TMP/cal/events.yaml" -out "$TMP/site" -base-url "http://127.0.0.1:${PORT[calfeed]}" >"$TMP/build.txt" 2>&1 ||
	die "build failed: $(cat "$TMP/build.txt")"
chmod -R a+rX "$TMP/site"
TRACK=$(nearest_track "$TMP/site") || die "no track feed in $TMP/site/tracks"
case $ROW in
304 | track) URL_PATH=/tracks/$TRACK.ics ;;
full) URL_PATH=/calendar.ics ;;
esac

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
if [[ $NGINX == on ]]; then
	# As bench/run.sh configures it (sendfile on), on this script's port.
	nginx_conf "$TMP" "${PORT[nginx]}" "$TMP/site" "sendfile on; tcp_nopush on;" >"$TMP/nginx.conf"
	start nginx "$NGINX_BIN" -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log"
fi
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

WANT=200
[[ $ROW == 304 ]] && WANT=304
log "row $ROW ($URL_PATH, $WANT): $ROUNDS rounds of ${SLICE} s per server (after ${WARMUP} s of warm-up), the order turning each round"
order=("${NAMES[@]}")
for ((round = 1; round <= ROUNDS; round++)); do
	line="round $round:"
	for name in "${order[@]}"; do
		url="http://127.0.0.1:${PORT[$name]}$URL_PATH"
		args=(-t1 "-c$CONNS")
		[[ $ROW == 304 ]] && args+=(-H "If-None-Match: ${ETAG[$name]}")
		$RUN_CLIENT wrk "${args[@]}" "-d${WARMUP}s" "$url" >/dev/null
		t0=$(date +%s%N)
		read -r -a c0 <<<"$(cpu_ticks "$SERVER_CPU") $(cpu_ticks "$CLIENT_CPU")"
		p0=$(proc_ticks "${PID[$name]}")
		out=$($RUN_CLIENT /usr/bin/time -f 'wrk-cpu %U %S' wrk "${args[@]}" "-d${SLICE}s" "$url" 2>&1)
		p1=$(proc_ticks "${PID[$name]}")
		read -r -a c1 <<<"$(cpu_ticks "$SERVER_CPU") $(cpu_ticks "$CLIENT_CPU")"
		t1=$(date +%s%N)
		# req/s; the server's and wrk's share of a core in percent; and
		# the share of the server's core and of wrk's that other
		# processes took (their busy time less ours, plus steal).
		read -r rps scpu wcpu others < <(awk -v ticks="$((p1 - p0))" -v hz="$HZ" -v ns="$((t1 - t0))" \
			-v sb="$((c1[0] - c0[0]))" -v ss="$((c1[1] - c0[1]))" -v st="$((c1[2] - c0[2]))" \
			-v cb="$((c1[3] - c0[3]))" -v cs="$((c1[4] - c0[4]))" -v ct="$((c1[5] - c0[5]))" '
			function pct(busy, steal, total, ours) { o = busy - ours; if (o < 0) o = 0; return total > 0 ? 100 * (o + steal) / total : 0 }
			/^Requests\/sec:/ {r = $2}
			/Non-2xx|Socket errors/ {bad = 1}
			/^wrk-cpu/ {w = $2 + $3}
			END {
				if (bad) r = "errors"
				printf "%s %.0f %.0f %.0f/%.0f\n", r, 100 * ticks / hz / (ns / 1e9), 100 * w / (ns / 1e9), pct(sb, ss, st, ticks), pct(cb, cs, ct, w * hz)
			}' <<<"$out")
		[[ $rps != errors && -n $rps ]] || die "$name: wrk saw errors or statuses other than $WANT: $out"
		echo "$round $name $rps $scpu $wcpu $others" >>"$TMP/rows"
		line+=" $name $rps ($scpu%/$wcpu%, others $others%)"
	done
	log "$line"
	order=("${order[@]:1}" "${order[0]}")
done

echo
REV=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- . 2>/dev/null || REV="$REV with uncommitted changes"
echo "Row $ROW: $([[ $ROW == 304 ]] && echo "304s of ")$URL_PATH ($(stat -c %s "$TMP/site$URL_PATH") B) at $REV: each server on CPU $SERVER_CPU, wrk (1 thread, $CONNS connections) on CPU $CLIENT_CPU; $ROUNDS rounds of $SLICE s per server after $WARMUP s of warm-up, the order turning each round. A ratio is taken within each round, then the median of the rounds (of an even number, the lower middle one) and their range; the medians of req/s and of the ratios may come from different rounds. \"Rounds at 0.9x or more\": issue 16's target against gohttp on every row and against nginx on the 1 MiB feed (against nginx on 304s it is 0.7x). CPU: the share of its core the server and wrk each used while measured (median of the rounds); others: the most that other processes took of the server's core and of wrk's in any round (over 10% disturbs a round)."
[[ -z $BEFORE ]] || { echo; echo "calfeed-before: calfeed serve built from $(git rev-parse --short "$BEFORE"), its request log on."; }
ratio_table() { # base: every server's req/s against base's, round by round
	local base=$1
	for name in "${NAMES[@]}"; do
		awk -v n="$name" -v base="$base" '
			$2 == base { g[$1] = $3 }
			$2 == n { v[$1] = $3; sc[$1] = $4; wc[$1] = $5; split($6, o, "/"); os[$1] = o[1]; oc[$1] = o[2]; r[++k] = $1 }
			function med(x, n,   i, j, t, y) { for (i = 1; i <= n; i++) y[i] = x[i]; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (y[j] < y[i]) { t = y[i]; y[i] = y[j]; y[j] = t }; return y[int((n + 1) / 2)] }
			END {
				lo = ""; hi = ""; met = 0; ms = 0; mc = 0
				for (i = 1; i <= k; i++) {
					q[i] = v[r[i]] / g[r[i]]; a[i] = v[r[i]]; s[i] = sc[r[i]]; w[i] = wc[r[i]]
					if (lo == "" || q[i] < lo) lo = q[i]
					if (hi == "" || q[i] > hi) hi = q[i]
					if (q[i] >= 0.9) met++
					if (os[r[i]] > ms) ms = os[r[i]]
					if (oc[r[i]] > mc) mc = oc[r[i]]
				}
				printf "| %s | %.0f | **%.2fx** | %.2f-%.2fx | %d of %d | %.0f%% | %.0f%% | %d%%/%d%% |\n", n, med(a, k), med(q, k), lo, hi, met, k, med(s, k), med(w, k), ms, mc
			}' "$TMP/rows"
	done
}
for base in gohttp nginx; do
	[[ " ${NAMES[*]} " == *" $base "* ]] || continue
	echo
	echo "| server | req/s, median | / $base, median of the rounds | range | rounds at 0.9x or more | server CPU | wrk CPU | others, server core / wrk core |"
	echo "|---|---|---|---|---|---|---|---|"
	ratio_table "$base"
done
# When wrk's core is what limits, the req/s compare what wrk pays to read
# each server's responses more than the servers: say so under the table.
awk '
	{ w[$2] += $5; s[$2] += $4; n[$2]++ }
	END {
		busy = 0; idle = ""
		for (x in n) {
			if (w[x] / n[x] >= 90) busy++
			if (s[x] / n[x] < 85) idle = idle (idle == "" ? "" : ", ") sprintf("%s %.0f%%", x, s[x] / n[x])
		}
		if (busy > 0 && idle != "")
			printf "\nwrk used 90%% of its core or more against %d of the servers, while some used well under theirs (%s): on this row the req/s say as much about what wrk pays to read each server'"'"'s responses as about the servers.\n", busy, idle
	}' "$TMP/rows"
echo
if [[ -n $BEFORE ]]; then
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
