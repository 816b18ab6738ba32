"""opsbook benchmarks: a synthetic handbook generator and a harness (`make bench`).

Nothing here is imported by the package or by CI; results go to `bench/results/` (gitignored).
"""
