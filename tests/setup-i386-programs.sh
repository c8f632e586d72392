#!/bin/sh
# tests/setup-i386-programs.sh DESTDIR
#
# Makes i386 builds of real programs available for the 32-bit preload tests
# (tests/preload/*.sh with MALLARD_HOST_BITS=32) without replacing the
# 64-bit ones: `apt-get download`s the :i386 packages and unpacks them with
# `dpkg -x` into DESTDIR (normally $top_builddir/i386-programs). Needs no
# root; run it from a 32-bit build directory as `make setup-i386-programs`.
#
# Unpacked into DESTDIR (programs; not installable beside their amd64
# versions, or not without dragging those along):
#   lua5.4:i386  python3.11-minimal:i386  libpython3.11-minimal:i386
#   libpython3.11-stdlib:i386  git:i386
#
# Shared libraries they need (Multi-Arch: same) - the CI installs them:
#   apt-get install libexpat1:i386 zlib1g:i386 libreadline8:i386 \
#                   libtinfo6:i386 libpcre2-8-0:i386
# (python3.11: libexpat1 zlib1g; lua5.4: libreadline8 libtinfo6;
#  git: libpcre2-8-0 zlib1g; libc6:i386 comes with gcc-multilib.)
# Where one of them is not installed, it is unpacked into DESTDIR as well and
# the tests put DESTDIR's library directories on LD_LIBRARY_PATH.
#
# Idempotent: nothing is downloaded once DESTDIR/.complete exists.
# Never fatal: offline or without apt-get it says why and exits 0; the
# tests then SKIP with the reason.

set -u

if [ $# -ne 1 ]; then
    echo "usage: $0 DESTDIR" >&2
    exit 2
fi
dest=$1
programs="lua5.4 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib git"
libraries="libexpat1 zlib1g libreadline8 libtinfo6 libpcre2-8-0"

if [ -f "$dest/.complete" ]; then
    echo "i386 programs already in $dest"
    exit 0
fi

for tool in apt-get dpkg dpkg-query; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "setup-i386-programs: $tool not found: cannot fetch i386 programs; the 32-bit preload tests will skip" >&2
        exit 0
    fi
done
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    echo "setup-i386-programs: i386 is not a dpkg architecture here (dpkg --add-architecture i386 && apt-get update); the 32-bit preload tests will skip" >&2
    exit 0
fi

mkdir -p "$dest/.debs" || exit 0
dest=$(cd "$dest" && pwd)

wanted=
for p in $programs; do
    wanted="$wanted $p:i386"
done
for p in $libraries; do
    if [ "$(dpkg-query -W -f='${Status}' "$p:i386" 2>/dev/null)" != "install ok installed" ]; then
        echo "setup-i386-programs: $p:i386 is not installed; unpacking it into $dest (the CI should apt-get install it)"
        wanted="$wanted $p:i386"
    fi
done

failed=
for pkg in $wanted; do
    name=${pkg%:i386}
    if ls "$dest/.debs/${name}_"*_i386.deb >/dev/null 2>&1; then
        continue
    fi
    # apt-get download writes into the current directory
    # (as root, apt warns that the download is unsandboxed: harmless)
    if (cd "$dest/.debs" && apt-get download -q -o Acquire::Retries=3 "$pkg" >/dev/null 2>"$dest/.debs/$name.err"); then
        rm -f "$dest/.debs/$name.err"
    else
        echo "setup-i386-programs: apt-get download $pkg failed: $(tail -n 1 "$dest/.debs/$name.err")" >&2
        failed="$failed $pkg"
    fi
done

for deb in "$dest/.debs/"*_i386.deb; do
    [ -f "$deb" ] || continue
    dpkg -x "$deb" "$dest" || failed="$failed $(basename "$deb")"
done

if [ -n "$failed" ]; then
    echo "setup-i386-programs: incomplete (failed:$failed); run it again when the network is back" >&2
    exit 0
fi
touch "$dest/.complete"
rm -rf "$dest/.debs"
echo "i386 programs unpacked into $dest"
exit 0
