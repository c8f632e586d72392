# tests/preload.mk - real programs under LD_PRELOAD=$(MALLARD_LIB): python3,
# lua5.4, git and gcc, each run normally and with mallard, outputs compared.
# Shell scripts with TAP output; a program that is not installed is a SKIP
# with its reason.
#
# 32-bit builds run i386 python3.11, lua5.4 and git, unpacked into
# $(top_builddir)/i386-programs by `make setup-i386-programs` (needs
# apt-get and the network once; see tests/setup-i386-programs.sh for the
# i386 libraries the CI installs). gcc has no i386 build: it skips there.

PRELOAD_TESTS = \
	tests/preload/python.sh \
	tests/preload/lua.sh \
	tests/preload/git.sh \
	tests/preload/gcc.sh

TESTS += $(PRELOAD_TESTS)
EXTRA_DIST += $(PRELOAD_TESTS) \
	tests/preload/common.sh \
	tests/preload/workload.py \
	tests/preload/leaker.py \
	tests/preload/workload.lua \
	tests/preload/hello.c \
	tests/setup-i386-programs.sh

.PHONY: setup-i386-programs
setup-i386-programs:
	$(SHELL) $(top_srcdir)/tests/setup-i386-programs.sh $(abs_top_builddir)/i386-programs
