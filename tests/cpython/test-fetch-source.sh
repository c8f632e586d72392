#!/bin/sh
# tests/cpython/test-fetch-source.sh - bench/cpython/fetch-source against a
# fake apt-get and apt-cache (first on PATH) that play an archive mid-sync.
# Prints TAP. No network, no root: fetch-source runs with --no-install, so it
# never touches /etc/apt, even when this runs as root.
#
# The fakes read FAKE/versions (what 'apt-cache showsrc python3.11' lists,
# in that order) and FAKE/mode.VERSION (what 'apt-get source
# python3.11=VERSION' does: good, broken, badsum, nodebian; see fake_apt_get
# below), and append their arguments to FAKE/calls.
#
#   1. fresh cache, deb12u9 broken (only the orig tarball, 404, exit 100) and
#      deb12u8 good: deb12u8's .dsc and the orig tarball on stdout, deb12u9
#      tried first and reported skipped, its leftovers gone
#   2. the same cache again: no apt-get or apt-cache call at all
#   3. every version broken: exit 1, stdout empty, one error line naming both
#   4. a .dsc listing another SHA-256 than its orig tarball's: skipped
#   5. only the .debian.tar.xz 404s (exit 100, .dsc and orig fine): accepted
#   6. versions listed out of order, one twice: tried newest first by dpkg's
#      ordering (1:3.11.2-1, 3.11.2-6+deb12u10, 3.11.2-6+deb12u9, 3.11.2-6,
#      3.11.2-6~rc1; sort -V would put the epoch last), each once
#   7. apt-cache lists nothing, --no-install: exit 2, one line, no apt-get
#   8. a cached .dsc without its orig tarball: fetched again, not fatal

src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
fetch="$src/bench/cpython/fetch-source"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-fetch-source.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
FAKE=$tmp/fake
mkdir -p "$FAKE/bin" "$tmp/orig/Python-3.11.2"
export FAKE

# the orig tarball every version shares (the same upstream 3.11.2)
echo 'print("hello")' >"$tmp/orig/Python-3.11.2/hello.py"
tar -czf "$FAKE/python3.11_3.11.2.orig.tar.gz" -C "$tmp/orig" Python-3.11.2 || exit 99
ORIG_SUM=$(sha256sum <"$FAKE/python3.11_3.11.2.orig.tar.gz" | cut -d' ' -f1)
ORIG_SIZE=$(wc -c <"$FAKE/python3.11_3.11.2.orig.tar.gz")
export ORIG_SUM ORIG_SIZE

cat >"$FAKE/bin/apt-cache" <<'EOF'
#!/bin/sh
printf 'apt-cache %s\n' "$*" >>"$FAKE/calls"
if [ "$1" = showsrc ] && [ "$2" = python3.11 ] && [ -s "$FAKE/versions" ]; then
	while read -r v; do
		printf 'Package: python3.11\nBinary: python3.11, python3.11-minimal\nVersion: %s\nFormat: 3.0 (quilt)\n\n' "$v"
	done <"$FAKE/versions"
	exit 0
fi
echo "W: You must put some 'deb-src' URIs in your sources.list" >&2
echo "E: Unable to find a source package for $2" >&2
exit 100
EOF

# modes: good      .dsc, orig, .debian.tar.xz; exit 0
#        broken    only the orig; the .dsc and .debian.tar.xz 404; exit 100
#        badsum    .dsc listing a wrong SHA-256 for the orig, orig; exit 0
#        nodebian  .dsc and orig; the .debian.tar.xz 404s; exit 100
cat >"$FAKE/bin/apt-get" <<'EOF'
#!/bin/sh
printf 'apt-get %s\n' "$*" >>"$FAKE/calls"
ver=
for a in "$@"; do
	case $a in python3.11=*) ver=${a#python3.11=} ;; esac
done
case $1 in source) ;; *) echo "E: fake apt-get: not faked: $*" >&2; exit 100 ;; esac
[ -n "$ver" ] || { echo "E: fake apt-get: no python3.11=VERSION" >&2; exit 100; }
mode=$(cat "$FAKE/mode.$ver" 2>/dev/null || echo missing)
# file names leave out the epoch, as apt's do
fver=${ver#*:}
url=http://deb.debian.org/debian-security/pool/updates/main/p/python3.11
dsc() { # dsc SHA256-OF-ORIG
	cat >"python3.11_$fver.dsc" <<DSC
-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Format: 3.0 (quilt)
Source: python3.11
Version: $ver
Checksums-Sha1:
 0123456789abcdef0123456789abcdef01234567 $ORIG_SIZE python3.11_3.11.2.orig.tar.gz
Checksums-Sha256:
 $1 $ORIG_SIZE python3.11_3.11.2.orig.tar.gz
 0000000000000000000000000000000000000000000000000000000000000000 100 python3.11_$fver.debian.tar.xz
Files:
 0123456789abcdef0123456789abcdef $ORIG_SIZE python3.11_3.11.2.orig.tar.gz

-----BEGIN PGP SIGNATURE-----
iQIzBAEBCgAdFiEE
-----END PGP SIGNATURE-----
DSC
}
e404() {
	echo "Err:1 $url/$1"
	echo "  404  Not Found [IP: 151.101.2.132 80]"
	echo "E: Failed to fetch $url/$1  404  Not Found [IP: 151.101.2.132 80]"
	echo "E: Failed to fetch some archives."
}
echo "Reading package lists..."
echo "Need to get 25.3 MB of source archives."
cp "$FAKE/python3.11_3.11.2.orig.tar.gz" .
case $mode in
good) dsc "$ORIG_SUM"; echo debian >"python3.11_$fver.debian.tar.xz"; exit 0 ;;
broken) e404 "python3.11_$fver.dsc"; exit 100 ;;
badsum) dsc 1111111111111111111111111111111111111111111111111111111111111111; exit 0 ;;
nodebian) dsc "$ORIG_SUM"; e404 "python3.11_$fver.debian.tar.xz"; exit 100 ;;
*) echo "E: Can not find version '$ver' of package 'python3.11'"; exit 100 ;;
esac
EOF
chmod +x "$FAKE/bin/apt-get" "$FAKE/bin/apt-cache"
PATH=$FAKE/bin:$PATH
MALLARD_APT_RETRY_SLEEP=0
export PATH MALLARD_APT_RETRY_SLEEP

echo "1..8"
n=0
result() { # result STATUS DESCRIPTION: STATUS 0 is ok; on failure the run's output
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		for f in out err; do
			echo "# $f:"
			sed 's/^/#   /' "$tmp/$f"
		done
		echo "# fake calls:"
		sed 's/^/#   /' "$FAKE/calls" 2>/dev/null
	fi
}

# setup VERSION:MODE...: FAKE/versions in that order, the modes, no calls yet
setup() {
	: >"$FAKE/versions"
	rm -f "$FAKE"/mode.* "$FAKE/calls"
	for vm in "$@"; do
		echo "${vm%:*}" >>"$FAKE/versions"
		echo "${vm##*:}" >"$FAKE/mode.${vm%:*}"
	done
}

# run CACHE: fetch-source --no-install CACHE; rc, out and err
run() {
	"$fetch" --no-install "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# the versions apt-get source was asked for, in order, on one line
tried() {
	sed -n 's/^apt-get source.* python3\.11=\([^ ]*\).*/\1/p' "$FAKE/calls" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# printed DSC: stdout is DSC, then the orig tarball beside it
printed() {
	[ "$(cat "$tmp/out")" = "$(printf '%s\n%s' "$1" "$(dirname "$1")/python3.11_3.11.2.orig.tar.gz")" ]
}

errlines() { grep -c '^cpython/fetch-source: error:' "$tmp/err"; }

U9=3.11.2-6+deb12u9 U8=3.11.2-6+deb12u8

# 1
c=$tmp/c1
setup "$U9:broken" "$U8:good"
run "$c"
st=1
[ $rc = 0 ] && printed "$c/python3.11_$U8.dsc" &&
	[ "$(tried)" = "$U9 $U8" ] &&
	grep -q "skipping $U9: no .dsc (apt-get: Failed to fetch python3.11_$U9.dsc 404 Not Found)" "$tmp/err" &&
	grep -q "using python3.11 $U8" "$tmp/err" &&
	[ ! -e "$c/python3.11_$U9.dsc" ] && [ -f "$c/apt-get-source.log" ] && st=0
result $st "fresh cache: $U9 (404) tried first and skipped, $U8's .dsc printed"

# 2
rm -f "$FAKE/calls"
run "$c"
st=1
[ $rc = 0 ] && printed "$c/python3.11_$U8.dsc" && [ ! -e "$FAKE/calls" ] && st=0
result $st "the same cache again: used without any apt-get or apt-cache call"

# 3
c=$tmp/c3
setup "$U9:broken" "$U8:broken"
run "$c"
st=1
[ $rc = 1 ] && [ ! -s "$tmp/out" ] && [ "$(errlines)" = 1 ] &&
	grep '^cpython/fetch-source: error:' "$tmp/err" | grep -F "$U9: no .dsc" | grep -Fq "$U8: no .dsc" &&
	[ "$(tried)" = "$U9 $U8" ] && ! ls "$c"/*.dsc >/dev/null 2>&1 && st=0
result $st "every version broken: exit 1, one error line naming both versions and why"

# 4
c=$tmp/c4
setup "$U9:badsum" "$U8:good"
run "$c"
st=1
[ $rc = 0 ] && printed "$c/python3.11_$U8.dsc" &&
	grep -q "skipping $U9: python3.11_3.11.2.orig.tar.gz does not match the SHA-256 in the .dsc" "$tmp/err" &&
	[ ! -e "$c/python3.11_$U9.dsc" ] && st=0
result $st "a .dsc listing another SHA-256 than its orig tarball: skipped for the next version"

# 5
c=$tmp/c5
setup "$U9:nodebian" "$U8:good"
run "$c"
st=1
[ $rc = 0 ] && printed "$c/python3.11_$U9.dsc" && [ "$(tried)" = "$U9" ] &&
	grep -q "$U9: apt-get failed (Failed to fetch python3.11_$U9.debian.tar.xz 404 Not Found)" "$tmp/err" && st=0
result $st "only the .debian.tar.xz 404s (apt-get exit 100): $U9 accepted"

# 6
c=$tmp/c6
setup "3.11.2-6:broken" "3.11.2-6~rc1:good" "$U9:broken" "1:3.11.2-1:broken" "3.11.2-6+deb12u10:broken" \
	"3.11.2-6:broken"
run "$c"
st=1
[ $rc = 0 ] && [ "$(tried)" = "1:3.11.2-1 3.11.2-6+deb12u10 $U9 3.11.2-6 3.11.2-6~rc1" ] &&
	printed "$c/python3.11_3.11.2-6~rc1.dsc" && st=0
result $st "listed out of order: tried newest first by dpkg's ordering, each once"

# 7
c=$tmp/c7
setup
run "$c"
st=1
[ $rc = 2 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ "$(errlines)" = 1 ] &&
	[ -z "$(tried)" ] && ! grep -q '^apt-get' "$FAKE/calls" && st=0
result $st "apt-cache lists nothing, --no-install: exit 2, one line, no apt-get"

# 8
c=$tmp/c8
mkdir -p "$c"
setup "$U8:good"
(cd "$c" && "$FAKE/bin/apt-get" source --download-only "python3.11=$U8" >/dev/null) && rm "$c"/*.orig.tar.gz
: >"$FAKE/calls"
run "$c"
st=1
[ $rc = 0 ] && printed "$c/python3.11_$U8.dsc" && [ "$(tried)" = "$U8" ] &&
	[ -f "$c/python3.11_3.11.2.orig.tar.gz" ] &&
	grep -q "cached python3.11_$U8.dsc: no python3.11_3.11.2.orig.tar.gz beside the .dsc; fetching again" "$tmp/err" && st=0
result $st "a cached .dsc without its orig tarball: fetched again"
