"""Measuring one command: wall time, exit code, peak memory.

Each command runs as a child process. Peak memory comes from two places:

* ``wait4`` rusage of the child: the largest resident set of the child *or any one of its
  descendants* (Linux keeps the max over the waited-for tree), free to collect;
* optionally a sampler that sums the proportional set size (PSS: shared pages divided among
  the processes sharing them) of the whole process tree every few milliseconds, for commands
  that fan out to forked workers, whose resident sets would otherwise count the pages they
  share with their parent several times. It costs CPU on a busy machine, so timed runs leave
  it off and memory is measured in a separate run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_PAGE_KB = 4


@dataclass
class Sample:
    """One run of one command."""

    seconds: float
    returncode: int
    cpu_seconds: float  # user + system time of the process and its waited-for children
    max_rss_mb: float  # largest single process of the tree (wait4)
    tree_pss_mb: float | None = None  # sampled PSS sum over the tree, when requested
    stdout_tail: str = ""
    stderr_tail: str = ""


@dataclass
class Series:
    """Several runs of the same command, interleaved with other commands."""

    name: str
    argv: list[str]
    cwd: Path
    samples: list[Sample] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(sample.seconds for sample in self.samples)

    @property
    def best_cpu(self) -> float:
        """CPU time is less disturbed by other load than wall time: a check for ratios."""
        return min(sample.cpu_seconds for sample in self.samples)

    @property
    def median(self) -> float:
        return statistics.median(sample.seconds for sample in self.samples)

    @property
    def max_rss_mb(self) -> float:
        return max(sample.max_rss_mb for sample in self.samples)

    @property
    def tree_pss_mb(self) -> float | None:
        values = [s.tree_pss_mb for s in self.samples if s.tree_pss_mb is not None]
        return max(values) if values else None

    @property
    def ok(self) -> bool:
        return all(sample.returncode == 0 for sample in self.samples)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "argv": self.argv,
            "cwd": str(self.cwd),
            "best_s": round(self.best, 4),
            "best_cpu_s": round(self.best_cpu, 4),
            "median_s": round(self.median, 4),
            "max_rss_mb": round(self.max_rss_mb, 1),
            "tree_pss_mb": None if self.tree_pss_mb is None else round(self.tree_pss_mb, 1),
            "samples": [asdict(sample) for sample in self.samples],
        }


def _tail(path: Path, limit: int = 600) -> str:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - limit))
        return handle.read().decode("utf-8", "replace").strip()


def _children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: parse after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _pss_kb(pid: int) -> int:
    """Proportional set size of one process in KB (its resident set where /proc has no
    smaps_rollup)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def tree_pss_kb(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants, in KB."""
    tree = _children_by_parent()
    total = 0
    pending = [root]
    while pending:
        pid = pending.pop()
        total += _pss_kb(pid)
        pending.extend(tree.get(pid, ()))
    return total


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak_kb = max(self.peak_kb, tree_pss_kb(self.pid))
            self.stopped.wait(self.interval)


def run_command(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    *,
    sample_tree: bool = False,
    timeout: float = 900.0,
) -> Sample:
    """Run ``argv`` in ``cwd`` once; output goes to temporary files (only tails are kept)."""
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryDirectory(prefix="opsbook-bench-") as scratch:
        out_path, err_path = Path(scratch, "stdout"), Path(scratch, "stderr")
        with out_path.open("wb") as out, err_path.open("wb") as err:
            start = time.perf_counter()
            process = subprocess.Popen(
                list(argv), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=err,
            )
            sampler = _TreeSampler(process.pid, 0.02) if sample_tree else None
            if sampler:
                sampler.start()
            killer = threading.Timer(timeout, process.kill)
            killer.start()
            # wait4, not Popen.wait: it also returns this child's own rusage.
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            killer.cancel()
            process.returncode = os.waitstatus_to_exitcode(status)
            if sampler:
                sampler.stopped.set()
                sampler.join()
        return Sample(
            seconds=seconds,
            returncode=process.returncode,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            max_rss_mb=usage.ru_maxrss / 1024,
            tree_pss_mb=sampler.peak_kb / 1024 if sampler else None,
            stdout_tail=_tail(out_path),
            stderr_tail=_tail(err_path),
        )


def interleave(
    series: Sequence[Series],
    rounds: int,
    env: Mapping[str, str] | None = None,
    caps: Mapping[str, int] | None = None,
    timeout: float = 900.0,
) -> None:
    """Run every series once per round, alternating (A B C, A B C, ...), so that a noisy moment
    on the shared machine hits every command alike. ``caps`` limits the rounds of slow series."""
    for round_number in range(rounds):
        for item in series:
            if caps and round_number >= caps.get(item.name, rounds):
                continue
            item.samples.append(run_command(item.argv, item.cwd, env, timeout=timeout))


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()
