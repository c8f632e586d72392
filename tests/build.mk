# tests/build.mk - checks on the source tree itself (included by Makefile.am).
#
#   tests/build/standalone.sh  every module of libmallard (alloc/, diag/)
#                              compiles on its own with the library's
#                              warnings as errors, and each layer includes
#                              only what it may (docs/ARCHITECTURE.md)

TESTS += tests/build/standalone.sh
EXTRA_DIST += tests/build/standalone.sh
AM_TESTS_ENVIRONMENT += \
	STANDALONE_CC='$(CC)'; export STANDALONE_CC; \
	STANDALONE_CPPFLAGS='-I$(abs_top_builddir) -I$(abs_top_srcdir)/include -I$(abs_top_srcdir) $(CPPFLAGS)'; \
	export STANDALONE_CPPFLAGS; \
	STANDALONE_CFLAGS='$(WARN_CFLAGS) $(CFLAGS) -pthread'; export STANDALONE_CFLAGS;
