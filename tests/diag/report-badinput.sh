#!/bin/sh
# report-badinput.sh - mallard-report on bad input says what is wrong in one
# line and never shows a traceback.
#
# A missing file, a directory, an empty file, a file that is not NDJSON,
# a line that is not a JSON object, a newer format version, two pids mixed,
# a figure that is not a count and a binary file each give exactly one line
# on stderr, "mallard-report: FILE[:LINE]: ...", naming the file (and the
# line where there is one), nothing on stdout, and exit status 1. A bad
# flag, a --from that is not a number, or no FILE gives a usage line and an
# error line, status 2; an SVG that cannot be written, or a --from later
# than every snapshot, status 1. A last line that does not parse (a
# process killed mid-write) gives one warning line and the report, status 0.
# The bad files are edits of a generated series (tests/diag/make-fixtures.py).
# Prints TAP. Runs from the source tree too:
#   top_srcdir=. top_builddir=/tmp sh tests/diag/report-badinput.sh
# MALLARD_REPORT, if set, is the command to test (default: python3 on
# diag/mallard-report.py).

. "${top_srcdir:?run from make check (top_srcdir unset)}/tests/diag/report-common.sh"

echo "1..19"

# result OK DESCRIPTION: prints the TAP line; on failure, the evidence
result() {
	if [ "$1" = yes ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		echo "# exit status $status; stderr:"
		comment "$tmp/err"
		echo "# stdout (first lines):"
		head -n 5 "$tmp/out" | sed 's/^/# /'
	fi
}

# run ARGS...: runs mallard-report; status in $status, output in $tmp/out, $tmp/err
run() {
	report "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# has FILE TEXT: FILE contains TEXT (a fixed string)
has() {
	grep -F -q -e "$2" "$1"
}

# bad_input DESCRIPTION EXPECTED-TEXT ARGS...: status 1, nothing on stdout,
# one stderr line starting "mallard-report: " that holds EXPECTED-TEXT.
bad_input() {
	n=$((n + 1))
	what=$1
	expect=$2
	shift 2
	run "$@"
	ok=no
	if [ "$status" -eq 1 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		has "$tmp/err" "mallard-report: $expect" && ! has "$tmp/err" Traceback; then
		ok=yes
	fi
	result $ok "$what: one line \"mallard-report: ${expect#"$tmp"/}...\", status 1"
}

# bad_flag DESCRIPTION ARGS...: status 2, a usage line and one error line
bad_flag() {
	n=$((n + 1))
	what=$1
	shift
	run "$@"
	ok=no
	if [ "$status" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 2 ] &&
		head -n 1 "$tmp/err" | grep -q '^usage: mallard-report ' &&
		sed -n 2p "$tmp/err" | grep -q '^mallard-report: error: ' && ! has "$tmp/err" Traceback; then
		ok=yes
	fi
	result $ok "$what: usage line and one error line, status 2"
}

# truncated DESCRIPTION FILE LINE: status 0, one warning naming FILE:LINE, a report
truncated() {
	n=$((n + 1))
	run "$2"
	ok=no
	if [ "$status" -eq 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		has "$tmp/err" "mallard-report: warning: $2:$3:" && grep -q '^verdict: ' "$tmp/out"; then
		ok=yes
	fi
	result $ok "$1: one warning naming line $3, then the report, status 0"
}

# edit LINE SED-EXPRESSION NAME: a copy of the good series with LINE edited;
# the edit must change the file, or the test would pass without testing.
edit() {
	sed "$1$2" "$good" >"$tmp/$3"
	if cmp -s "$good" "$tmp/$3"; then
		echo "# edit $1$2 did not change the series" >&2
	fi
}

python3 "$top_srcdir/tests/diag/make-fixtures.py" "$tmp/fx" >"$tmp/err" 2>&1 || {
	echo "Bail out! make-fixtures.py failed"
	comment "$tmp/err"
	exit 1
}
good="$tmp/fx/stable.ndjson"
lines=$(wc -l <"$good")

: >"$tmp/empty.ndjson"
printf '{\n "version": 1,\n "pid": 1\n}\n' >"$tmp/pretty.json"
edit 3 's/.*/[1, 2, 3]/' array.ndjson
edit 2 's/"version":1,/"version":2,/' newer.ndjson
edit 3 's/"pid":4242,/"pid":4243,/' pids.ndjson
edit 4 's/"active":\([0-9]*\),"committed"/"active":-\1,"committed"/' negative.ndjson
head -c 2000 /bin/sh >"$tmp/binary.ndjson"

bad_input "missing file" "$tmp/missing.ndjson: " "$tmp/missing.ndjson"
bad_input "a directory" "$tmp: " "$tmp"
bad_input "empty file" "$tmp/empty.ndjson: " "$tmp/empty.ndjson"
bad_input "pretty-printed JSON, not NDJSON" "$tmp/pretty.json:1: " "$tmp/pretty.json"
bad_input "line 3 is a JSON array" "$tmp/array.ndjson:3: not a JSON object" "$tmp/array.ndjson"
bad_input "line 2 has format version 2" "$tmp/newer.ndjson:2: snapshot format version 2" "$tmp/newer.ndjson"
bad_input "line 3 is another pid" "$tmp/pids.ndjson:3: " "$tmp/pids.ndjson"
bad_input "line 4 has a negative figure" "$tmp/negative.ndjson:4: " "$tmp/negative.ndjson"
bad_input "binary file" "$tmp/binary.ndjson:1: " "$tmp/binary.ndjson"
bad_input "unwritable --svg" "$tmp/no/such/dir/out.svg: " --svg "$tmp/no/such/dir/out.svg" "$good"

bad_flag "unknown flag" --bogus "$good"
bad_flag "no FILE" --json
bad_flag "--from not a number" --from soon "$good"
bad_input "--from after the last snapshot" "$good: no snapshot " --from 100000 "$good"

# The process killed mid-write: the last line cut short, no final newline.
head -c -300 "$good" >"$tmp/cut.ndjson"
truncated "truncated last line" "$tmp/cut.ndjson" "$lines"

# A last line that does not parse, even with its newline, is dropped too.
{ cat "$good"; echo '{"version":1,"pid":42'; } >"$tmp/cutnl.ndjson"
truncated "unparsable last line" "$tmp/cutnl.ndjson" $((lines + 1))

# But a file whose only line is cut short has nothing to report on.
head -c 300 "$good" >"$tmp/cutonly.ndjson"
bad_input "only line truncated" "$tmp/cutonly.ndjson:1: " "$tmp/cutonly.ndjson"

# A bad line in the middle is an error, not a truncation.
edit 5 's/}$/,/' middle.ndjson
bad_input "line 5 does not parse" "$tmp/middle.ndjson:5: not a JSON object" "$tmp/middle.ndjson"

n=$((n + 1))
run --help
ok=no
if [ "$status" -eq 0 ] && head -n 1 "$tmp/out" | grep -q '^usage: mallard-report ' && has "$tmp/out" --svg; then
	ok=yes
fi
result $ok "--help prints the usage, status 0"

[ "$failed" -eq 0 ]
