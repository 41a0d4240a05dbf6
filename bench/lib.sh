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

# nginx_conf DIR PORT ROOT SENDFILE: nginx's configuration as the benchmarks
# run it: one worker, its access log buffered, the files under ROOT on
# 127.0.0.1:PORT with the headers a feed host sends, its pid, logs and
# temporary files under DIR, and SENDFILE (its sendfile directives).
nginx_conf() {
	cat <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log $1/nginx-access.log combined buffer=64k flush=1s;
    client_body_temp_path $1/nginx-body;
    proxy_temp_path $1/nginx-proxy;
    fastcgi_temp_path $1/nginx-fastcgi;
    uwsgi_temp_path $1/nginx-uwsgi;
    scgi_temp_path $1/nginx-scgi;
    $4
    keepalive_requests 1000000;
    types { text/calendar ics; text/html html; application/json json; application/atom+xml atom; }
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/calendar application/json application/atom+xml;
    gzip off;
    server {
        listen 127.0.0.1:$2;
        root $3;
        location ~ \.ics\$ {
            add_header Cache-Control "public, max-age=21600";
            add_header Access-Control-Allow-Origin *;
        }
    }
}
EOF
}

# autogroup_raise NICE: gives this script's session (its autogroup) the
# priority NICE, as its servers and wrk have: with autogroups, nice counts
# only within a session, so other sessions' work would otherwise share
# the cores evenly with ours. autogroup_restore puts it back (at exit).
AUTOGROUP_NICE=""
autogroup_raise() {
	if [[ $1 != 0 && -w /proc/self/autogroup ]]; then
		AUTOGROUP_NICE=$(sed -n 's/.* nice //p' /proc/self/autogroup)
		echo "$1" 2>/dev/null >/proc/self/autogroup || AUTOGROUP_NICE=""
	fi
}
autogroup_restore() {
	[[ -z $AUTOGROUP_NICE ]] || echo "$AUTOGROUP_NICE" 2>/dev/null >/proc/self/autogroup || true
}

# CPU time, in ticks of HZ, from /proc.
HZ=$(getconf CLK_TCK)
cpu_ticks() { # cpu -> "busy steal total" in ticks
	awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat
}
proc_ticks() { # pid -> user + system ticks of it and its children (nginx's worker)
	local t=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		[[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}
