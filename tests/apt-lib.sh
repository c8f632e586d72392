# shellcheck shell=bash
# tests/apt-lib.sh - apt-get helpers shared by tests/run-all, quickstart,
# bench/cpython/build and bench/cpython/fetch-source (bash; source it, do not
# run it).
#
# A Debian mirror is sometimes mid-sync: an index names a version the pool no
# longer (or not yet) holds, an i386 index lags its amd64 twin, apt-get update
# fails for a minute. These helpers retry what a later try can fix and report
# the rest, so that each caller decides whether a failure stops it:
#
#   apt_update [TRIES]          apt-get update, up to TRIES (default 4) tries;
#                               status 1 when every try failed (after one
#                               warning line)
#   apt_install [--no-remove] PKG...
#                               apt-get install -y, nothing recommended; with
#                               --no-remove apt aborts rather than remove a
#                               package (what it would do to fit an :i386
#                               package whose amd64 twin is at another version)
#   apt_install_retry TRIES [--no-remove] PKG...
#                               apt_install; after a failure apt_update and
#                               again, TRIES tries in all; status 1 when the
#                               last one failed
#   apt_install_each TRIES [--no-remove] PKG...
#                               apt_install_retry of them all; when that
#                               fails, each one not yet installed alone, so
#                               that one that cannot be had keeps out no
#                               other; status 1 when some were left out:
#                               APT_LEFT_OUT holds them, APT_LEFT_OUT_WHY
#                               the apt_error_line of each, index for index
#   apt_installed PKG           status 0 when dpkg has PKG installed
#   apt_missing PKG...          prints those of PKG not installed, one a line
#   apt_error_line              filter: the line of apt-get's output (stdin)
#                               that says why it failed, shortened (URLs to
#                               file names, no [IP: ...]); for one-line messages
#
# After each apt-get they run, APT_ERROR holds apt_error_line of its output
# ('' when it succeeded).
#
# Set before calling (all optional):
#   APT_PROG   prefix of the messages (default: the script's name)
#   APT_LOG    when set, apt-get's output is appended there (and the last 10
#              lines go to stderr when an install fails); when empty it goes
#              to stdout as usual
# Sets APT_SUDO: () as root, (sudo) otherwise; "${APT_SUDO[@]}" CMD.
#
# MALLARD_APT_RETRY_SLEEP (seconds, default 5): the wait after failed try i is
# i times this; 0 in tests.
#
# apt-get waits for the dpkg lock (DPkg::Lock::Timeout) instead of failing at
# once: another apt-get (a second run of these scripts, unattended-upgrades)
# is the commonest "failure" on a CI machine.

if [ "$(id -u)" = 0 ]; then APT_SUDO=(); else APT_SUDO=(sudo); fi
: "${APT_PROG:=$(basename "$0")}"
: "${APT_LOG:=}"

APT_OPTS=(-q -o Acquire::Retries=3 -o DPkg::Lock::Timeout=120)

# _apt_run CMD...: CMD's status; its output goes to APT_LOG when that is set,
# else to stdout as it comes; sets APT_ERROR
_apt_run() {
	local tmp rc=0
	APT_ERROR=''
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mallard-apt.XXXXXX") || { "$@"; return; }
	if [ -n "$APT_LOG" ]; then
		"$@" >"$tmp/out" 2>&1 || rc=$?
		cat "$tmp/out" >>"$APT_LOG"
	else
		# the status through a file: a pipeline's own status is tee's (or,
		# under pipefail, not CMD's alone)
		{ "$@" 2>&1 || echo $? >"$tmp/rc"; } | tee "$tmp/out" || :
		[ ! -f "$tmp/rc" ] || rc=$(cat "$tmp/rc")
	fi
	[ "$rc" = 0 ] || APT_ERROR=$(apt_error_line <"$tmp/out")
	[ "$rc" = 0 ] || [ -n "$APT_ERROR" ] || APT_ERROR="exit status $rc"
	rm -rf "$tmp"
	return "$rc"
}

_apt_sleep() {
	local s=$((${1:-1} * ${MALLARD_APT_RETRY_SLEEP:-5}))
	[ "$s" -le 0 ] || sleep "$s"
}

apt_update() {
	local tries=${1:-4} i
	for ((i = 1; i <= tries; i++)); do
		_apt_run "${APT_SUDO[@]}" apt-get update "${APT_OPTS[@]}" && return 0
		echo "$APT_PROG: apt-get update failed (try $i of $tries: $APT_ERROR${APT_LOG:+; log: $APT_LOG})" >&2
		[ "$i" = "$tries" ] || _apt_sleep "$i"
	done
	echo "$APT_PROG: warning: apt-get update kept failing; going on with the package lists there are" >&2
	return 1
}

apt_install() {
	local opts=()
	if [ "${1:-}" = --no-remove ]; then opts=(--no-remove); shift; fi
	if _apt_run "${APT_SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "${APT_OPTS[@]}" "${opts[@]}" "$@"; then
		return 0
	fi
	[ -z "$APT_LOG" ] || tail -n 10 "$APT_LOG" >&2
	return 1
}

apt_install_retry() {
	local tries=$1 i
	shift
	for ((i = 1; i <= tries; i++)); do
		apt_install "$@" && return 0
		[ "$i" != "$tries" ] || break
		echo "$APT_PROG: apt-get install failed (try $i of $tries: $APT_ERROR): apt-get update and again" >&2
		_apt_sleep "$i"
		# a failed update is no reason to stop: the next install decides
		apt_update 2 || :
	done
	return 1
}

apt_install_each() {
	local tries=$1 opts=() p
	shift
	if [ "${1:-}" = --no-remove ]; then opts=(--no-remove); shift; fi
	APT_LEFT_OUT=() APT_LEFT_OUT_WHY=()
	apt_install_retry "$tries" "${opts[@]}" "$@" && return 0
	for p in "$@"; do
		apt_installed "$p" && continue
		apt_install "${opts[@]}" "$p" && continue
		APT_LEFT_OUT+=("$p")
		APT_LEFT_OUT_WHY+=("$APT_ERROR")
	done
	[ ${#APT_LEFT_OUT[@]} = 0 ]
}

apt_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_missing() {
	local p
	for p in "$@"; do
		apt_installed "$p" || echo "$p"
	done
}

apt_error_line() {
	# the first specific E: line (the generic summaries come last), else the
	# first W: line about a download (apt-get update only warns for those),
	# else the last E: line
	awk '/^E: / && !/Failed to fetch some archives|Some index files failed to download/ {
			if (e == "") e = $0 }
		/^E: / { last = $0 }
		/^W: / && /Failed to fetch|Could not|Temporary failure|[0-9][0-9][0-9] / { if (w == "") w = $0 }
		END { print (e != "" ? e : w != "" ? w : last) }' |
		sed -E 's/^[EW]: //; s#[a-z]+://[^ ]*/##g; s/ *\[IP: [^]]*\]//g; s/  +/ /g; s/ +$//'
}
