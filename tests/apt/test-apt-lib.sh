#!/bin/bash
# tests/apt/test-apt-lib.sh - tests/apt-lib.sh, and what tests/run-all,
# quickstart and tests/setup-i386-programs.sh do when apt-get fails, against
# a fake apt-get, dpkg, dpkg-query and sudo first on PATH that play an
# archive mid-sync. Prints TAP. No network; nothing is installed, even as
# root: every apt-get the scripts run is the fake.
#
# The fakes keep their state in FAKE/:
#   installed         the packages dpkg-query calls installed, one a line
#                     (a successful fake install appends to it)
#   update-fails      how many more 'apt-get update' calls fail (then 0)
#   fail.PKG          how many more installs naming PKG fail with a 404
#                     ('always': every one)
#   calls             each apt-get call's arguments, one a line
#
#    1. apt_update: two failures, then success: status 0, three calls, a
#       line per failed try
#    2. apt_update that keeps failing: status 1 after TRIES calls and one
#       "going on" warning
#    3. apt_install_retry: an install that 404s once: apt-get update, then
#       the install again succeeds
#    4. apt_install_retry that keeps failing: status 1, APT_ERROR the 404
#       line shortened to the file name
#    5. apt_install --no-remove hands --no-remove to apt-get
#    6. apt_error_line on the CI's own log of a mirror mid-sync: the .dsc
#       404 line, no URL, no [IP: ...]
#    7. apt_error_line on an update that only warns: the W: line
#    8. run-all --install-only, libcmocka-dev:i386 not installable: exit 0,
#       one warning naming it, the other i386 package still installed
#    9. run-all --install-only, a host package never installable: exit 1
#       and "tests: 0 passed, 1 failed"
#   10. quickstart --install-only, mimalloc not installable: exit 0, one
#       "skipping mimalloc" line, the other optional packages installed
#   11. quickstart --install-only, gcc never installable: exit 1 and a line
#       naming it
#   12. tests/setup-i386-programs.sh with every download failing: exit 0,
#       a line per package, no .complete

src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-apt-lib.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
FAKE=$tmp/fake
mkdir -p "$FAKE/bin"
export FAKE

cat >"$FAKE/bin/apt-get" <<'EOF'
#!/bin/bash
echo "$*" >>"$FAKE/calls"
url=http://deb.debian.org/debian/pool/main
pkgs=() cmd=
for a in "$@"; do
	case $a in
	-o) ;;
	-*|*::*=*) ;;
	update|install|download|source) [ -n "$cmd" ] || cmd=$a ;;
	*) [ -z "$cmd" ] || pkgs+=("$a") ;;
	esac
done
# takes one from FAKE/fail.$1 (or update-fails); status 0 when this call fails
fails() {
	local f=$FAKE/$1 n
	[ -f "$f" ] || return 1
	n=$(cat "$f")
	[ "$n" = always ] && return 0
	[ "$n" -gt 0 ] || return 1
	echo $((n - 1)) >"$f"
}
case $cmd in
update)
	echo "Hit:1 http://deb.debian.org/debian bookworm InRelease"
	if fails update-fails; then
		echo "Err:2 http://deb.debian.org/debian bookworm/main i386 Packages"
		echo "  File has unexpected size (1234 != 5678). Mirror sync in progress? [IP: 151.101.2.132 80]"
		echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/main/binary-i386/Packages.xz  File has unexpected size (1234 != 5678). Mirror sync in progress? [IP: 151.101.2.132 80]"
		echo "E: Some index files failed to download. They have been ignored, or old ones used instead."
		exit 100
	fi
	exit 0 ;;
install|download)
	bad=
	for p in "${pkgs[@]}"; do
		fails "fail.$p" && { bad=$p; break; }
	done
	if [ -n "$bad" ]; then
		echo "Err:1 $url/${bad%%:*}_1.0_amd64.deb"
		echo "  404  Not Found [IP: 151.101.2.132 80]"
		echo "E: Failed to fetch $url/${bad%%:*}_1.0_amd64.deb  404  Not Found [IP: 151.101.2.132 80]"
		echo "E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?"
		exit 100
	fi
	[ "$cmd" = install ] && printf '%s\n' "${pkgs[@]}" >>"$FAKE/installed"
	exit 0 ;;
esac
echo "E: fake apt-get: not faked: $*" >&2
exit 100
EOF

cat >"$FAKE/bin/dpkg-query" <<'EOF'
#!/bin/sh
# dpkg-query -W -f='${Status}' PKG
for p; do :; done
grep -qxF "$p" "$FAKE/installed" 2>/dev/null || { echo "dpkg-query: no packages found matching $p" >&2; exit 1; }
printf 'install ok installed'
EOF

cat >"$FAKE/bin/dpkg" <<'EOF'
#!/bin/sh
case $1 in
--print-foreign-architectures) echo i386 ;;
--print-architecture) echo amd64 ;;
--add-architecture) ;;
*) echo "fake dpkg: not faked: $*" >&2; exit 2 ;;
esac
EOF

# sudo would reset PATH (secure_path) and run the real apt-get
cat >"$FAKE/bin/sudo" <<'EOF'
#!/bin/sh
exec "$@"
EOF
chmod +x "$FAKE/bin/"*

PATH=$FAKE/bin:$PATH
MALLARD_APT_RETRY_SLEEP=0
export PATH MALLARD_APT_RETRY_SLEEP

echo "1..12"
if [ "$(command -v apt-get)" != "$FAKE/bin/apt-get" ] || [ "$(command -v dpkg-query)" != "$FAKE/bin/dpkg-query" ]; then
	echo "Bail out! the fake apt-get is not the one on PATH"
	exit 1
fi

n=0
result() { # result STATUS DESCRIPTION: STATUS 0 is ok; on failure the output
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		for f in out err; do
			echo "# $f:"
			sed 's/^/#   /' "$tmp/$f" 2>/dev/null
		done
		echo "# apt-get calls:"
		sed 's/^/#   /' "$FAKE/calls" 2>/dev/null
	fi
}

# reset INSTALLED...: a fresh fake archive state
reset() {
	rm -f "$FAKE/calls" "$FAKE"/fail.* "$FAKE/update-fails"
	printf '%s\n' "$@" >"$FAKE/installed"
}

calls() { grep -c "^${1:-}" "$FAKE/calls" 2>/dev/null || :; }

# lib SNIPPET: runs SNIPPET in a bash that sourced tests/apt-lib.sh; its
# status in rc, output in out and err
lib() {
	rc=0
	APT_PROG=test APT_LOG='' bash -c ". '$src/tests/apt-lib.sh'; $1" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# 1
reset
echo 2 >"$FAKE/update-fails"
lib 'apt_update'
st=1
[ $rc = 0 ] && [ "$(calls update)" = 3 ] &&
	[ "$(grep -c '^test: apt-get update failed (try [12] of 4: Failed to fetch Packages.xz File has unexpected size' "$tmp/err")" = 2 ] && st=0
result $st "apt_update: two failed tries, then success; a line per failed try"

# 2
reset
echo always >"$FAKE/update-fails"
lib 'apt_update 3'
st=1
[ $rc = 1 ] && [ "$(calls update)" = 3 ] && [ "$(grep -c 'kept failing; going on' "$tmp/err")" = 1 ] && st=0
result $st "apt_update that keeps failing: status 1 after 3 tries, one warning"

# 3
reset
echo 1 >"$FAKE/fail.libfoo"
lib 'apt_install_retry 3 libfoo libbar'
st=1
[ $rc = 0 ] && [ "$(calls install)" = 2 ] && [ "$(calls update)" = 1 ] &&
	[ "$(sed -n 2p "$FAKE/calls" | cut -d' ' -f1)" = update ] &&
	grep -qx libfoo "$FAKE/installed" && grep -qx libbar "$FAKE/installed" && st=0
result $st "apt_install_retry: a 404 once, then apt-get update and the install again"

# 4
reset
echo always >"$FAKE/fail.libfoo"
# shellcheck disable=SC2016 # expanded by the inner bash
lib 'apt_install_retry 3 libfoo; s=$?; echo "APT_ERROR=$APT_ERROR"; exit $s'
st=1
[ $rc = 1 ] && [ "$(calls install)" = 3 ] &&
	grep -qx 'APT_ERROR=Failed to fetch libfoo_1.0_amd64.deb 404 Not Found' "$tmp/out" && st=0
result $st "apt_install_retry that keeps failing: status 1, APT_ERROR the 404 line, file name only"

# 5
reset
lib 'apt_install --no-remove libfoo:i386'
st=1
[ $rc = 0 ] && grep -q '^install .*--no-remove.* libfoo:i386$' "$FAKE/calls" && st=0
result $st "apt_install --no-remove passes --no-remove to apt-get"

# 6: the log of the CI run this issue came from
cat >"$tmp/ci.log" <<'EOF'
Need to get 26.8 MB of source archives.
Err:1 http://deb.debian.org/debian-security bookworm-security/main python3.11 3.11.2-6+deb12u9 (dsc)
  404  Not Found [IP: 203.0.113.80 80]
Get:2 http://deb.debian.org/debian-security bookworm-security/main python3.11 3.11.2-6+deb12u9 (tar) [26.4 MB]
Err:3 http://deb.debian.org/debian-security bookworm-security/main python3.11 3.11.2-6+deb12u9 (diff)
  404  Not Found [IP: 203.0.113.80 80]
Fetched 26.4 MB in 0s (86.6 MB/s)
W: Download is performed unsandboxed as root as file 'python3.11_3.11.2-6+deb12u9.dsc' couldn't be accessed by user '_apt'. - pkgAcquire::Run (13: Permission denied)
E: Failed to fetch http://deb.debian.org/debian-security/pool/updates/main/p/python3.11/python3.11_3.11.2-6%2bdeb12u9.dsc  404  Not Found [IP: 203.0.113.80 80]
E: Failed to fetch http://deb.debian.org/debian-security/pool/updates/main/p/python3.11/python3.11_3.11.2-6%2bdeb12u9.debian.tar.xz  404  Not Found [IP: 203.0.113.80 80]
E: Failed to fetch some archives.
EOF
lib "apt_error_line <'$tmp/ci.log'"
st=1
[ $rc = 0 ] && [ "$(cat "$tmp/out")" = 'Failed to fetch python3.11_3.11.2-6%2bdeb12u9.dsc 404 Not Found' ] && st=0
result $st "apt_error_line on a CI log of a mirror mid-sync: the .dsc 404, shortened"

# 7
printf '%s\n' 'Hit:1 http://deb.debian.org/debian bookworm InRelease' \
	'W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/main/binary-i386/Packages.xz  Hash Sum mismatch [IP: 1.2.3.4 80]' \
	'W: Some index files failed to download. They have been ignored, or old ones used instead.' >"$tmp/w.log"
lib "apt_error_line <'$tmp/w.log'"
st=1
[ $rc = 0 ] && [ "$(cat "$tmp/out")" = 'Failed to fetch Packages.xz Hash Sum mismatch' ] && st=0
result $st "apt_error_line on an update that only warns: the W: line"

# run-all's and quickstart's package lists, read from the scripts themselves
# (so that a package added there is covered here)
words() { # words SCRIPT VAR: the words of VAR="..." (one or more lines) in SCRIPT
	awk -v var="$2" '
		!on && index($0, var "=\"") == 1 { on = 1; $0 = substr($0, length(var) + 3) }
		on { if (i = index($0, "\"")) { $0 = substr($0, 1, i - 1); on = 0 }
			for (j = 1; j <= NF; j++) print $j
			if (!on) exit }' "$1"
}
mapfile -t RUNALL_HOST < <(words "$src/tests/run-all" TEST_PKGS)

# 8
reset "${RUNALL_HOST[@]}"
echo always >"$FAKE/fail.libcmocka-dev:i386"
rc=0
"$src/tests/run-all" --install-only >"$tmp/out" 2>"$tmp/err" || rc=$?
st=1
[ ${#RUNALL_HOST[@]} -gt 5 ] && [ $rc = 0 ] &&
	[ "$(grep -c 'warning: cannot install libcmocka-dev:i386 (Failed to fetch libcmocka-dev_1.0_amd64.deb 404 Not Found): the 32-bit suite' "$tmp/err")" = 1 ] &&
	grep -qx 'libbenchmark-dev:i386' "$FAKE/installed" && st=0
result $st "run-all --install-only, libcmocka-dev:i386 not installable: exit 0, one warning"

# 9
reset "${RUNALL_HOST[@]}"
sed -i '/^clang$/d' "$FAKE/installed"
echo always >"$FAKE/fail.clang"
rc=0
"$src/tests/run-all" --install-only >"$tmp/out" 2>"$tmp/err" || rc=$?
st=1
[ $rc = 1 ] && [ "$(calls install)" = 3 ] && grep -q '^run-all: cannot install clang (3 tries' "$tmp/err" &&
	[ "$(tail -n 1 "$tmp/out")" = "tests: 0 passed, 1 failed" ] && st=0
result $st "run-all --install-only, a host package never installable: exit 1, one failed"

mapfile -t QS_REQUIRED < <(words "$src/quickstart" REQUIRED_PKGS)

# 10
reset "${QS_REQUIRED[@]}"
echo always >"$FAKE/fail.libmimalloc2.0"
rc=0
"$src/quickstart" --install-only >"$tmp/out" 2>"$tmp/err" || rc=$?
st=1
[ ${#QS_REQUIRED[@]} -gt 5 ] && [ $rc = 0 ] &&
	[ "$(grep -c '^quickstart: skipping mimalloc: libmimalloc2.0 cannot be installed (Failed to fetch' "$tmp/err")" = 1 ] &&
	grep -qx libjemalloc2 "$FAKE/installed" && grep -qx libgoogle-perftools4 "$FAKE/installed" &&
	grep -qx lua5.4 "$FAKE/installed" && ! grep -qx libmimalloc2.0 "$FAKE/installed" && st=0
result $st "quickstart --install-only, mimalloc not installable: exit 0, one line, the rest installed"

# 11
reset
echo always >"$FAKE/fail.gcc"
rc=0
"$src/quickstart" --install-only >"$tmp/out" 2>"$tmp/err" || rc=$?
st=1
[ $rc = 1 ] && grep -q '^quickstart: cannot install .*gcc.* (3 tries: Failed to fetch gcc_1.0_amd64.deb 404 Not Found)' "$tmp/err" && st=0
result $st "quickstart --install-only, gcc never installable: exit 1, a line naming it"

# 12
reset
for p in lua5.4 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib git \
	libexpat1 zlib1g libreadline8 libtinfo6 libpcre2-8-0; do
	echo always >"$FAKE/fail.$p:i386"
done
rc=0
sh "$src/tests/setup-i386-programs.sh" "$tmp/i386" >"$tmp/out" 2>"$tmp/err" || rc=$?
st=1
[ $rc = 0 ] && [ "$(grep -c 'apt-get download .*:i386 failed' "$tmp/err")" = 10 ] &&
	[ ! -e "$tmp/i386/.complete" ] && st=0
result $st "setup-i386-programs.sh with every download failing: exit 0, a line per package"
