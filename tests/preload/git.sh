#!/bin/sh
# tests/preload/git.sh - git in a scratch repository: init, commits, log
# --stat, diff, blame, gc, fsck, archive; once normally and once with
# LD_PRELOAD=$MALLARD_LIB (inherited by every git subprocess: gc runs
# repack, pack-objects, prune, ...). Names, emails and dates are fixed, so
# commit ids and all output are the same in both runs.
# 64-bit: git ($GIT, else the one on PATH). 32-bit: the i386 git from
# tests/setup-i386-programs.sh.

. "${top_srcdir:-$(dirname "$0")/../..}/tests/preload/common.sh"
require_library

if [ "$MALLARD_HOST_BITS" = 32 ]; then
    use_i386_programs git usr/bin/git
    GIT_EXEC_PATH=$i386/usr/lib/git-core
    GIT_TEMPLATE_DIR=$i386/usr/share/git-core/templates
    export GIT_EXEC_PATH GIT_TEMPLATE_DIR
else
    prog=${GIT:-$(command -v git)} ||
        skip_all git "git is not installed (apt-get install git)"
fi

if ! "$prog" --version >"$work/start.err" 2>&1; then
    skip_all git "$prog does not start: $(head -n 1 "$work/start.err")"
fi
tap_note "$("$prog" --version) ($prog) with $MALLARD_LIB"

HOME=$work
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='Mallard Test'
GIT_AUTHOR_EMAIL='mallard@example.org'
GIT_COMMITTER_NAME='Mallard Test'
GIT_COMMITTER_EMAIL='mallard@example.org'
GIT_PAGER='cat'
PAGER='cat'
LC_ALL=C
TZ=UTC
export HOME GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME \
    GIT_COMMITTER_EMAIL GIT_PAGER PAGER LC_ALL TZ
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CONFIG_GLOBAL

# at DATE: the author and committer date of the next commit
at() {
    GIT_AUTHOR_DATE="$1 +0000"
    GIT_COMMITTER_DATE="$1 +0000"
    export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
}

# lines N STEP WORD: N numbered lines
lines() {
    i=1
    while [ "$i" -le "$1" ]; do
        echo "$3 line $i: $((i * $2 % 997))"
        i=$((i + 1))
    done
}

# session DIR: the whole git session in a new repository DIR; prints to
# stdout what is compared. Runs in a subshell: the caller's environment
# (LD_PRELOAD or not) reaches every git process.
session() (
    set -e
    g=$prog
    mkdir "$1"
    cd "$1"
    "$g" init -q -b main .
    "$g" config core.autocrlf false
    "$g" config gc.auto 0
    mkdir -p src docs
    lines 400 7 alpha >src/alpha.txt
    lines 300 11 beta >src/beta.txt
    lines 50 13 readme >docs/README
    at '2024-01-01 10:00:00'
    "$g" add -A
    "$g" commit -q -m 'first: three files'
    lines 420 7 alpha | sed 's/line 1\([0-9]\):/LINE 1\1:/' >src/alpha.txt
    rm src/beta.txt
    lines 120 17 gamma >src/gamma.txt
    at '2024-01-02 11:00:00'
    "$g" add -A
    "$g" commit -q -m 'second: edit alpha, beta becomes gamma'
    "$g" checkout -q -b topic
    lines 60 19 delta >docs/delta.md
    at '2024-01-03 12:00:00'
    "$g" add -A
    "$g" commit -q -m 'topic: delta'
    "$g" checkout -q main
    echo 'tail' >>docs/README
    at '2024-01-04 13:00:00'
    "$g" commit -q -a -m 'third: README tail'
    at '2024-01-05 14:00:00'
    "$g" merge -q --no-edit topic
    "$g" tag -a v1 -m 'version one'
    echo '== log --stat'
    "$g" log --stat
    echo '== log --graph'
    "$g" log --graph --oneline --decorate=short --all
    echo '== diff'
    "$g" diff HEAD~3 HEAD
    echo '== diff --stat -M'
    "$g" diff --stat -M HEAD~3 HEAD
    echo '== blame'
    "$g" blame -s src/alpha.txt | sed -n '1,5p;100,105p'
    echo '== grep'
    "$g" grep -c 'line 1' HEAD
    echo '== gc'
    "$g" gc -q --aggressive --prune=now
    "$g" count-objects -v | grep -v '^size'
    "$g" fsck --strict
    echo '== rev-list'
    "$g" rev-list --objects --all | sort
    echo '== archive'
    "$g" archive --format=tar v1 | cksum
    echo '== status'
    "$g" status --short --branch
)

tap_plan 3
check_loaded "git --version" "$prog" --version
run_plain session session "$work/plain"
run_mallard session session "$work/mallard"
compare session "git init/commit/merge/log --stat/diff/blame/gc/fsck/archive"
# git status walks the work tree and index with many small allocations
run_compare status "git status and ls-files in the repository" \
    sh -c 'cd "$1" && "$2" status --porcelain=v2 --branch && "$2" ls-files -s' sh "$work/plain" "$prog"
tap_done
