"""The benchmark harness runs a real child process and reports what it cost."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.harness import Series, run_command

# Holds 80 MB (every page touched, so it is resident) for 1 s, prints and exits 3.
CHILD = """
import sys, time
block = bytearray(80 * 2**20)
block[::4096] = b"x" * len(block[::4096])
time.sleep(1)
print("hello")
sys.exit(3)
"""


def test_run_command_reports_time_exit_code_and_memory(tmp_path: Path) -> None:
    sample = run_command([sys.executable, "-c", CHILD], tmp_path, sample_tree=True)
    assert sample.returncode == 3
    assert sample.stdout_tail == "hello"
    assert sample.seconds >= 1  # it slept that long: a lower bound, whatever the load
    # (max_rss_mb is not compared: Linux counts the forked copy of this test process in it.)
    assert sample.tree_pss_mb is not None and sample.tree_pss_mb >= 80
    quick = run_command([sys.executable, "-c", "pass"], tmp_path, sample_tree=True)
    assert quick.returncode == 0
    assert quick.tree_pss_mb is not None and quick.tree_pss_mb < 80
    series = Series("python", [sys.executable], tmp_path, [sample, quick])
    assert series.best == min(sample.seconds, quick.seconds) and not series.ok
