#!/usr/bin/env bash
# bench/revalidate.sh: 304 revalidations of a track feed, calfeed serve against
# bench/gohttp and nginx in short runs interleaved many times: bench/interleave.sh's
# 304 row. One command: `bash bench/revalidate.sh`. About 3 minutes. The same
# knobs as bench/interleave.sh (BEFORE=REV for an A/B of a change).
exec env ROW=304 bash "$(dirname "$0")/interleave.sh" "$@"
