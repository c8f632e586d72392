"""bench/runner - the parts of bench/run, one job per module:

  discover    where the build, the allocator libraries (bench/peers.tsv)
              and the interpreters are; what machine this is
  cli         discover's answers for the shell scripts (bench/lib.sh)
  benchmarks  each benchmark's command and how its output becomes rows
  measure     running one program once: wall time, CPU time, peak RSS
  progress    the line per run and the time left
  stats       median, spread, ratio, geometric mean
  report      results.csv, meta.json, report.md, summary.md
  svg         the ratio charts
"""
