#!/usr/bin/env bash
# bench/run.sh: calfeed side by side with nginx, a minimal net/http server and Node, on this
# machine, in one run. One command: `bash bench/run.sh`. About 4 minutes.
#
# What it does (see BENCHMARKS.md for the method):
#   1. installs what is missing (apt-get: wrk, nginx, time, curl; nodejs and
#      npm only if there is no node), builds calfeed and the helpers, and
#      generates the 1000-event synthetic calendar (bench/gen, seed 1);
#   2. `calfeed build` writes its files; nginx serves them, bench/gohttp (a
#      minimal net/http server) serves them from memory, calfeed serves the
#      YAML, and bench/node/server.js serves the built files from memory: the
#      same feed bytes everywhere (checked: status, Content-Length, SHA-256);
#   3. wrk (1 thread, 64 connections, on CPU 0) against each server (on CPU
#      1), row by row, servers interleaved: a ~56 KiB track feed, the ~1 MiB
#      full feed, a 304 revalidation; then calfeed's combined feed and agenda;
#   4. reload of a 10,000-event calendar under load (p99 with and without);
#   5. load + render of 1k/10k/100k events, and of the largest again with
#      the lock file `calfeed stamp` writes (bench/startup under
#      /usr/bin/time -v, SCALE_RUNS times: the median's seconds (the lower
#      middle one of an even number), the range, and the largest peak RSS);
#   6. the render time of the 1000-event feed, in CPU time: calfeed
#      (bench/startup -render-full) against ical-generator
#      (bench/node/render.js), both on CPU 1.
# It prints the tables in Markdown and writes them, with the raw wrk output,
# to bench/out/. Everything it starts listens on 127.0.0.1 only, is bounded
# by `timeout`, and is stopped by pid when the script exits.
#
# Knobs (environment): DURATION (s per measured run, 10), WARMUP (s, 2),
# CONNS (64), ROUNDS (rounds of the throughput rows, median taken; 1),
# SERVER_CPU (1), CLIENT_CPU (0), SIZES ("1000 10000 100000"), SCALE_RUNS (3), PORT_BASE
# (18080), RETRIES (2) and DISTURBED (10, percent: see bench()), NICE (-10
# as root), NGINX_SENDFILE (on; off: copy from a 2 MiB buffer instead),
# SKIP_RELOAD=1, SKIP_SCALE=1, THP_ROW=1 (as root: the largest size again
# with the kernel's transparent huge pages set to "always"; see below).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source bench/lib.sh

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-1}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
SIZES=${SIZES:-1000 10000 100000}
SCALE_RUNS=${SCALE_RUNS:-3}
[[ $SCALE_RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: SCALE_RUNS is a number of runs, 1 or more, not \"$SCALE_RUNS\"" >&2; exit 2; }
PORT_BASE=${PORT_BASE:-18080}
PORT_NGINX=$((PORT_BASE + 1))
PORT_CALFEED=$((PORT_BASE + 2))
PORT_NODE=$((PORT_BASE + 3))
PORT_RELOAD=$((PORT_BASE + 4))
PORT_GOHTTP=$((PORT_BASE + 5))
PORT_QUIET=$((PORT_BASE + 6))
PORT_JSON=$((PORT_BASE + 7))
PORT_SENDFILE=$((PORT_BASE + 8))
RETRIES=${RETRIES:-2}
DISTURBED=${DISTURBED:-10}
SERVERS=(nginx gohttp calfeed node)
# Servers and wrk run at a raised priority (as root) so that other work on a
# shared machine disturbs them less; NICE=0 turns that off. With the
# kernel's autogroups (sched_autogroup_enabled), a nice value counts only
# within a session, so the script's own session gets it too, until it exits.
NICE=${NICE:-$([[ $(id -u) == 0 ]] && echo -10 || echo 0)}
RUN_SERVER="nice -n $NICE taskset -c $SERVER_CPU"
RUN_CLIENT="nice -n $NICE taskset -c $CLIENT_CPU"
# The kernel's transparent huge pages: in "madvise" mode (as on the machine
# BENCHMARKS.md reports) Go's heap gets none, and a large load pays a page
# fault for every 4 KiB it touches; "always" gives it 2 MiB pages.
# THP_ROW=1 (as root) adds a row for the largest size with "always" set
# for its runs, then put back.
THP_FILE=/sys/kernel/mm/transparent_hugepage/enabled
THP_MODE=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$THP_FILE" 2>/dev/null || true)
THP_MODE=${THP_MODE:-unknown}
THP_ROW=${THP_ROW:-0}
[[ $THP_ROW != 1 || $THP_MODE == always || ($(id -u) == 0 && -w $THP_FILE) ]] ||
	{ echo "bench/run.sh: THP_ROW=1 sets $THP_FILE for a row, which needs root" >&2; exit 2; }
thp_set() { # mode: write it, if it is not already the mode
	[[ $(sed -n 's/.*\[\(.*\)\].*/\1/p' "$THP_FILE") == "$1" ]] || echo "$1" >"$THP_FILE"
}

log() { printf '== %s\n' "$*" >&2; }
die() {
	printf 'bench/run.sh: %s\n' "$*" >&2
	exit 1
}

# --- what it needs -----------------------------------------------------------
install_missing() {
	local pkgs=()
	command -v wrk >/dev/null || pkgs+=(wrk)
	command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || pkgs+=(nginx)
	[[ -x /usr/bin/time ]] || pkgs+=(time)
	command -v curl >/dev/null || pkgs+=(curl)
	command -v taskset >/dev/null || pkgs+=(util-linux)
	command -v node >/dev/null || pkgs+=(nodejs npm)
	((${#pkgs[@]})) || return 0
	[[ $(id -u) == 0 ]] || die "missing ${pkgs[*]}; install them (apt-get needs root)"
	log "installing ${pkgs[*]}"
	# Keep the packages' scripts from starting a system nginx on port 80: a
	# server this script did not start, and would not stop.
	local policy=""
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null ||
		{ [[ -z $policy ]] || rm -f "$policy"; die "apt-get install ${pkgs[*]} failed"; }
	[[ -z $policy ]] || rm -f "$policy"
}
install_missing
command -v go >/dev/null || die "go is not on PATH"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# --- a scratch directory, and every process stopped by pid on exit ------------
OUT=$ROOT/bench/out
STAMP=$(date -u +%Y%m%d-%H%M%S)
RAW=$OUT/raw-$STAMP
mkdir -p "$RAW"
TMP=$(mktemp -d /tmp/calfeed-bench.XXXXXX)
chmod 755 "$TMP" # nginx's worker runs as nobody and reads the site from here
PIDS=()
autogroup_raise "$NICE"
THP_RESTORE= # the huge-page mode to put back, while THP_ROW's runs have changed it
cleanup() {
	local pid
	autogroup_restore
	[[ -z $THP_RESTORE ]] || echo "$THP_RESTORE" >"$THP_FILE" || true # and go on stopping the servers
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop() { # pid: stop one process this script started
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

for port in "$PORT_NGINX" "$PORT_CALFEED" "$PORT_NODE" "$PORT_RELOAD" "$PORT_GOHTTP" "$PORT_QUIET" "$PORT_JSON" "$PORT_SENDFILE"; do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
		die "port $port is in use; set PORT_BASE"
	fi
done

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- build and generate ---------------------------------------------------------
log "building calfeed, bench/gen, bench/startup"
export CGO_ENABLED=0
go build -trimpath -o "$TMP/calfeed" ./cmd/calfeed
go build -o "$TMP/gen" ./bench/gen
go build -o "$TMP/startup" ./bench/startup
go build -trimpath -o "$TMP/gohttp" ./bench/gohttp

log "generating the 1000-event calendar and building its files"
mkdir -p "$TMP/cal"
"$TMP/gen" -events 1000 -seed 1 >"$TMP/cal/events.yaml"
"$TMP/calfeed" check "$TMP/cal/events.yaml" >"$RAW/check.txt" 2>&1 || die "check failed: $(cat "$RAW/check.txt")"
"$TMP/calfeed" build -config "$TMP/cal/events.yaml" -out "$TMP/site" -base-url "http://127.0.0.1:$PORT_CALFEED" >"$RAW/build.txt" 2>&1 || die "build failed: $(cat "$RAW/build.txt")"
chmod -R a+rX "$TMP/site"

# The ~56 KiB row: the track feed whose size is nearest 56 KiB.
TRACK=$(nearest_track "$TMP/site") || die "no track feed in $TMP/site/tracks"
count_events() { grep -c '^BEGIN:VEVENT' "$1"; }
TRACK_FILE=$TMP/site/tracks/$TRACK.ics
FULL_FILE=$TMP/site/calendar.ics
# A combined feed of two tracks and a personal agenda of 20 events (the
# same ones as BenchmarkServe).
COMBINED="/calendar.ics?tracks=track-001,track-002"
AGENDA="/calendar.ics?events=$(for i in $(seq 0 19); do printf 'ev-%06d,' $((i * 50 + 8)); done | sed 's/,$//')"

# nginx as people deploy it: sendfile on. On loopback, copying from a large
# buffer is faster for the 1 MiB feed; NGINX_SENDFILE=off measures that.
NGINX_SENDFILE=${NGINX_SENDFILE:-on}
case $NGINX_SENDFILE in
on) NGINX_SENDFILE_CONF="sendfile on; tcp_nopush on;" ;;
off) NGINX_SENDFILE_CONF="sendfile off; output_buffers 1 2m;" ;;
*) die "NGINX_SENDFILE is on or off, not $NGINX_SENDFILE" ;;
esac

# --- the servers ------------------------------------------------------------
nginx_conf "$TMP" "$PORT_NGINX" "$TMP/site" "$NGINX_SENDFILE_CONF" >"$TMP/nginx.conf"

log "installing the Node peer's packages (npm ci, into the scratch directory)"
mkdir -p "$TMP/node"
cp bench/node/package.json bench/node/package-lock.json bench/node/server.js bench/node/render.js "$TMP/node/"
(cd "$TMP/node" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >"$RAW/npm.txt" 2>&1) ||
	die "npm ci failed: $(tail -5 "$RAW/npm.txt")"

wait_up() { # name pid url seconds
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		kill -0 "$2" 2>/dev/null || die "$1 exited at start; see its log"
		curl -s -o /dev/null --max-time 1 "$3" && return 0
		sleep 0.1
	done
	die "$1 did not answer $3 within $4 s"
}

log "starting nginx, gohttp, calfeed serve and node, each on CPU $SERVER_CPU"
$RUN_SERVER "$NGINX" -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" >"$TMP/nginx.out" 2>&1 &
PID_NGINX=$!
PIDS+=("$PID_NGINX")
# calfeed logs one line per request, as it ships; to a file, as a service's
# stderr would go to a log collector.
$RUN_SERVER "$TMP/calfeed" serve -config "$TMP/cal/events.yaml" -addr "127.0.0.1:$PORT_CALFEED" >"$TMP/calfeed.log" 2>&1 &
PID_CALFEED=$!
PIDS+=("$PID_CALFEED")
# The same without its request log (-request-log=false), on the 304 row only.
$RUN_SERVER "$TMP/calfeed" serve -config "$TMP/cal/events.yaml" -addr "127.0.0.1:$PORT_QUIET" -request-log=false >"$TMP/calfeed-quiet.log" 2>&1 &
PID_QUIET=$!
PIDS+=("$PID_QUIET")
# The same with its request log in JSON (-log-format json, as the Kubernetes
# manifests run it), on the 304 row only.
$RUN_SERVER "$TMP/calfeed" serve -config "$TMP/cal/events.yaml" -addr "127.0.0.1:$PORT_JSON" -log-format json >"$TMP/calfeed-json.log" 2>&1 &
PID_JSON=$!
PIDS+=("$PID_JSON")
# The same sending its large feeds with sendfile(2) (-sendfile), on the
# full feed's row only.
$RUN_SERVER "$TMP/calfeed" serve -config "$TMP/cal/events.yaml" -addr "127.0.0.1:$PORT_SENDFILE" -sendfile >"$TMP/calfeed-sendfile.log" 2>&1 &
PID_SENDFILE=$!
PIDS+=("$PID_SENDFILE")
# The platform's own baseline: a minimal net/http server writing the same
# bytes from memory (bench/gohttp).
$RUN_SERVER "$TMP/gohttp" "$TMP/site" "127.0.0.1:$PORT_GOHTTP" >"$TMP/gohttp.log" 2>&1 &
PID_GOHTTP=$!
PIDS+=("$PID_GOHTTP")
$RUN_SERVER node "$TMP/node/server.js" "$TMP/site" "$PORT_NODE" >"$TMP/node.log" 2>&1 &
PID_NODE=$!
PIDS+=("$PID_NODE")
wait_up nginx "$PID_NGINX" "http://127.0.0.1:$PORT_NGINX/calendar.ics" 10
wait_up calfeed "$PID_CALFEED" "http://127.0.0.1:$PORT_CALFEED/healthz" 60
wait_up calfeed-quiet "$PID_QUIET" "http://127.0.0.1:$PORT_QUIET/healthz" 60
wait_up calfeed-json "$PID_JSON" "http://127.0.0.1:$PORT_JSON/healthz" 60
wait_up calfeed-sendfile "$PID_SENDFILE" "http://127.0.0.1:$PORT_SENDFILE/healthz" 60
wait_up node "$PID_NODE" "http://127.0.0.1:$PORT_NODE/calendar.ics" 10
wait_up gohttp "$PID_GOHTTP" "http://127.0.0.1:$PORT_GOHTTP/calendar.ics" 10

declare -A PORT=([nginx]=$PORT_NGINX [gohttp]=$PORT_GOHTTP [calfeed]=$PORT_CALFEED [node]=$PORT_NODE [sendfile]=$PORT_SENDFILE)
declare -A PID=([nginx]=$PID_NGINX [gohttp]=$PID_GOHTTP [calfeed]=$PID_CALFEED [node]=$PID_NODE)
declare -A ETAG CLEN

# check name server path file: the server sends exactly the file's bytes.
check_same() {
	local url="http://127.0.0.1:${PORT[$2]}$3" hdr="$TMP/h" body="$TMP/b"
	local code
	code=$(curl -s -D "$hdr" -o "$body" -w '%{http_code}' --max-time 10 "$url")
	[[ $code == 200 ]] || die "GET $url: status $code"
	grep -qi '^content-type: text/calendar; charset=utf-8' "$hdr" || die "GET $url: $(grep -i '^content-type' "$hdr")"
	if [[ -n $4 ]] && ! cmp -s "$body" "$4"; then
		die "GET $url: body differs from $4 ($(stat -c %s "$body") vs $(stat -c %s "$4") bytes)"
	fi
	CLEN[$1,$2]=$(grep -i '^content-length:' "$hdr" | tr -dc 0-9)
	[[ ${CLEN[$1,$2]} == "$(stat -c %s "$body")" ]] || die "GET $url: Content-Length ${CLEN[$1,$2]}, body $(stat -c %s "$body") bytes"
	ETAG[$1,$2]=$(grep -i '^etag:' "$hdr" | sed 's/^[^:]*: *//' | tr -d '\r')
	cp "$body" "$TMP/body-$1-$2"
}
for s in "${SERVERS[@]}"; do
	check_same track "$s" "/tracks/$TRACK.ics" "$TRACK_FILE"
	check_same full "$s" /calendar.ics "$FULL_FILE"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${ETAG[track,$s]}" "http://127.0.0.1:${PORT[$s]}/tracks/$TRACK.ics")
	[[ $code == 304 ]] || die "$s: If-None-Match ${ETAG[track,$s]}: status $code, want 304"
done
for variant in "$PORT_QUIET -request-log=false" "$PORT_JSON -log-format json"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${ETAG[track,calfeed]}" "http://127.0.0.1:${variant%% *}/tracks/$TRACK.ics")
	[[ $code == 304 ]] || die "calfeed ${variant#* }: If-None-Match ${ETAG[track,calfeed]}: status $code, want 304"
done
check_same full sendfile /calendar.ics "$FULL_FILE"
check_same combined calfeed "$COMBINED" ""
check_same agenda calfeed "$AGENDA" ""
# The same bytes as static files for nginx: what serving that many bytes
# costs the fastest server here, against its own track feed.
for row in combined agenda; do
	cp "$TMP/body-$row-calfeed" "$TMP/site/bench-$row.ics"
	chmod a+r "$TMP/site/bench-$row.ics"
	check_same "$row" nginx "/bench-$row.ics" "$TMP/body-$row-calfeed"
done
for s in "${SERVERS[@]}"; do
	[[ ${CLEN[track,$s]} == "${CLEN[track,calfeed]}" && ${CLEN[full,$s]} == "${CLEN[full,calfeed]}" ]] ||
		die "Content-Length differs between servers ($s)"
done
log "same bytes from every server: $TRACK.ics ${CLEN[track,calfeed]} B, calendar.ics ${CLEN[full,calfeed]} B"

# --- wrk ------------------------------------------------------------------------------
# Other processes on this machine (tests, builds) may take the cores a run is
# pinned to: taskset does not reserve a core. Each run therefore records, from
# /proc, how much of the server's CPU and of wrk's CPU went to anything else
# (user and system time not the server's or wrk's, plus steal), retries a run
# where that is over DISTURBED percent (RETRIES times at most), keeps the
# least disturbed one and reports it.
declare -A RPS P99 ERRS DIST SCPU STICKS PERCPU
# bench key pid url [header]: warm up, measure, keep req/s, p99, errors and
# the share of the two CPUs that other processes took.
bench() {
	local key=$1 pid=$2 url=$3 out="$RAW/wrk-$1.txt"
	local args=(-t1 "-c$CONNS" --latency --timeout 5s)
	[[ -n ${4-} ]] && args+=(-H "$4")
	local try best="" s0 s1 p0 s0b s1b p1 w
	for ((try = 0; try <= RETRIES; try++)); do
		$RUN_CLIENT timeout $((WARMUP + 15)) wrk "${args[@]}" "-d${WARMUP}s" "$url" >/dev/null ||
			die "wrk (warm-up) failed on $url"
		read -r -a s0 <<<"$(cpu_ticks "$SERVER_CPU")"
		read -r -a s1 <<<"$(cpu_ticks "$CLIENT_CPU")"
		p0=$(proc_ticks "$pid")
		$RUN_CLIENT /usr/bin/time -f '%U %S' -o "$TMP/wrk-time" timeout $((DURATION + 15)) wrk "${args[@]}" "-d${DURATION}s" "$url" >"$out.try" ||
			die "wrk failed on $url: $(cat "$out.try")"
		read -r -a s0b <<<"$(cpu_ticks "$SERVER_CPU")"
		read -r -a s1b <<<"$(cpu_ticks "$CLIENT_CPU")"
		p1=$(proc_ticks "$pid")
		w=$(tail -1 "$TMP/wrk-time" | awk -v hz="$HZ" '{printf "%d", ($1 + $2) * hz}')
		# Percent of each CPU's time taken by others: its busy time less
		# ours, plus steal. Never below zero (tick rounding).
		local d
		d=$(awk -v sb="$((s0b[0] - s0[0]))" -v ss="$((s0b[1] - s0[1]))" -v st="$((s0b[2] - s0[2]))" -v ours="$((p1 - p0))" \
			-v cb="$((s1b[0] - s1[0]))" -v cs="$((s1b[1] - s1[1]))" -v ct="$((s1b[2] - s1[2]))" -v wrk="$w" '
			function pct(busy, steal, total, ours) { o = busy - ours; if (o < 0) o = 0; return total > 0 ? 100 * (o + steal) / total : 0 }
			BEGIN { printf "%.0f %.0f %.0f", pct(sb, ss, st, ours), pct(cb, cs, ct, wrk), (st > 0 ? 100 * ours / st : 0) }')
		local other_s other_c mine worst
		read -r other_s other_c mine <<<"$d"
		worst=$((other_s > other_c ? other_s : other_c))
		if [[ -z $best || $worst -lt $best ]]; then
			best=$worst
			mv "$out.try" "$out"
			DIST[$key]="$other_s/$other_c"
			SCPU[$key]=$mine
			STICKS[$key]=$((p1 - p0))
			echo "server CPU: ${mine}% to the server, ${other_s}% to other processes; wrk CPU: $(awk -v w="$w" -v t="$((s1b[2] - s1[2]))" 'BEGIN {printf "%.0f", (t > 0 ? 100 * w / t : 0)}')% to wrk, ${other_c}% to other processes" >>"$out"
		fi
		((worst <= DISTURBED)) && break
		log "$key: other processes took ${other_s}% of CPU $SERVER_CPU and ${other_c}% of CPU $CLIENT_CPU; again"
	done
	rm -f "$out.try"
	RPS[$key]=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	P99[$key]=$(awk '$1 == "99%" {print $2}' "$out")
	# Requests per second of the server's CPU time: what the server would do
	# on a core of its own, if it is the bottleneck (server CPU near 100%).
	PERCPU[$key]=$(awk -v t="${STICKS[$key]}" -v hz="$HZ" '$2 == "requests" && $3 == "in" {n = $1} END {if (t > 0) printf "%.0f", n / (t / hz); else print 0}' "$out")
	ERRS[$key]=$(awk '/Non-2xx or 3xx/ {n += $NF} /Socket errors/ {gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) n += $i} END {print n + 0}' "$out")
	log "$(printf '%-22s %10s req/s  p99 %-9s errors %s  server CPU %s%%  %s req/CPU-s  others on CPUs %s%%' "$key" "${RPS[$key]}" "${P99[$key]}" "${ERRS[$key]}" "${SCPU[$key]}" "${PERCPU[$key]}" "${DIST[$key]}")"
}

for ((round = 1; round <= ROUNDS; round++)); do
	log "round $round of $ROUNDS: $DURATION s per run after $WARMUP s of warm-up"
	for row in track full 304; do
		for s in "${SERVERS[@]}"; do
			case $row in
			track) bench "$row,$s,$round" "${PID[$s]}" "http://127.0.0.1:${PORT[$s]}/tracks/$TRACK.ics" ;;
			full) bench "$row,$s,$round" "${PID[$s]}" "http://127.0.0.1:${PORT[$s]}/calendar.ics" ;;
			304) bench "$row,$s,$round" "${PID[$s]}" "http://127.0.0.1:${PORT[$s]}/tracks/$TRACK.ics" "If-None-Match: ${ETAG[track,$s]}" ;;
			esac
		done
		if [[ $row == full ]]; then
			bench "full,sendfile,$round" "$PID_SENDFILE" "http://127.0.0.1:$PORT_SENDFILE/calendar.ics"
		fi
		if [[ $row == 304 ]]; then
			bench "304,quiet,$round" "$PID_QUIET" "http://127.0.0.1:$PORT_QUIET/tracks/$TRACK.ics" "If-None-Match: ${ETAG[track,calfeed]}"
			bench "304,json,$round" "$PID_JSON" "http://127.0.0.1:$PORT_JSON/tracks/$TRACK.ics" "If-None-Match: ${ETAG[track,calfeed]}"
		fi
	done
	bench "combined,calfeed,$round" "$PID_CALFEED" "http://127.0.0.1:$PORT_CALFEED$COMBINED"
	bench "agenda,calfeed,$round" "$PID_CALFEED" "http://127.0.0.1:$PORT_CALFEED$AGENDA"
	bench "combined,nginx,$round" "$PID_NGINX" "http://127.0.0.1:$PORT_NGINX/bench-combined.ics"
	bench "agenda,nginx,$round" "$PID_NGINX" "http://127.0.0.1:$PORT_NGINX/bench-agenda.ics"
done
CALFEED_LOG_LINES=$(wc -l <"$TMP/calfeed.log")
stop "$PID_NGINX"
stop "$PID_GOHTTP"
stop "$PID_CALFEED"
stop "$PID_QUIET"
stop "$PID_SENDFILE"
stop "$PID_JSON"
stop "$PID_NODE"

# median ARRAY key: the median over the rounds of ARRAY[key,round].
median() {
	local -n arr=$1
	local r
	for ((r = 1; r <= ROUNDS; r++)); do echo "${arr[$2,$r]}"; done | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
fmtint() { awk -v a="$1" 'BEGIN {printf "%\047d", a}'; }
meets() { awk -v a="$1" -v b="$2" 'BEGIN {print (a >= b) ? "yes" : "**no**"}'; }

# --- reload under load -------------------------------------------------------------
RELOAD_LINE=""
if [[ ${SKIP_RELOAD:-} != 1 ]]; then
	log "reload: 10,000 events, wrk on a track feed, with and without reloads"
	mkdir -p "$TMP/reload"
	"$TMP/gen" -events 10000 -seed 1 >"$TMP/reload/events.yaml"
	$RUN_SERVER "$TMP/calfeed" serve -config "$TMP/reload/events.yaml" -addr "127.0.0.1:$PORT_RELOAD" >"$TMP/reload.log" 2>&1 &
	PID_RELOAD=$!
	PIDS+=("$PID_RELOAD")
	wait_up "calfeed (10k)" "$PID_RELOAD" "http://127.0.0.1:$PORT_RELOAD/healthz" 180
	url="http://127.0.0.1:$PORT_RELOAD/tracks/track-001.ics"
	bench "reload-base" "$PID_RELOAD" "$url"
	before=$(grep -c 'msg=reloaded' "$TMP/reload.log" || true)
	# Change the file after 1 s, then every 3 s: a comment line changes its
	# bytes, not its events.
	# Its sleep is stopped with it (the trap), so nothing outlives the script.
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		i=0 pause=1
		while :; do
			sleep "$pause" &
			sp=$!
			wait "$sp"
			i=$((i + 1)) pause=3
			echo "# bench reload $i" >>"$TMP/reload/events.yaml"
		done
	) &
	PID_TOUCH=$!
	PIDS+=("$PID_TOUCH")
	bench "reload-during" "$PID_RELOAD" "$url"
	stop "$PID_TOUCH"
	# Reloads finished while wrk ran (warm-up included): the ones that count.
	reloads=$(($(grep -c 'msg=reloaded' "$TMP/reload.log" || true) - before))
	# Let the last reload finish before stopping (a failed one is logged):
	# wait until the log stops growing.
	last=-1
	for ((i = 0; i < 60; i++)); do
		now=$(grep -c 'msg=reloaded\|reload failed' "$TMP/reload.log" || true)
		[[ $now == "$last" ]] && break
		last=$now
		sleep 3
	done
	failed=$(grep -c 'reload failed' "$TMP/reload.log" || true)
	stop "$PID_RELOAD"
	to_ms() { awk -v v="$1" 'BEGIN {if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else if (v ~ /s$/) printf "%.3f", v * 1000; else print v}'; }
	base_p99=$(to_ms "${P99[reload-base]}")
	during_p99=$(to_ms "${P99[reload-during]}")
	RELOAD_LINE="| 10,000 events, /tracks/track-001.ics | $(fmtint "${RPS[reload-base]}") | ${P99[reload-base]} | $(fmtint "${RPS[reload-during]}") | ${P99[reload-during]} | $(ratio "$during_p99" "$base_p99") | $reloads ($failed failed) | ${ERRS[reload-during]} | $(awk -v r="$(ratio "$during_p99" "$base_p99")" -v e="${ERRS[reload-during]}" -v n="$reloads" 'BEGIN {print (r != "n/a" && r <= 2 && e == 0 && n > 0) ? "yes" : "**no**"}') | ${DIST[reload-base]}, ${DIST[reload-during]} |"
fi

# --- load + render at scale ----------------------------------------------------------
SCALE_LINES=()
scale_row() { # events label suffix [stamped]: SCALE_RUNS runs of bench/startup, one table row
	local n=$1 label=$2 ysize runs=() rss_kb=0 failed= r total sorted mid range line cpu
	"$TMP/gen" -events "$n" -seed 1 >"$TMP/scale.yaml"
	ysize=$(stat -c %s "$TMP/scale.yaml")
	if [[ ${4:-} == stamped ]]; then # with its lock file, as calfeed stamp writes it
		if ! timeout 600 "$TMP/calfeed" stamp "$TMP/scale.yaml" >"$RAW/stamp-$n.txt" 2>&1; then
			rm -f "$TMP/scale.yaml" "$TMP/scale.yaml.lock"
			SCALE_LINES+=("| $label, with its lock | $((ysize / 1024 / 1024)) MiB | calfeed stamp failed or timed out (see raw/stamp-$n.txt) | | | | | |")
			return
		fi
		label="$label, with its lock ($(awk -v b="$(stat -c %s "$TMP/scale.yaml.lock")" 'BEGIN {printf "%.0f MiB", b / 1048576}'))"
	fi
	for ((r = 1; r <= SCALE_RUNS; r++)); do
		if ! timeout 600 /usr/bin/time -v "$TMP/startup" "$TMP/scale.yaml" >"$RAW/startup-$n$3-$r.txt" 2>"$RAW/time-$n$3-$r.txt"; then
			failed=$r
			break
		fi
		total=$(sed -n 's/.*total_s=\([^ ]*\).*/\1/p' "$RAW/startup-$n$3-$r.txt")
		runs+=("$total $r")
		# The peak is the largest of the runs', not the median's.
		rss_kb=$(awk -F': ' -v m="$rss_kb" '/Maximum resident set size/ && $2 > m {m = $2} END {print m}' "$RAW/time-$n$3-$r.txt")
	done
	rm -f "$TMP/scale.yaml" "$TMP/scale.yaml.lock"
	if [[ -n $failed ]]; then
		SCALE_LINES+=("| $label | $((ysize / 1024 / 1024)) MiB | failed or timed out (see raw/time-$n$3-$failed.txt) | | | | | |")
		return
	fi
	# The run of the median total time gives the row (of an even number,
	# the lower of the middle two); the range follows it.
	sorted=$(printf '%s\n' "${runs[@]}" | sort -n)
	mid=$(sed -n "$(((SCALE_RUNS + 1) / 2))p" <<<"$sorted" | cut -d' ' -f2)
	range=$(awk 'NR == 1 {lo = $1} {hi = $1} END {print (NR > 1) ? " (" lo "-" hi ")" : ""}' <<<"$sorted")
	line=$(cat "$RAW/startup-$n$3-$mid.txt")
	get() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$line"; }
	cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.1f", u + s}' "$RAW/time-$n$3-$mid.txt")
	total=$(get total_s)
	SCALE_LINES+=("| $label | $(awk -v b="$ysize" 'BEGIN {printf "%.1f MiB", b / 1048576}') | $(get load_s) | $(get render_s) | $total$range | $cpu | $(awk -v k="$rss_kb" 'BEGIN {printf "%.0f MiB", k / 1024}') | $(awk -v t="$total" -v n="$n" 'BEGIN {printf "%.1f", t * 1e6 / n}') |")
}
if [[ ${SKIP_SCALE:-} != 1 ]]; then
	for n in $SIZES; do
		log "load + render: $n events, $SCALE_RUNS run(s)"
		scale_row "$n" "$(fmtint "$n")" ""
	done
	largest=$(tr ' ' '\n' <<<"$SIZES" | sort -n | tail -1)
	log "load + render: $largest events with the lock calfeed stamp writes, $SCALE_RUNS run(s)"
	scale_row "$largest" "$(fmtint "$largest")" "-stamped" stamped
	if [[ $THP_ROW == 1 && $THP_MODE != always ]]; then
		log "load + render: $largest events with transparent huge pages \"always\", $SCALE_RUNS run(s)"
		THP_RESTORE=$THP_MODE
		thp_set always
		scale_row "$largest" "$(fmtint "$largest"), huge pages" "-thp"
		thp_set "$THP_RESTORE"
		THP_RESTORE=
	fi
fi

# --- render time: calfeed against ical-generator --------------------------------------
log "render time of the 1000-event feed: calfeed (bench/startup -render-full) and ical-generator (render.js)"
$RUN_SERVER timeout 300 "$TMP/startup" -render-full 20 "$TMP/cal/events.yaml" >"$RAW/go-render.txt" 2>&1 ||
	die "bench/startup -render-full failed: $(tail -5 "$RAW/go-render.txt")"
go_ms() { awk -v m="render-full=$1" -v f="$2" '$1 == m {for (i = 2; i <= NF; i++) {split($i, kv, "="); if (kv[1] == f) print kv[2]}}' "$RAW/go-render.txt"; }
GO_NEW=$(go_ms new+write wall_ms) GO_NEW_CPU=$(go_ms new+write cpu_ms)
GO_WRITE=$(go_ms write wall_ms) GO_WRITE_CPU=$(go_ms write cpu_ms)
$RUN_SERVER timeout 300 node "$TMP/node/render.js" "$TMP/cal/events.yaml" 10 >"$RAW/node-render.json" ||
	die "render.js failed"
node_field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$RAW/node-render.json"; }
NODE_MS=$(node_field build_render_ms_median)
NODE_MIN=$(node_field build_render_ms_min)
NODE_CPU=$(node_field build_render_cpu_ms_median)
NODE_TOSTRING=$(node_field to_string_ms_median)

# --- the report --------------------------------------------------------------------------
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
report() {
	echo "# calfeed benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(nproc) CPUs ($CPU_MODEL), Linux $(uname -r), $(go version | awk '{print $3}'), $("$NGINX" -v 2>&1 | sed 's/.*: //'), node $(node --version), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')."
	echo "Priority: nice $NICE for the servers, wrk and the script's session (autogroup), so that other work on the machine takes little of their cores (see the last column below)."
	echo "calfeed at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git --no-optional-locks status --porcelain -- cmd internal 2>/dev/null) ]] && echo ' with uncommitted changes')."
	echo
	echo "## Throughput, requests per second"
	echo
	echo "wrk 1 thread, $CONNS connections, $DURATION s after $WARMUP s of warm-up, on CPU $CLIENT_CPU; each server on CPU $SERVER_CPU; loopback; servers interleaved row by row; median of $ROUNDS round(s). The same bytes from every server (status, Content-Length and SHA-256 checked). nginx serves \`calfeed build\` output (sendfile $NGINX_SENDFILE, buffered access log, worker_processes 1); calfeed serve logs every request to a file; gohttp (bench/gohttp) is a minimal net/http server writing the same bytes from memory with one Write, no log; node serves the same files from memory (node:http, no log)."
	echo
	echo "| feed | bytes | nginx | gohttp | calfeed | node | calfeed / nginx | calfeed / gohttp | node / nginx | target | met |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	local row label target n g c o bytes ok
	for row in track full 304; do
		# Issue 16's targets: at least 0.9x the minimal net/http server on
		# every row, and against nginx 0.9x on the 1 MiB feed, 0.7x on 304s.
		case $row in
		track) label="\`/tracks/$TRACK.ics\` ($(count_events "$TRACK_FILE") events)" target=0 bytes=$(fmtint "${CLEN[track,calfeed]}") ;;
		full) label="\`/calendar.ics\` ($(count_events "$FULL_FILE") events)" target=0.9 bytes=$(fmtint "${CLEN[full,calfeed]}") ;;
		304) label="304 revalidation of \`$TRACK\`" target=0.7 bytes=0 ;;
		esac
		n=$(median RPS "$row,nginx") g=$(median RPS "$row,gohttp") c=$(median RPS "$row,calfeed") o=$(median RPS "$row,node")
		ok=$(awk -v c="$c" -v n="$n" -v g="$g" -v t="$target" 'BEGIN {print (n > 0 && g > 0 && c / n >= t && c / g >= 0.9) ? "yes" : "**no**"}')
		local goal="≥ 0.9x gohttp"
		[[ $target != 0 ]] && goal="$goal, ≥ ${target}x nginx"
		echo "| $label | $bytes | $(fmtint "$n") | $(fmtint "$g") | $(fmtint "$c") | $(fmtint "$o") | **$(ratio "$c" "$n")** | **$(ratio "$c" "$g")** | $(ratio "$o" "$n") | $goal | $ok |"
	done
	if ((ROUNDS > 1)); then
		# The medians above may come from different rounds; a ratio taken
		# within one round compares servers measured minutes apart at most.
		local line="Round by round, the ratios of req/s calfeed / gohttp and calfeed / nginx:" sep=" " r vg vn
		for row in track full 304; do
			vg="" vn=""
			for ((r = 1; r <= ROUNDS; r++)); do
				vg+="${vg:+, }$(ratio "${RPS[$row,calfeed,$r]}" "${RPS[$row,gohttp,$r]}")"
				vn+="${vn:+, }$(ratio "${RPS[$row,calfeed,$r]}" "${RPS[$row,nginx,$r]}")"
			done
			line+="$sep$row $vg and $vn"
			sep="; "
		done
		echo
		echo "$line."
	fi
	local variant q line r vc
	for variant in "quiet:\`calfeed serve -request-log=false\` (no line per request answered)" "json:\`calfeed serve -log-format json\` (its line per request in JSON, as the Kubernetes manifests log)"; do
		q=$(median RPS "304,${variant%%:*}")
		line="${variant#*:}, on the 304 row: $(fmtint "$q") req/s, $(ratio "$q" "$(median RPS "304,gohttp")")x gohttp, $(ratio "$q" "$(median RPS "304,nginx")")x nginx, $(ratio "$q" "$(median RPS "304,calfeed")")x calfeed with its text log"
		if ((ROUNDS > 1)); then
			vc=""
			for ((r = 1; r <= ROUNDS; r++)); do vc+="${vc:+, }$(ratio "${RPS[304,${variant%%:*},$r]}" "${RPS[304,calfeed,$r]}")"; done
			line+=" (round by round $vc)"
		fi
		echo
		echo "$line."
	done
	q=$(median RPS "full,sendfile")
	line="\`calfeed serve -sendfile\` (its large feeds sent with sendfile(2) from in-memory files), on the full feed's row: $(fmtint "$q") req/s, $(ratio "$q" "$(median RPS "full,gohttp")")x gohttp, $(ratio "$q" "$(median RPS "full,nginx")")x nginx, $(ratio "$q" "$(median RPS "full,calfeed")")x calfeed writing them from memory; per server CPU-second $(fmtint "$(median PERCPU "full,sendfile")"), $(ratio "$(median PERCPU "full,sendfile")" "$(median PERCPU "full,calfeed")")x calfeed's"
	if ((ROUNDS > 1)); then
		vc=""
		for ((r = 1; r <= ROUNDS; r++)); do vc+="${vc:+, }$(ratio "${RPS[full,sendfile,$r]}" "${RPS[full,calfeed,$r]}")"; done
		line+=" (req/s round by round against calfeed's $vc)"
	fi
	echo
	echo "$line."
	echo
	echo "The same runs counted per second of the server's own CPU time (requests / server CPU seconds: what it would serve on a core of its own when CPU is what limits it), the server's share of its core, and the share of the server's and of wrk's core that other processes took (load average $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; runs where others took over $DISTURBED% were retried up to $RETRIES times and the least disturbed kept). A server below ~90% of its core while others took little is waiting on wrk or the network, not on CPU."
	echo
	echo "| feed | nginx req/CPU-s | gohttp | calfeed | node | calfeed / nginx | calfeed / gohttp | server CPU % (nginx, gohttp, calfeed, node) | others' CPU %, server core / wrk core |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for row in track full 304; do
		n=$(median PERCPU "$row,nginx") g=$(median PERCPU "$row,gohttp") c=$(median PERCPU "$row,calfeed") o=$(median PERCPU "$row,node")
		echo "| $row | $(fmtint "$n") | $(fmtint "$g") | $(fmtint "$c") | $(fmtint "$o") | $(ratio "$c" "$n") | $(ratio "$c" "$g") | ${SCPU[$row,nginx,1]}, ${SCPU[$row,gohttp,1]}, ${SCPU[$row,calfeed,1]}, ${SCPU[$row,node,1]} | ${DIST[$row,nginx,1]}, ${DIST[$row,gohttp,1]}, ${DIST[$row,calfeed,1]}, ${DIST[$row,node,1]} |"
	done
	echo
	echo "## Uncached feeds on calfeed, against its plain track feed"
	echo
	echo "The last column but two: nginx serving the same bytes as a static file, its req/s against its own track feed's: what that many bytes cost the fastest server here, whatever renders them."
	echo
	echo "| feed | bytes | req/s | / track req/s | target | met | req/CPU-s | / track | nginx, same bytes / its track | server CPU % | others' CPU % |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	local t tc tn
	t=$(median RPS "track,calfeed") tc=$(median PERCPU "track,calfeed") tn=$(median RPS "track,nginx")
	echo "| \`/tracks/$TRACK.ics\` | $(fmtint "${CLEN[track,calfeed]}") | $(fmtint "$t") | 1.00 | | | $(fmtint "$tc") | 1.00 | 1.00 | ${SCPU[track,calfeed,1]} | ${DIST[track,calfeed,1]} |"
	for row in combined agenda; do
		c=$(median RPS "$row,calfeed") o=$(median PERCPU "$row,calfeed") n=$(median RPS "$row,nginx")
		label=$([[ $row == combined ]] && echo '`?tracks=track-001,track-002`' || echo '`?events=` (20 ids)')
		label="$label ($(count_events "$TMP/body-$row-calfeed") events)"
		echo "| $label | $(fmtint "${CLEN[$row,calfeed]}") | $(fmtint "$c") | **$(ratio "$c" "$t")** | ≥ 0.8 | $(meets "$(ratio "$c" "$t")" 0.8) | $(fmtint "$o") | $(ratio "$o" "$tc") | $(ratio "$n" "$tn") | ${SCPU[$row,calfeed,1]} | ${DIST[$row,calfeed,1]} |"
	done
	echo
	echo "p99 latency (wrk, round 1): track: nginx ${P99[track,nginx,1]}, gohttp ${P99[track,gohttp,1]}, calfeed ${P99[track,calfeed,1]}, node ${P99[track,node,1]}; full: nginx ${P99[full,nginx,1]}, gohttp ${P99[full,gohttp,1]}, calfeed ${P99[full,calfeed,1]}, node ${P99[full,node,1]}; 304: nginx ${P99[304,nginx,1]}, gohttp ${P99[304,gohttp,1]}, calfeed ${P99[304,calfeed,1]}, node ${P99[304,node,1]}. Socket errors and non-2xx/3xx responses in all runs: $(for k in "${!ERRS[@]}"; do echo "${ERRS[$k]}"; done | awk '{n += $1} END {print n + 0}'). calfeed wrote $(fmtint "$CALFEED_LOG_LINES") log lines."
	if [[ -n $RELOAD_LINE ]]; then
		echo
		echo "## Reload under load"
		echo
		echo "calfeed serve of 10,000 events on CPU $SERVER_CPU, wrk as above on one track feed for $DURATION s: without reloads, then with the file changed every 3 s (each change: load, validate, render every feed, swap). Reloads: those completed while wrk ran."
		echo
		echo "| feed | req/s | p99 | req/s, reloading | p99, reloading | p99 ratio | reloads | errors | target: p99 ≤ 2x, no errors | others' CPU % |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		echo "$RELOAD_LINE"
	fi
	if ((${#SCALE_LINES[@]})); then
		echo
		echo "## Load, validate and render every feed"
		echo
		echo "bench/startup (lock.Load + server.New, as serve starts and reloads), all CPUs, under /usr/bin/time -v, $SCALE_RUNS runs of each size: the run of the median total time, the range of the totals in brackets, and the largest peak RSS of the runs. Target for 100,000 events (issue 16), with its lock or without: ≤ 2.5 s, peak RSS ≤ 512 MiB, linear growth. The kernel's transparent huge pages: \"$THP_MODE\"$([[ $THP_ROW == 1 && $THP_MODE != always ]] && echo "; the row marked \"huge pages\" ran with them set to \"always\" (THP_ROW=1), then set back")."
		echo
		echo "| events | YAML | load s | render s | total s | CPU s | peak RSS | µs per event |"
		echo "|---|---|---|---|---|---|---|---|"
		printf '%s\n' "${SCALE_LINES[@]}"
	fi
	echo
	echo "## Rendering the 1000-event feed"
	echo
	echo "Both on CPU $SERVER_CPU, from data already parsed; medians; CPU is user + system time of the process (all threads), which other processes cannot inflate, so the ratio is taken on it. ical-generator $(node -p "require('$TMP/node/node_modules/ical-generator/package.json').version") (Luxon dates, VTIMEZONEs from @touch4it/ical-timezones): build + toString, 10 runs after 3 warm-ups (bench/node/render.js). calfeed: bench/startup -render-full 20 (the same work as BenchmarkRenderFull)."
	echo
	echo "| renderer | wall ms | CPU ms | ical-generator CPU / this CPU | target |"
	echo "|---|---|---|---|---|"
	echo "| ical-generator, build + toString | $NODE_MS (min $NODE_MIN; toString alone $NODE_TOSTRING) | $NODE_CPU | 1 | |"
	echo "| calfeed, feed.New + Write (every event rendered in the one language ical-generator renders, then the feed) | $GO_NEW | $GO_NEW_CPU | **$(ratio "$NODE_CPU" "$GO_NEW_CPU")** | ≥ 20: $(meets "$(ratio "$NODE_CPU" "$GO_NEW_CPU")" 20) |"
	echo "| calfeed, Write alone (a ready Renderer: an uncached feed) | $GO_WRITE | $GO_WRITE_CPU | $(ratio "$NODE_CPU" "$GO_WRITE_CPU") | |"
}
report >"$OUT/results-$STAMP.md"
cp "$OUT/results-$STAMP.md" "$OUT/latest.md"
cat "$OUT/results-$STAMP.md"
log "written to bench/out/results-$STAMP.md (raw output in bench/out/raw-$STAMP/)"
