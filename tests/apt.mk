# tests/apt.mk - the package-archive helpers (included by Makefile.am).
#
#   test-apt-lib.sh  tests/apt-lib.sh (apt_update, apt_install_retry,
#                    apt_error_line) and what tests/run-all, quickstart and
#                    tests/setup-i386-programs.sh do when apt-get fails, on
#                    a fake apt-get, apt-cache, dpkg and dpkg-query (no
#                    network, no root, nothing installed: seconds)

APT_SHELL_TESTS = tests/apt/test-apt-lib.sh
TESTS += $(APT_SHELL_TESTS)
EXTRA_DIST += $(APT_SHELL_TESTS) tests/apt-lib.sh
