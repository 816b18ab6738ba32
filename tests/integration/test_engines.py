"""The handbook under each site engine: MkDocs 1.x and ProperDocs build, check and print it
(ProperDocs from ``properdocs.yml`` alone, in an environment with no ``mkdocs`` module at all);
with MkDocs 2 installed, opsbook says what to do instead of failing with a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.engines import (
    THIS_PYTHON,
    derived_venv,
    engine_env,
    has_module,
    properdocs_only_python,
    run,
    site_packages,
)
from tests.support.repo import copy_handbook

TODAY = "2026-11-25"
RUNBOOK = "payments-processor-errors"
RUNBOOK_PAGE = "runbooks/payments/payments-processor-errors.html"
MKDOCS_2 = "2.0.dev6"


# --- real builds under each engine -----------------------------------------------------------


@pytest.fixture(scope="session")
def properdocs_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with ProperDocs and everything opsbook needs, but no ``mkdocs`` module (this
    one, where MkDocs was uninstalled, as in the CI job for ProperDocs)."""
    return properdocs_only_python(tmp_path_factory.mktemp("properdocs-venv"))


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


# --- opsbook serve ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_finds_properdocs_yml(properdocs_python: Path, tmp_path: Path) -> None:
    import time
    import urllib.request

    from tests.support.sitekit import make_site

    config = make_site(tmp_path / "handbook")
    config.rename(config.with_name("properdocs.yml"))
    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        [str(properdocs_python), "-m", "opsbook.cli", "serve", "-a", address],
        cwd=tmp_path / "handbook", env=engine_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    page = ""
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://{address}/runbooks/api/api-down/", timeout=5
                ) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.5)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert "ProperDocs" in output and "properdocs.yml" in output, output
    assert 'name="opsbook-runbook" content="api-down"' in page, output
