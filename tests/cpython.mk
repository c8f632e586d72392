# tests/cpython.mk - the CPython comparison's own scripts (included by
# Makefile.am). CPython itself is built and tested by
# tests/cpython/check-cpython.sh, outside 'make check' (tests/run-all runs it).
#
#   test-fetch-source.sh  bench/cpython/fetch-source against a fake apt-get
#                         and apt-cache playing an archive mid-sync: a
#                         version whose .dsc 404s is skipped for the next,
#                         newest first by dpkg's ordering; the cache is used
#                         without apt; one error line when every version
#                         fails (no network, no root: seconds)

CPYTHON_SHELL_TESTS = tests/cpython/test-fetch-source.sh
TESTS += $(CPYTHON_SHELL_TESTS)
EXTRA_DIST += $(CPYTHON_SHELL_TESTS) bench/cpython/fetch-source
