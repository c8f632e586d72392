#!/bin/sh
# check-stats-env.sh - the MALLARD_STATS* environment options, on
# tests/diag/stats_helper (linked with libmallard; prints its pid, churns
# for the given milliseconds). Prints TAP.
#
#   1. MALLARD_STATS=exit: a text report on stderr at exit
#   2. ... FORMAT=json FILE=x.%p: one file named for the pid, one JSON line
#      whose pid is the helper's
#   3. INTERVAL_MS=50 for 600 ms: at least 5 lines, each a JSON object,
#      time_ms never going back
#   4. SIGNAL=USR2 (no interval, no exit report): one snapshot per signal
#   5. fork with FILE=x.%p: parent and child each write their own file
#   6. fork with a FILE without %p: only the parent writes
#   7. bad values: one warning line each, the program runs normally
#   8. 100 forks while the reporter thread writes every millisecond: no
#      child inherits the writer's lock held (each finishes; 60 s limit)
# JSON is checked with python3.

: "${top_builddir:?run from make check (top_builddir unset)}"
helper="$top_builddir/tests/diag/stats_helper"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-stats-env.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

unset MALLARD_STATS MALLARD_STATS_INTERVAL_MS MALLARD_STATS_FILE MALLARD_STATS_FORMAT MALLARD_STATS_SIGNAL

echo "1..8"
n=0

comment() {
	sed 's/^/# /' "$1"
}

result() { # result OK DESCRIPTION [FILE to show on failure]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -f "$3" ] && comment "$3"
	fi
}

# json_lines FILE: prints "LINES PIDS MONOTONIC TRIGGERS" or fails if a line
# is not a JSON snapshot.
json_lines() {
	python3 - "$1" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
snaps = [json.loads(l) for l in lines]
for s in snaps:
    assert s["version"] == 1 and "totals" in s and "classes" in s, s.keys()
pids = {s["pid"] for s in snaps}
times = [s["time_ms"] for s in snaps]
triggers = sorted({s["trigger"] for s in snaps})
print(len(snaps), ",".join(str(p) for p in sorted(pids)), int(times == sorted(times)), ",".join(triggers))
EOF
}

# 1
MALLARD_STATS=exit "$helper" 50 >"$tmp/out" 2>"$tmp/err"
status=$?
ok=1
if [ $status = 0 ] && grep -q '^mallard .*: pid ' "$tmp/err" && grep -q 'allocated' "$tmp/err" &&
	grep -q 'class' "$tmp/err"; then
	ok=0
fi
result $ok "MALLARD_STATS=exit writes a text report to stderr" "$tmp/err"

# 2
MALLARD_STATS=exit MALLARD_STATS_FORMAT=json MALLARD_STATS_FILE="$tmp/s2.%p.json" "$helper" 50 >"$tmp/out" 2>"$tmp/err"
status=$?
pid=$(cat "$tmp/out")
ok=1
if [ $status = 0 ] && [ -f "$tmp/s2.$pid.json" ] && [ "$(ls "$tmp" | grep -c '^s2\.')" = 1 ]; then
	set -- $(json_lines "$tmp/s2.$pid.json")
	[ "${1:-}" = 1 ] && [ "${2:-}" = "$pid" ] && [ "${4:-}" = exit ] && ok=0
fi
result $ok "FORMAT=json FILE=...%p: one JSON line (trigger exit) in a file named for the pid" "$tmp/err"

# 3
MALLARD_STATS_INTERVAL_MS=50 MALLARD_STATS_FORMAT=json MALLARD_STATS_FILE="$tmp/s3.json" "$helper" 600 >"$tmp/out" 2>"$tmp/err"
status=$?
ok=1
if [ $status = 0 ] && [ -f "$tmp/s3.json" ]; then
	set -- $(json_lines "$tmp/s3.json")
	[ "${1:-0}" -ge 5 ] && [ "${3:-}" = 1 ] && [ "${4:-}" = interval ] && ok=0
	echo "# $1 snapshots in 600 ms"
fi
result $ok "INTERVAL_MS=50: a JSON snapshot every 50 ms, in time order" "$tmp/err"

# 4
MALLARD_STATS_SIGNAL=USR2 MALLARD_STATS_FORMAT=json MALLARD_STATS_FILE="$tmp/s4.json" "$helper" 3000 >"$tmp/out" 2>"$tmp/err" &
bg=$!
sent=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -s "$tmp/out" ] && break
	sleep 0.1
done
sleep 0.3
for i in 1 2; do
	kill -USR2 $bg && sent=$((sent + 1))
	sleep 0.4
done
wait $bg
status=$?
ok=1
if [ $status = 0 ] && [ -f "$tmp/s4.json" ]; then
	set -- $(json_lines "$tmp/s4.json")
	[ "${1:-}" = "$sent" ] && [ "$sent" = 2 ] && [ "${4:-}" = signal ] && ok=0
	echo "# $sent signals sent, ${1:-0} snapshots written"
fi
result $ok "SIGNAL=USR2: one snapshot per signal" "$tmp/err"

# 5
MALLARD_STATS=exit MALLARD_STATS_FORMAT=json MALLARD_STATS_FILE="$tmp/s5.%p.json" "$helper" 50 fork >"$tmp/out" 2>"$tmp/err"
status=$?
ok=1
files=$(ls "$tmp" | grep -c '^s5\.')
if [ $status = 0 ] && [ "$files" = 2 ]; then
	ok=0
	for f in "$tmp"/s5.*.json; do
		set -- $(json_lines "$f")
		[ "${1:-}" = 1 ] && [ "$f" = "$tmp/s5.${2:-}.json" ] || ok=1
	done
fi
result $ok "fork with FILE=...%p: parent and child write a file each ($files files)" "$tmp/err"

# 6
MALLARD_STATS=exit MALLARD_STATS_FORMAT=json MALLARD_STATS_FILE="$tmp/s6.json" "$helper" 50 fork >"$tmp/out" 2>"$tmp/err"
status=$?
pid=$(cat "$tmp/out")
ok=1
if [ $status = 0 ] && [ -f "$tmp/s6.json" ]; then
	set -- $(json_lines "$tmp/s6.json")
	[ "${1:-}" = 1 ] && [ "${2:-}" = "$pid" ] && ok=0
fi
result $ok "fork with a fixed FILE: only the parent writes to it" "$tmp/err"

# 7
ok=0
for setting in MALLARD_STATS=sometimes MALLARD_STATS_INTERVAL_MS=soon MALLARD_STATS_INTERVAL_MS=0 \
	MALLARD_STATS_FORMAT=xml MALLARD_STATS_SIGNAL=KILL; do
	env "$setting" "$helper" 0 >"$tmp/out" 2>"$tmp/err"
	status=$?
	name=${setting%%=*}
	if [ $status != 0 ] || [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q "^mallard: warning: $name" "$tmp/err"; then
		echo "# $setting: exit status $status, stderr:"
		comment "$tmp/err"
		ok=1
	fi
done
result $ok "bad values warn once each and change nothing else"

# 8
MALLARD_STATS=exit MALLARD_STATS_INTERVAL_MS=1 MALLARD_STATS_FORMAT=json MALLARD_STATS_FILE="$tmp/s8.%p.json" \
	timeout 60 "$helper" 0 fork 100 >"$tmp/out" 2>"$tmp/err"
status=$?
files=$(ls "$tmp" | grep -c '^s8\.')
ok=1
[ $status = 0 ] && [ "$files" = 101 ] && ok=0
result $ok "100 forks while snapshots are written every ms: all finish (status $status, $files files)" "$tmp/err"
exit 0
