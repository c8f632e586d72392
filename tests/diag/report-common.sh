# tests/diag/report-common.sh - sourced by the mallard-report tests (sh, TAP):
# the skip without python3, a scratch directory, and how to run the command.
#
# MALLARD_REPORT, if set, is the command to test (make check sets it to the
# built mallard-report); else python3 runs diag/mallard-report.py from the
# source tree, so the tests run by hand too:
#   top_srcdir=. top_builddir=/tmp sh tests/diag/report-verdicts.sh

: "${top_srcdir:?run from make check (top_srcdir unset)}"

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mallard-report-test.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0

comment() {
	sed 's/^/# /' "$1"
}

report() {
	if [ -n "${MALLARD_REPORT:-}" ]; then
		$MALLARD_REPORT "$@"
	else
		python3 "$top_srcdir/diag/mallard-report.py" "$@"
	fi
}
