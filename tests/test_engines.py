"""The handbook under each site engine: MkDocs 1.x and ProperDocs build, check and print it
(ProperDocs from ``properdocs.yml`` alone, in an environment with no ``mkdocs`` module at all);
with MkDocs 2 installed, opsbook says what to do instead of failing with a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_handbook
from engines import THIS_PYTHON, derived_venv, engine_env, has_module, run, site_packages

from opsbook.engine import (
    CONFIG_FILE_NAMES,
    Engine,
    EngineError,
    choose_engine,
    find_config_file,
    is_mkdocs_2,
    mkdocs_2_problem,
)

TODAY = "2026-11-25"
RUNBOOK = "payments-processor-errors"
RUNBOOK_PAGE = "runbooks/payments/payments-processor-errors.html"
MKDOCS_2 = "2.0.dev6"


# --- choosing the engine (pure) --------------------------------------------------------------


def test_config_file_found_in_properdocs_order(tmp_path: Path) -> None:
    assert find_config_file(tmp_path) is None
    for name in reversed(CONFIG_FILE_NAMES):
        (tmp_path / name).write_text("site_name: x\n")
        assert find_config_file(tmp_path) == tmp_path / name
    (tmp_path / "mkdocs.yml").unlink()
    (tmp_path / "properdocs.yml").unlink()
    (tmp_path / "properdocs.yml").mkdir()  # a folder of that name is no config file
    assert find_config_file(tmp_path) == tmp_path / "properdocs.yaml"


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.6.1", False), ("1.5.3", False), ("2.0.dev6", True), ("2.0", True), ("10.1", True),
     ("dev", False)],
)
def test_mkdocs_2_detected_from_version(version: str, expected: bool) -> None:
    assert is_mkdocs_2(version) is expected


@pytest.mark.parametrize(
    ("config", "mkdocs", "properdocs", "expected"),
    [
        ("mkdocs.yml", "1.6.1", None, Engine("mkdocs", "1.6.1")),
        ("mkdocs.yml", "1.6.1", "1.6.7", Engine("mkdocs", "1.6.1")),
        ("properdocs.yml", "1.6.1", "1.6.7", Engine("properdocs", "1.6.7")),
        ("mkdocs.yml", None, "1.6.7", Engine("properdocs", "1.6.7")),
        ("mkdocs.yml", MKDOCS_2, "1.6.7", Engine("properdocs", "1.6.7")),
        # MkDocs 1.x reads the same format under the other name.
        ("properdocs.yml", "1.6.1", None, Engine("mkdocs", "1.6.1")),
        (None, "1.6.1", "1.6.7", Engine("mkdocs", "1.6.1")),
    ],
)
def test_engine_choice(
    config: str | None, mkdocs: str | None, properdocs: str | None, expected: Engine
) -> None:
    assert choose_engine(Path(config) if config else None, mkdocs, properdocs) == expected


def test_mkdocs_2_alone_is_refused_with_what_to_do() -> None:
    with pytest.raises(EngineError) as raised:
        choose_engine(Path("mkdocs.yml"), MKDOCS_2, None)
    message = str(raised.value)
    assert f"MkDocs {MKDOCS_2} is installed" in message
    assert "mkdocs>=1.6,<2" in message and "pip install properdocs" in message
    assert mkdocs_2_problem(MKDOCS_2, None) == message
    assert mkdocs_2_problem(MKDOCS_2, "1.6.7") is None  # ProperDocs builds it instead
    with pytest.raises(EngineError, match="no site engine is installed"):
        choose_engine(None, None, None)


def test_mkdocs_1_is_no_problem() -> None:
    assert mkdocs_2_problem("1.6.1", None) is None
    assert mkdocs_2_problem(None, "1.6.7") is None


# --- real builds under each engine -----------------------------------------------------------


@pytest.fixture(scope="session")
def properdocs_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with ProperDocs and everything opsbook needs, but no ``mkdocs`` module (this
    one, where MkDocs was uninstalled, as in the CI job for ProperDocs)."""
    if not has_module(THIS_PYTHON, "mkdocs"):
        return THIS_PYTHON
    python = derived_venv(tmp_path_factory.mktemp("properdocs-venv") / "venv",
                          without=("mkdocs",))
    assert not has_module(python, "mkdocs") and has_module(python, "properdocs")
    return python


@pytest.fixture(scope="session")
def mkdocs_python() -> Path:
    if not has_module(THIS_PYTHON, "mkdocs"):
        pytest.fail("MkDocs 1.x is not installed here (the CI job for ProperDocs uninstalls it: "
                    "run only the properdocs tests there, -k properdocs)")
    return THIS_PYTHON


def engine_python(request: pytest.FixtureRequest, engine: str) -> Path:
    python: Path = request.getfixturevalue(f"{engine}_python")
    return python


def handbook_for(engine: str, target: Path) -> Path:
    """The reference handbook configured the way a team on ``engine`` would: ProperDocs from
    ``properdocs.yml`` alone."""
    root = copy_handbook(target)
    if engine == "properdocs":
        (root / "mkdocs.yml").rename(root / "properdocs.yml")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["mkdocs", "properdocs"])
def test_reference_handbook_builds_and_checks(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    python = engine_python(request, engine)
    root = handbook_for(engine, tmp_path / "handbook")
    built = run(python, "-m", engine, "build", "--strict", "-d", str(tmp_path / "site"),
                cwd=root)
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "site" / RUNBOOK_PAGE).read_text(encoding="utf-8")
    assert 'class="ob-card' in page  # the plugin ran: the header card is on the page

    checked = run(python, "-m", "opsbook.cli", "check", "--today", TODAY, cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The handbook was found and checked (a folder with no config file exits 2).
    assert "files" in checked.stderr + checked.stdout


@pytest.mark.slow
def test_opsbook_pdf_under_properdocs_alone(properdocs_python: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    root = handbook_for("properdocs", tmp_path / "handbook")
    printed = run(properdocs_python, "-m", "opsbook.cli", "pdf", "--runbook", RUNBOOK,
                  "-o", str(tmp_path / "pdf"), "--today", TODAY, cwd=root)
    assert printed.returncode == 0, printed.stderr
    assert "Traceback" not in printed.stderr
    pdfs = sorted((tmp_path / "pdf").rglob("*.pdf"))
    assert pdfs, printed.stderr
    text = "".join(page.extract_text() for page in PdfReader(pdfs[0]).pages)
    assert "Payment" in text


# --- MkDocs 2 ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mkdocs_2_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MkDocs 2 as published (a pre-release), installed into a scratch folder."""
    target = tmp_path_factory.mktemp("mkdocs-2")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--pre",
         "--target", str(target), f"mkdocs=={MKDOCS_2}"],
        capture_output=True, text=True, check=False, env=engine_env(), timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    return target


def venv_with_mkdocs_2(mkdocs_2: Path, target: Path, *, without: tuple[str, ...]) -> Path:
    python = derived_venv(target, without=without)
    packages = site_packages(python)
    for entry in mkdocs_2.iterdir():
        if entry.name == "mkdocs" or entry.name.startswith("mkdocs-"):
            (packages / entry.name).symlink_to(entry)
    return python


@pytest.mark.slow
def test_mkdocs_2_says_what_to_do(mkdocs_2_package: Path, tmp_path: Path) -> None:
    python = venv_with_mkdocs_2(mkdocs_2_package, tmp_path / "venv",
                                without=("mkdocs", "properdocs"))
    root = copy_handbook(tmp_path / "handbook")
    printed = run(python, "-m", "opsbook.cli", "pdf", "--today", TODAY, cwd=root)
    assert printed.returncode == 2
    assert "Traceback" not in printed.stderr
    assert f"MkDocs {MKDOCS_2} is installed" in printed.stderr
    assert "mkdocs>=1.6,<2" in printed.stderr and "properdocs" in printed.stderr
    # The check itself needs no engine: it runs, and warns that a build would skip opsbook.
    checked = run(python, "-m", "opsbook.cli", "check", "--today", TODAY, cwd=root)
    assert checked.returncode == 0, checked.stderr
    assert f"MkDocs {MKDOCS_2} is installed" in checked.stderr
    assert not list(root.rglob("site"))  # nothing written into the handbook


@pytest.mark.slow
def test_mkdocs_2_beside_properdocs_builds_with_properdocs(
    mkdocs_2_package: Path, tmp_path: Path
) -> None:
    python = venv_with_mkdocs_2(mkdocs_2_package, tmp_path / "venv", without=("mkdocs",))
    chosen = run(python, "-c", "from opsbook.engine import use_engine; "
                 "print(use_engine().name)", cwd=tmp_path)
    assert chosen.stdout.strip() == "properdocs", chosen.stderr
