"""Python environments with one site engine or another, for the engine tests.

The test environment has MkDocs 1.x and ProperDocs side by side. To see what a handbook gets
where only ProperDocs is installed (no ``mkdocs`` module at all), or where ``mkdocs`` is
MkDocs 2, :func:`derived_venv` makes a virtual environment in a scratch directory holding the
same installed packages (linked, not copied: it takes a second) minus the ones named.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ENGINES = ("mkdocs", "properdocs")


def _drops(name: str, dropped: tuple[str, ...]) -> bool:
    lowered = name.lower()
    return any(
        lowered == distribution
        or (lowered.startswith(f"{distribution}-") and lowered.endswith(".dist-info"))
        for distribution in dropped
    )


def derived_venv(target: Path, *, without: tuple[str, ...]) -> Path:
    """A virtual environment at ``target`` with this one's packages except the distributions
    ``without`` (module folder and ``.dist-info``); returns its Python."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(target)
    python = target / "bin" / "python"
    theirs = site_packages(python)
    ours = Path(sysconfig.get_paths()["purelib"])
    for entry in ours.iterdir():
        if _drops(entry.name, without) or (theirs / entry.name).exists():
            continue
        if entry.suffix == ".pth":
            (theirs / entry.name).write_text(entry.read_text())  # read by `site` at start
        else:
            (theirs / entry.name).symlink_to(entry)
    return python


def site_packages(python: Path) -> Path:
    return Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )


def has_module(python: Path, name: str) -> bool:
    found = subprocess.run(
        [str(python), "-c", f"import importlib.util, sys; "
         f"sys.exit(0 if importlib.util.find_spec({name!r}) else 1)"],
        check=False,
    )
    return found.returncode == 0


def engine_env() -> dict[str, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true")
    env.pop("CI_DEBUG", None)
    return env


def run(
    python: Path, *args: str, cwd: Path, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m ...`` in ``cwd``; stdout and stderr kept apart."""
    return subprocess.run(
        [str(python), *args], cwd=cwd, env=engine_env(), capture_output=True, text=True,
        timeout=timeout, check=False,
    )


THIS_PYTHON = Path(sys.executable)


# --- the engine the end-to-end tests build with ----------------------------------------------

TEST_ENGINE_VARIABLE = "OPSBOOK_TEST_ENGINE"
"""`mkdocs` (default) or `properdocs`: which engine builds the sites of the end-to-end tests
(CI runs them once under each; `make engine-test ENGINE=properdocs` locally)."""


def engine_under_test() -> str:
    name = os.environ.get(TEST_ENGINE_VARIABLE, "mkdocs")
    if name not in ENGINES:
        raise ValueError(f"{TEST_ENGINE_VARIABLE}={name!r}: use one of {', '.join(ENGINES)}")
    return name


def properdocs_only_python(scratch: Path) -> Path:
    """A Python with ProperDocs but no ``mkdocs`` module: this one where MkDocs is not
    installed, else one made under ``scratch``."""
    if not has_module(THIS_PYTHON, "mkdocs"):
        return THIS_PYTHON
    python = derived_venv(scratch / "venv", without=("mkdocs",))
    assert not has_module(python, "mkdocs") and has_module(python, "properdocs")
    return python


def site_engine_for_tests(scratch: Path) -> SiteEngine:
    """The engine named by OPSBOOK_TEST_ENGINE; ProperDocs runs where MkDocs is absent."""
    name = engine_under_test()
    if name == "properdocs":
        return SiteEngine(name, properdocs_only_python(scratch))
    return SiteEngine(name, THIS_PYTHON)


class SiteEngine:
    """Runs the site engine and the opsbook CLI as a team on that engine would."""

    def __init__(self, name: str, python: Path) -> None:
        self.name = name
        self.python = python

    def build(self, root: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """``mkdocs build`` / ``properdocs build`` in ``root`` (which config file it reads is
        the engine's own choice: ProperDocs prefers properdocs.yml, then mkdocs.yml)."""
        return run(self.python, "-m", self.name, "build", "-d", str(site), *args, cwd=root)

    def opsbook(self, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return run(self.python, "-m", "opsbook.cli", *args, cwd=root)

