# diag/scenarios.mk - scenario programs: each makes a process's memory grow
# (or stay flat) for one known reason, so the diagnostics can be tested
# against them (included by Makefile.am). See diag/scenarios/README.
#
#   leak            live set grows steadily                    -> leak
#   fragmentation   live bytes flat, survivors pin more pages  -> fragmentation
#   retention       large blocks freed, never purged           -> retention
#                   (run with MALLARD_PURGE_DELAY_MS=-1)
#   outside_heap    mmap'ed chunks grow, heap flat             -> outside-heap
#   stable          steady churn, everything flat              -> stable
#   pinned          survivors pin a third-full heap at start,  -> stable, and
#                   then steady churn                             "holds far more
#                                                                 than its live data"
#   service_generator.py, service_cache.py: the same for CPython
#                   (PYTHONMALLOC=malloc): leak (or stable with --close),
#                   fragmentation
#
# Every program takes --seconds S (default 3) or --long (120 s). They call
# plain malloc/free/mmap and link nothing but libc: the allocator under test
# comes in with LD_PRELOAD, so they are built like bench/ programs, not
# linked with libmallard. check_PROGRAMS: built by `make check`, not
# installed; tests/diag/scenarios.sh runs each and checks mallard-report's
# verdict (short runs: the verdict or "undecided"; MALLARD_SCENARIOS=long:
# exactly the verdict).

DIAG_SCENARIOS = \
	diag/scenarios/leak \
	diag/scenarios/fragmentation \
	diag/scenarios/retention \
	diag/scenarios/outside_heap \
	diag/scenarios/stable \
	diag/scenarios/pinned

check_PROGRAMS += $(DIAG_SCENARIOS)

diag_scenarios_leak_SOURCES = diag/scenarios/leak.c diag/scenarios/scenario.h
diag_scenarios_fragmentation_SOURCES = diag/scenarios/fragmentation.c diag/scenarios/scenario.h
diag_scenarios_retention_SOURCES = diag/scenarios/retention.c diag/scenarios/scenario.h
diag_scenarios_outside_heap_SOURCES = diag/scenarios/outside_heap.c diag/scenarios/scenario.h
diag_scenarios_stable_SOURCES = diag/scenarios/stable.c diag/scenarios/scenario.h
diag_scenarios_pinned_SOURCES = diag/scenarios/pinned.c diag/scenarios/scenario.h

EXTRA_DIST += \
	diag/scenarios/README \
	diag/scenarios/service_generator.py \
	diag/scenarios/service_cache.py \
	diag/scenarios/service_daemon.py \
	diag/scenarios/service_common.py

SCENARIO_TESTS = tests/diag/scenarios.sh
TESTS += $(SCENARIO_TESTS)
EXTRA_DIST += $(SCENARIO_TESTS)

# the snapshots and reports scenarios.sh keeps for a look after a failure
clean-local: clean-scenarios
clean-scenarios:
	rm -rf tests/diag/scenarios.out
.PHONY: clean-scenarios
