#!/bin/sh
# scenarios.sh - each scenario of diag/scenarios/ runs under
# LD_PRELOAD=$MALLARD_LIB with a JSON snapshot every 100 ms, and
# mallard-report reads its snapshots (diag/scenarios/README says which
# verdict each one is written for, and why). Prints TAP.
#
#   leak, fragmentation, retention (MALLARD_PURGE_DELAY_MS=-1),
#   outside_heap, stable, pinned               the C programs
#   service_generator.py -> leak, with --close -> stable, and
#   service_cache.py -> fragmentation,         CPython, PYTHONMALLOC=malloc
#   service_daemon.py -> leak, with --close -> stable
#                                              (64-bit: /usr/bin/python3;
#                                              32-bit: the i386 python3.11 of
#                                              tests/setup-i386-programs.sh)
#
# Two modes, chosen by MALLARD_SCENARIOS:
#
#   short (default, make check): 3 s runs. They test the pipeline: the
#       snapshots are written, mallard-report reads them and prints a
#       verdict, and the verdict is not wrong: the scenario's own, or
#       "undecided" (exit status 3), which a 3-second run of a service still
#       warming up may honestly get. A wrong cause fails. The verdict rules
#       themselves are tested on recorded series (report-verdicts.sh), which
#       never flake.
#   long: runs of MALLARD_SCENARIO_SECONDS (default 10 s for the C programs,
#       20 s for the Python ones); each must get exactly its verdict.
#         MALLARD_SCENARIOS=long make check TESTS=tests/diag/scenarios.sh
#
# MALLARD_SCENARIO_RUNS=N runs every scenario N times (default 1), and a
# last comment line per scenario counts the verdicts seen, e.g. to check
# that none is wrong in 20 short runs under load:
#   MALLARD_SCENARIO_RUNS=20 make check TESTS=tests/diag/scenarios.sh
#
# The snapshot files are kept in $top_builddir/tests/diag/scenarios.out/ for
# a look after a failure.

. "${top_srcdir:-$(dirname "$0")/../..}/tests/preload/common.sh"
require_library

scen="$top_builddir/diag/scenarios"
out="$top_builddir/tests/diag/scenarios.out"
rm -rf "$out" && mkdir -p "$out" || exit 99
# run_report ARGS...: the built mallard-report if there is one, else the source
run_report() {
	if [ -n "${MALLARD_REPORT:-}" ] && [ -x "$MALLARD_REPORT" ]; then
		"$MALLARD_REPORT" "$@"
	else
		python3 "$top_srcdir/diag/mallard-report.py" "$@"
	fi
}

command -v python3 >/dev/null || skip_all scenarios "python3 is needed to run mallard-report"

mode=${MALLARD_SCENARIOS:-short}
runs=${MALLARD_SCENARIO_RUNS:-1}
case $mode in short|long) ;; *)
	echo "1..1"; echo "not ok 1 - MALLARD_SCENARIOS=$mode: not short or long"; exit 1 ;;
esac
case $runs in ''|*[!0-9]*|0)
	echo "1..1"; echo "not ok 1 - MALLARD_SCENARIO_RUNS=$runs: not a positive count"; exit 1 ;;
esac
c_seconds=3 py_seconds=3
if [ "$mode" = long ]; then
	c_seconds=${MALLARD_SCENARIO_SECONDS:-10}
	py_seconds=${MALLARD_SCENARIO_SECONDS:-20}
fi

tap_plan $((11 * runs))
tap_note "mode $mode: C programs ${c_seconds} s, Python ${py_seconds} s, $runs run(s) each"

# verdict_of NAME: mallard-report's verdict (the text report into
# NAME.report); empty when it printed none or exited with a status other
# than 0 (a verdict) or 3 (undecided)
verdict_of() {
	run_report --json "$out/$1.ndjson" >"$out/$1.json" 2>"$out/$1.report-err"
	st=$?
	run_report "$out/$1.ndjson" >"$out/$1.report" 2>&1
	[ $st = 0 ] || [ $st = 3 ] || return 1
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
undecided = r["verdict"] == "undecided"
# the exit status says undecided too, and only then
if undecided != (int(sys.argv[2]) == 3):
    sys.exit("exit status %s with verdict %s" % (sys.argv[2], r["verdict"]))
print(r["verdict"])' "$out/$1.json" "$st" 2>>"$out/$1.report-err"
}

# scenario NAME EXPECTED SECONDS CMD...: runs CMD --seconds SECONDS with
# snapshots on, then checks the snapshots and the verdict
scenario() {
	name=$1 expected=$2 seconds=$3
	shift 3
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		tag=$name
		[ "$runs" = 1 ] || tag=$name-$i
		MALLARD_STATS=exit MALLARD_STATS_INTERVAL_MS=100 MALLARD_STATS_FORMAT=json \
			MALLARD_STATS_FILE="$out/$tag.ndjson" LD_PRELOAD="$MALLARD_LIB" \
			"$@" --seconds "$seconds" >"$out/$tag.out" 2>"$out/$tag.err"
		rc=$?
		got=$(verdict_of "$tag")
		lines=$(cat "$out/$tag.ndjson" 2>/dev/null | wc -l)
		echo "$got" >>"$out/$name.seen"
		if [ $rc != 0 ]; then
			tap_not_ok "$tag: the scenario exited with status $rc" "$out/$tag.err"
		elif [ "$lines" -lt 10 ]; then
			tap_not_ok "$tag: $lines snapshot(s) written, expected one every 100 ms" "$out/$tag.err"
		elif ! grep -q '^verdict: ' "$out/$tag.report"; then
			tap_not_ok "$tag: no verdict line in the text report" "$out/$tag.report-err" "$out/$tag.report"
		elif [ "$got" = "$expected" ]; then
			tap_ok "$tag: verdict $expected ($lines snapshots over ${seconds} s)"
			grep -A3 '^verdict:' "$out/$tag.report" | head -n 3 | sed 's/^/# /'
		elif [ "$got" = undecided ] && [ "$mode" = short ]; then
			tap_ok "$tag: verdict undecided, not wrong (expected $expected in a long run; $lines snapshots over ${seconds} s)"
			grep -A3 '^verdict:' "$out/$tag.report" | head -n 4 | sed 's/^/# /'
		else
			tap_not_ok "$tag: verdict '$got', expected '$expected' ($mode run, exit status $rc)" \
				"$out/$tag.report-err" "$out/$tag.report"
		fi
	done
	[ "$runs" = 1 ] || tap_note "$name: verdicts seen in $runs runs:" \
		"$(sort "$out/$name.seen" | uniq -c | awk '{ printf "%s%s x%d", sep, ($2 == "" ? "(none)" : $2), $1; sep = ", " }')"
}

scenario leak leak $c_seconds "$scen/leak"
scenario fragmentation fragmentation $c_seconds "$scen/fragmentation"
scenario retention retention $c_seconds env MALLARD_PURGE_DELAY_MS=-1 "$scen/retention"
scenario outside_heap outside-heap $c_seconds "$scen/outside_heap"
scenario stable stable $c_seconds "$scen/stable"
scenario pinned stable $c_seconds "$scen/pinned"

# CPython with every object through malloc. Its settings go to it alone (by
# env): mallard-report runs on the host's python3.
pyenv="PYTHONMALLOC=malloc PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0"
python_ok=yes
if [ "$MALLARD_HOST_BITS" = 32 ]; then
	i386=$MALLARD_I386_PROGRAMS
	prog=$i386/usr/bin/python3.11
	if [ -x "$prog" ]; then
		pyenv="$pyenv PYTHONHOME=$i386/usr LD_LIBRARY_PATH=$i386/lib/i386-linux-gnu:$i386/usr/lib/i386-linux-gnu"
	else
		python_ok="no i386 python3.11 at $prog (make setup-i386-programs)"
	fi
else
	prog=/usr/bin/python3
	[ -x "$prog" ] || prog=$(command -v python3)
fi
py="$top_srcdir/diag/scenarios"
if [ "$python_ok" = yes ]; then
	# shellcheck disable=SC2086 # $pyenv is a list of NAME=VALUE words
	scenario service_generator leak $py_seconds env $pyenv "$prog" "$py/service_generator.py"
	# shellcheck disable=SC2086
	scenario service_generator_closed stable $py_seconds env $pyenv "$prog" "$py/service_generator.py" --close
	# shellcheck disable=SC2086
	scenario service_cache fragmentation $py_seconds env $pyenv "$prog" "$py/service_cache.py"
	# shellcheck disable=SC2086
	scenario service_daemon leak $py_seconds env $pyenv "$prog" "$py/service_daemon.py"
	# shellcheck disable=SC2086
	scenario service_daemon_closed stable $py_seconds env $pyenv "$prog" "$py/service_daemon.py" --close
else
	for s in service_generator service_generator_closed service_cache service_daemon service_daemon_closed; do
		i=0
		while [ $i -lt "$runs" ]; do
			i=$((i + 1))
			tap_skip "$s" "$python_ok"
		done
	done
fi
tap_done
