#!/bin/sh
# scenarios.sh - each scenario of diag/scenarios/ runs for 3 s under
# LD_PRELOAD=$MALLARD_LIB with a JSON snapshot every 100 ms, and
# mallard-report --json must give the verdict the scenario was written for
# (diag/scenarios/README says why each one gets it). Prints TAP.
#
#   leak, fragmentation, retention (MALLARD_PURGE_DELAY_MS=-1),
#   outside_heap, stable                      the C programs
#   service_generator.py -> leak, with --close -> stable, and
#   service_cache.py -> fragmentation,         CPython, PYTHONMALLOC=malloc
#   service_daemon.py -> leak, with --close -> stable
#                                              (64-bit: /usr/bin/python3;
#                                              32-bit: the i386 python3.11 of
#                                              tests/setup-i386-programs.sh)
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

tap_plan 10

# verdict_of NAME: mallard-report's verdict (and evidence, into NAME.report)
verdict_of() {
	run_report --json "$out/$1.ndjson" >"$out/$1.json" 2>"$out/$1.report-err" || return 1
	run_report "$out/$1.ndjson" >"$out/$1.report" 2>&1
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["verdict"])' "$out/$1.json"
}

# scenario NAME EXPECTED CMD...: runs CMD with snapshots on, checks the verdict
scenario() {
	name=$1 expected=$2
	shift 2
	MALLARD_STATS=exit MALLARD_STATS_INTERVAL_MS=100 MALLARD_STATS_FORMAT=json \
		MALLARD_STATS_FILE="$out/$name.ndjson" LD_PRELOAD="$MALLARD_LIB" \
		"$@" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
	got=$(verdict_of "$name")
	if [ $rc = 0 ] && [ "$got" = "$expected" ]; then
		tap_ok "$name: verdict $expected ($(wc -l <"$out/$name.ndjson") snapshots)"
		grep -A3 '^verdict:' "$out/$name.report" | head -n 3 | sed 's/^/# /'
	else
		tap_not_ok "$name: verdict '$got', expected '$expected' (exit status $rc)" \
			"$out/$name.err" "$out/$name.report-err" "$out/$name.report"
	fi
}

scenario leak leak "$scen/leak"
scenario fragmentation fragmentation "$scen/fragmentation"
scenario retention retention env MALLARD_PURGE_DELAY_MS=-1 "$scen/retention"
scenario outside_heap outside-heap "$scen/outside_heap"
scenario stable stable "$scen/stable"

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
	scenario service_generator leak env $pyenv "$prog" "$py/service_generator.py"
	# shellcheck disable=SC2086
	scenario service_generator_closed stable env $pyenv "$prog" "$py/service_generator.py" --close
	# shellcheck disable=SC2086
	scenario service_cache fragmentation env $pyenv "$prog" "$py/service_cache.py"
	# shellcheck disable=SC2086
	scenario service_daemon leak env $pyenv "$prog" "$py/service_daemon.py"
	# shellcheck disable=SC2086
	scenario service_daemon_closed stable env $pyenv "$prog" "$py/service_daemon.py" --close
else
	for s in service_generator service_generator_closed service_cache service_daemon service_daemon_closed; do
		tap_skip "$s" "$python_ok"
	done
fi
tap_done
