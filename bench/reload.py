"""`mkdocs serve` on a big handbook: how long until one edited runbook is rebuilt.

    python -m bench.reload HANDBOOK_DIR [--rounds 3]

Drives MkDocs as `mkdocs serve --dirty` does (one process, plugin instances kept between
builds, one dirty build per change) and times, in the same process: a full build (what every
save costs without `--dirty`) and the rebuild after one runbook was edited. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _build(root: Path, site: Path, *, dirty: bool) -> float:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    started = time.perf_counter()  # `mkdocs serve` loads the configuration for each build
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=dirty)
    build(config, dirty=dirty)
    return time.perf_counter() - started


def _edit(runbook: Path, site: Path, marker: str) -> None:
    text = runbook.read_text(encoding="utf-8")
    runbook.write_text(text.replace("## Diagnosis", f"## Diagnosis\n\n{marker}\n", 1),
                       encoding="utf-8")
    newest = max(entry.stat().st_mtime_ns for entry in site.rglob("*") if entry.is_file())
    os.utime(runbook, ns=(newest + 1_000_000_000, newest + 1_000_000_000))


def measure(root: Path, rounds: int) -> dict[str, Any]:
    import logging

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    runbooks = sorted((root / "runbooks").rglob("*.md"))
    runbook = runbooks[len(runbooks) // 2]
    with tempfile.TemporaryDirectory(prefix="opsbook-reload-") as scratch:
        served, full = Path(scratch) / "served", Path(scratch) / "full"
        initial = _build(root, served, dirty=True)
        full_times, reload_times = [], []
        visible = True
        for index in range(rounds):
            full_times.append(_build(root, full, dirty=False))
            marker = f"Reload marker {index}."
            _edit(runbook, served, marker)
            reload_times.append(_build(root, served, dirty=True))
            relative = runbook.relative_to(root).with_suffix(".html")
            page = served / relative
            visible = visible and page.is_file() and marker in page.read_text(encoding="utf-8")
    return {"initial_s": round(initial, 3), "full_s": [round(t, 3) for t in full_times],
            "reload_s": [round(t, 3) for t in reload_times], "edited": str(runbook),
            "visible": visible}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reload")
    parser.add_argument("root", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    print(json.dumps(measure(args.root.resolve(), max(1, args.rounds))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
