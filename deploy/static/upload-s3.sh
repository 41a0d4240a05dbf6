#!/usr/bin/env bash
# Uploads `calfeed build` output to S3, or to any object store the aws command
# speaks to (--endpoint-url: Cloudflare R2, MinIO, Google Cloud Storage's XML
# API, ...), each file with the Content-Type, Cache-Control and
# Content-Disposition that calfeed serve sends for it (the first table of
# headers.md, beside this script).
#
#   calfeed build -out site -base-url https://calendar.example.org
#   deploy/static/upload-s3.sh site s3://calendar-bucket [aws s3 cp options...]
#
# The build of a folder of calendars (calfeed build -config FOLDER) goes up
# the same way, each calendar's feeds cached for its own refresh.
#
# Files go up as built: never with Content-Encoding (an Outlook subscription
# is known to fail on a gzip-encoded feed). Feeds first, feeds.json and the
# page last, so that the page never links to a file not uploaded yet. Files
# of removed events stay in the bucket until you delete them.
#
# AWS names the aws command (default: aws).
set -euo pipefail

usage() {
	echo "usage: $0 BUILD_DIR s3://BUCKET[/PREFIX] [aws s3 cp options...]" >&2
	exit 2
}
(($# >= 2)) || usage
out=${1%/}
dest=${2%/}
shift 2
[[ $dest == s3://?* ]] || usage
aws=${AWS:-aws}
table=$(dirname "$0")/headers.md
die() {
	echo "upload-s3.sh: $*" >&2
	exit 1
}
# A calendar's build has calendar.ics and index.html at its root; a folder's,
# index.html and feeds.json, and each calendar's build in a folder of its own.
folder=0
if [[ ! -f $out/calendar.ics ]]; then
	folder=1
	calendars=("$out"/*/calendar.ics)
	[[ -f $out/index.html && -f $out/feeds.json && -f ${calendars[0]} ]] ||
		die "$out is not the output of calfeed build (no calendar.ics and index.html, nor the index and calendars of a folder's build)"
fi
[[ -f $out/index.html ]] || die "$out is not the output of calfeed build (no index.html)"
[[ -f $table ]] || die "no $table"

# {refresh}: a calendar's refresh in seconds, from its feed (the folder
# holding its calendar.ics).
declare -A refreshes
refresh_seconds() {
	local dir=$1 d re='^P(([0-9]+)W)?(([0-9]+)D)?(T(([0-9]+)H)?(([0-9]+)M)?(([0-9]+)S)?)?$'
	d=$(grep -m1 -o '^REFRESH-INTERVAL;VALUE=DURATION:[^[:space:]]*' "$dir/calendar.ics" | cut -d: -f2) || true
	[[ $d =~ $re ]] || die "$dir/calendar.ics has no REFRESH-INTERVAL this script understands ('$d')"
	echo $((${BASH_REMATCH[2]:-0} * 604800 + ${BASH_REMATCH[4]:-0} * 86400 + ${BASH_REMATCH[7]:-0} * 3600 + ${BASH_REMATCH[9]:-0} * 60 + ${BASH_REMATCH[11]:-0}))
}
# calendar_of prints the folder of the calendar a file belongs to: the
# build's own, or in a folder's build the calendar's folder ("" for the
# index's files, which have no refresh).
calendar_of() {
	local rel=$1
	if ((!folder)); then
		echo "$out"
	elif [[ $rel == */* && -f $out/${rel%%/*}/calendar.ics ]]; then
		echo "$out/${rel%%/*}"
	fi
}

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	echo "${s%"${s##*[![:space:]]}"}"
}

# The rows of the object table: patterns, Content-Type, Cache-Control,
# Content-Disposition, in order.
patterns=() types=() caches=() dispositions=()
in_table=0
while IFS= read -r line; do
	line=${line//\`/}
	if [[ $line == '| files | Content-Type | Cache-Control | Content-Disposition |' ]]; then
		in_table=1
		continue
	fi
	((in_table)) || continue
	[[ $line == '|'* ]] || break
	[[ $line == '|---'* ]] && continue
	IFS='|' read -r _ files ctype cache disp _ <<<"$line"
	patterns+=("$(trim "$files")")
	types+=("$(trim "$ctype")")
	caches+=("$(trim "$cache")")
	dispositions+=("$(trim "$disp")")
done <"$table"
((${#patterns[@]})) || die "no object table in $table"

# Each file into the staging folder of the first row that matches it.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
while IFS= read -r -d '' f; do
	rel=${f#"$out"/}
	row=-1
	for i in "${!patterns[@]}"; do
		IFS=',' read -ra pats <<<"${patterns[$i]}"
		for p in "${pats[@]}"; do
			p=${p// /}
			# shellcheck disable=SC2053 # $p is a glob
			if [[ $rel == $p ]]; then
				row=$i
				break 2
			fi
		done
	done
	((row >= 0)) || die "$rel matches no row of $table: add one, with the headers calfeed serve sends for it"
	# Staged by row and by the refresh its Cache-Control takes, if any.
	refresh=0
	if [[ ${caches[$row]} == *'{refresh}'* ]]; then
		cal=$(calendar_of "$rel")
		[[ -n $cal ]] || die "$rel: no calendar.ics in its folder to take the refresh of its Cache-Control from"
		[[ -n ${refreshes[$cal]:-} ]] || refreshes[$cal]=$(refresh_seconds "$cal")
		refresh=${refreshes[$cal]}
	fi
	mkdir -p "$stage/$row.$refresh/$(dirname "$rel")"
	ln "$f" "$stage/$row.$refresh/$rel" 2>/dev/null || cp "$f" "$stage/$row.$refresh/$rel"
done < <(find "$out" -type f -print0)

for i in "${!patterns[@]}"; do
	for dir in "$stage/$i".*; do
		[[ -d $dir ]] || continue
		cache=${caches[$i]//\{refresh\}/${dir##*.}}
		args=(s3 cp "$dir" "$dest" --recursive --only-show-errors
			--content-type "${types[$i]}" --cache-control "$cache")
		[[ -z ${dispositions[$i]} ]] || args+=(--content-disposition "${dispositions[$i]}")
		echo "upload-s3.sh: ${patterns[$i]} -> $dest (${types[$i]}; $cache)" >&2
		"$aws" "${args[@]}" "$@"
	done
done
