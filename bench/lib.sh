# shellcheck shell=bash
# bench/lib.sh - what the shell scripts of bench/ (and quickstart) share;
# bash, source it. The answers come from where bench/run gets them, so a
# script finds the same build and the same libraries: bench/runner/cli.py
# (discover.py) for ELF word sizes, build directories and allocator
# libraries; bench/peers.tsv, read here with awk, for what has to work
# before python3 is installed.
#
#   bench_python                 the python3 that runs bench/runner
#   elf_bits FILE                32 or 64 for an ELF file, else nothing
#   bench_setup NAME PROGRAM ... sets build, LIB, alloc_list and skipped
#   bench_allocators             every allocator, comma-separated
#   bench_peer_packages          the Debian packages of the peers
#   bench_peer_of PACKAGE        the allocator a package brings

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Debian's own, as the CI and the users run it; a python3 earlier on PATH
# may be a version manager's shim
bench_python() {
	if [ -x /usr/bin/python3 ]; then
		echo /usr/bin/python3
	else
		command -v python3
	fi
}

bench_cli() {
	local py
	py=$(bench_python) || { echo "python3 not found (it runs bench/runner)" >&2; return 2; }
	"$py" "$BENCH_DIR/runner/cli.py" "$@"
}

elf_bits() {
	bench_cli elf-bits "$1"
}

# bench_setup NAME PROGRAM BITS BUILD LIB ALLOCATORS: the build directory
# holding bench/PROGRAM (BUILD, else as bench/run finds one) and each
# allocator's library (LIB for mallard; ALLOCATORS comma-separated, empty
# for all); sets build, LIB (allocator -> library to preload, '' for
# glibc), alloc_list and skipped ("allocator (why)"). Exits 2 after one
# line "NAME: ..." when there is no build or no allocator.
# shellcheck disable=SC2034 # the caller's variables
bench_setup() {
	local out key a rest
	out=$(bench_cli setup --prog "$1" --program "$2" --bits "$3" --build "$4" --lib "$5" \
		--allocators "$6") || exit 2
	declare -gA LIB=()
	alloc_list=() skipped=()
	while IFS=$'\t' read -r key a rest; do
		case $key in
		build) build=$a ;;
		lib) LIB[$a]=$rest; alloc_list+=("$a") ;;
		skip) skipped+=("$a ($rest)") ;;
		esac
	done <<<"$out"
}

bench_allocators() {
	awk -F'\t' '!/^#/ && NF == 3 { printf "%s%s", n++ ? "," : "", $1 } END { print "" }' "$BENCH_DIR/peers.tsv"
}

bench_peer_packages() {
	awk -F'\t' '!/^#/ && NF == 3 && $2 != "-" { print $2 }' "$BENCH_DIR/peers.tsv"
}

bench_peer_of() {
	awk -F'\t' -v p="$1" '!/^#/ && NF == 3 && $2 == p { print $1 }' "$BENCH_DIR/peers.tsv"
}
