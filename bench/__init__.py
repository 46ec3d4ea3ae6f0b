"""`make bench`: the project's benchmarks, run against real `yingji serve` processes on loopback.

`python -m bench.run --help` lists the scenarios and the knobs; docs/performance.md explains them
and records what they measured.
"""
