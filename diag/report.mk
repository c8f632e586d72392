# diag/report.mk - mallard-report, the command that explains a heap from the
# NDJSON snapshots libmallard writes (included by Makefile.am).
#
# diag/mallard-report.py (Python 3, standard library only, run through
# /usr/bin/env python3) is installed as $(bindir)/mallard-report: copied and
# made executable, nothing substituted.
#
#   tests/diag/report-badinput.sh  bad input and flags: one line on stderr,
#                                  status 1 (2 for a flag), never a traceback;
#                                  a truncated last line warns and reports
#   tests/diag/report-verdicts.sh  each synthetic series (make-fixtures.py)
#                                  and each recorded one (tests/diag/recorded/)
#                                  gets its verdict, undecided ones included,
#                                  with its exit status; --json and --svg output
#
# The tests run diag/mallard-report.py from the source tree with python3
# unless MALLARD_REPORT names the command to test; they print TAP and skip
# when python3 is missing.

bin_SCRIPTS = mallard-report
CLEANFILES += mallard-report mallard-report.tmp

mallard-report: $(srcdir)/diag/mallard-report.py
	$(AM_V_GEN)rm -f $@ $@.tmp && \
	cp $(srcdir)/diag/mallard-report.py $@.tmp && \
	chmod +x $@.tmp && \
	mv $@.tmp $@

REPORT_TESTS = tests/diag/report-badinput.sh tests/diag/report-verdicts.sh
TESTS += $(REPORT_TESTS)
EXTRA_DIST += diag/mallard-report.py tests/diag/make-fixtures.py tests/diag/report-common.sh $(REPORT_TESTS) \
	tests/diag/recorded/README tests/diag/recorded/verdicts \
	tests/diag/recorded/service_daemon.ndjson.xz tests/diag/recorded/service_cache.ndjson.xz \
	tests/diag/recorded/pinned.ndjson.xz tests/diag/recorded/service_daemon-early.ndjson.xz \
	tests/diag/recorded/service_cache-warming.ndjson.xz \
	tests/diag/recorded/service_daemon-flake.ndjson.xz
