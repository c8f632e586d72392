# diag/report.mk - mallard-report, the command that explains a heap from the
# NDJSON snapshots libmallard writes (included by Makefile.am).
#
# The code is the Python package diag/mallard_report/ (Python 3, standard
# library only; one job per module, see its __init__.py). The command is a
# launcher, diag/mallard-report.py, that puts the package's directory on
# sys.path and runs mallard_report.cli.main; from the source tree it finds
# the package beside itself. `make` builds two copies of the launcher with
# that directory fixed (its line "PACKAGE_DIR = ..." replaced, see
# REPORT_LAUNCHER below):
#
#   mallard-report                 the build tree's, for make check (it is
#                                  MALLARD_REPORT) and quickstart: runs the
#                                  package in $(abs_top_srcdir)/diag
#   diag/installed/mallard-report  installed as $(bindir)/mallard-report:
#                                  runs the package make install puts in
#                                  $(pkgdatadir)/python/mallard_report/, so
#                                  it needs no source tree
#
#   tests/diag/report-badinput.sh  bad input and flags: one line on stderr,
#                                  status 1 (2 for a flag), never a traceback;
#                                  a truncated last line warns and reports
#   tests/diag/report-verdicts.sh  each synthetic series (make-fixtures.py)
#                                  and each recorded one (tests/diag/recorded/)
#                                  gets its verdict, undecided ones included,
#                                  with its exit status; --json and --svg output
#                                  (the checks: tests/diag/check_report.py)
#   tests/diag/report-sites.sh     sampled sites: ranked for the verdict, --folded,
#                                  --flame, bad or missing sites, a live run
#                                  (the checks: tests/diag/check_sites.py)
#   tests/diag/report-header.sh    the package's key lists and figure table
#                                  match include/mallard.h's X-macro lists
#                                  (tests/diag/check_header.py)
#
# The tests run diag/mallard-report.py from the source tree with python3
# unless MALLARD_REPORT names the command to test; they print TAP and skip
# when python3 is missing.

noinst_SCRIPTS = mallard-report
bin_SCRIPTS = diag/installed/mallard-report
CLEANFILES += mallard-report mallard-report.tmp \
	diag/installed/mallard-report diag/installed/mallard-report.tmp

mallard_reportdir = $(pkgdatadir)/python/mallard_report
dist_mallard_report_DATA = \
	diag/mallard_report/__init__.py \
	diag/mallard_report/__main__.py \
	diag/mallard_report/analysis.py \
	diag/mallard_report/classes.py \
	diag/mallard_report/cli.py \
	diag/mallard_report/flame.py \
	diag/mallard_report/figures.py \
	diag/mallard_report/rules.py \
	diag/mallard_report/sites.py \
	diag/mallard_report/snapshots.py \
	diag/mallard_report/svg.py \
	diag/mallard_report/text.py \
	diag/mallard_report/thresholds.py \
	diag/mallard_report/trends.py \
	diag/mallard_report/verdict.py

# REPORT_LAUNCHER, with $$dir set: writes $@, diag/mallard-report.py with
# the package's directory fixed to $$dir. The grep fails the build when the
# line was not found (renamed in the launcher): a launcher that still looked
# beside itself would find no package once installed.
REPORT_LAUNCHER = rm -f $@ $@.tmp && \
	sed -e "s|^PACKAGE_DIR = .*|PACKAGE_DIR = '$$dir'|" \
		$(srcdir)/diag/mallard-report.py >$@.tmp && \
	grep -F -x -q "PACKAGE_DIR = '$$dir'" $@.tmp && \
	chmod +x $@.tmp && \
	mv $@.tmp $@

# Both depend on Makefile: configure's directories are in them.
mallard-report: $(srcdir)/diag/mallard-report.py Makefile
	$(AM_V_GEN)dir='$(abs_top_srcdir)/diag' && $(REPORT_LAUNCHER)

diag/installed/mallard-report: $(srcdir)/diag/mallard-report.py Makefile
	$(AM_V_GEN)$(MKDIR_P) diag/installed && \
	dir='$(pkgdatadir)/python' && $(REPORT_LAUNCHER)

REPORT_TESTS = tests/diag/report-badinput.sh tests/diag/report-verdicts.sh \
	tests/diag/report-header.sh tests/diag/report-sites.sh
TESTS += $(REPORT_TESTS)
EXTRA_DIST += diag/mallard-report.py tests/diag/make-fixtures.py tests/diag/report-common.sh $(REPORT_TESTS) \
	tests/diag/check_report.py tests/diag/check_header.py tests/diag/check_sites.py \
	tests/diag/recorded/README tests/diag/recorded/verdicts \
	tests/diag/recorded/service_daemon.ndjson.xz tests/diag/recorded/service_cache.ndjson.xz \
	tests/diag/recorded/pinned.ndjson.xz tests/diag/recorded/service_daemon-early.ndjson.xz \
	tests/diag/recorded/service_cache-warming.ndjson.xz \
	tests/diag/recorded/service_daemon-flake.ndjson.xz \
	tests/diag/recorded/sites-leak.ndjson.xz tests/diag/recorded/sites-fragmentation.ndjson.xz
