# bench/lib.sh: what the benchmark scripts share. Sourced, not run.

# nearest_track SITE: the id of the track feed of the built SITE whose size
# is nearest 56 KiB, the track-feed row of issue 16.
nearest_track() {
	local f size d best="" track=""
	for f in "$1"/tracks/*.ics; do
		size=$(stat -c %s "$f")
		d=$((size > 57344 ? size - 57344 : 57344 - size))
		if [[ -z $best || $d -lt $best ]]; then
			best=$d track=$(basename "$f" .ics)
		fi
	done
	[[ -n $track ]] || return 1
	echo "$track"
}
