"""Adopting opsbook as a user would: the built wheel in a fresh venv, used in a new git
repository far from this checkout. Only what the wheel carries is there, so a template,
stylesheet or shim missing from the package data fails here and nowhere else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.adopt import HAND_WRITTEN_MKDOCS, TODAY, fill_contacts
from tests.support.repo import REPO_ROOT

pytestmark = pytest.mark.slow

# What the wheel must carry besides Python modules: init's templates, the site's assets (the
# iframe-worker shim that lets search work from file://, the stylesheet), the macro and PDF
# templates, and the checks package.
PACKAGE_DATA = (
    "opsbook/adopt/templates/mkdocs.yml.tmpl",
    "opsbook/adopt/templates/contacts.md.tmpl",
    "opsbook/adopt/templates/handbook-checks.yml.tmpl",
    "opsbook/site/assets/iframe-worker/shim.js",
    "opsbook/site/assets/opsbook.css",
    "opsbook/render/templates/severity_table.html",
    "opsbook/pdf/templates/print.css",
    "opsbook/checks/__init__.py",
    "opsbook/templates/runbook.md",
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with only the wheel installed (its bin directory). The dependencies come
    from the venv running the tests, put on the path with a .pth line — that adds their
    directory, not the editable install's own .pth hook, so `opsbook` resolves to the wheel."""
    scratch = tmp_path_factory.mktemp("wheel")
    source = scratch / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "plugins", source / "plugins", ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "-w", str(scratch / "dist"), str(source)],
                   check=True, cwd=scratch)
    wheel = next((scratch / "dist").glob("opsbook-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [name for name in PACKAGE_DATA if name not in names]
    environment = scratch / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True)
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    dependencies = [path for path in sys.path if path.endswith("site-packages")]
    Path(site_packages, "zz_test_dependencies.pth").write_text("\n".join(dependencies) + "\n")
    where = subprocess.run([str(python), "-c", "import opsbook; print(opsbook.__file__)"],
                           check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(environment)), where
    yield environment / "bin"


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", OPSBOOK_TODAY=TODAY,
               NO_MKDOCS_2_WARNING="1")
    # mkdocs is a dependency, whose console script lives in the test venv: run it with the
    # fresh venv's Python so that it loads the wheel's plugin.
    command = [str(bin_dir / "python"), "-m", "mkdocs"] if args[0] == "mkdocs" else [
        str(bin_dir / args[0])]
    return subprocess.run([*command, *args[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", str(path)], check=True)
    return path


def test_init_check_fill_new_runbook_build_and_pdf(installed: Path,
                                                     tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "acme-handbook")
    result = run(installed, repo, "opsbook", "init", "--team", "Acme Web")
    assert result.returncode == 0, result.stderr
    assert "Next: fill in the blanks of docs/contacts.md" in result.stdout

    check = run(installed, repo, "opsbook", "check", "--format", "json")
    assert check.returncode == 1, check.stderr
    findings = json.loads(check.stdout)["diagnostics"]
    assert findings and {(d["rule"], d["path"]) for d in findings} == {
        ("OB101", "docs/contacts.md")}

    build = run(installed, repo, "mkdocs", "build", "--strict")
    assert build.returncode == 1
    assert "contact template must be filled in" in build.stderr
    assert "Traceback" not in build.stderr

    fill_contacts(repo / "docs" / "contacts.md")
    new = run(installed, repo, "opsbook", "new", "runbook", "web-checkout-errors")
    assert new.returncode == 0, new.stderr
    assert f"last_reviewed: {TODAY}" in (repo / new.stdout.strip()).read_text()

    check = run(installed, repo, "opsbook", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    build = run(installed, repo, "mkdocs", "build", "--strict")
    assert build.returncode == 0, build.stderr
    assert (repo / "site" / "search" / "search_index.js").is_file()  # the offline search
    assert list((repo / "site").rglob("shim.js"))
    pdf = run(installed, repo, "opsbook", "pdf", "--output", "pdf")
    assert pdf.returncode == 0, pdf.stderr
    assert (repo / "pdf" / "handbook.pdf").is_file()
    assert {path.name for path in (repo / "pdf" / "runbooks").glob("*.pdf")} == {
        "example-health-check-failing.pdf", "web-checkout-errors.pdf"}


def test_init_beside_a_hand_written_mkdocs_yml_keeps_it(installed: Path,
                                                         tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "web-docs")
    (repo / "mkdocs.yml").write_text(HAND_WRITTEN_MKDOCS)
    (repo / "docs").mkdir()
    (repo / "docs" / "index.md").write_text("# Web team\n")
    result = run(installed, repo, "opsbook", "init")
    assert result.returncode == 0, result.stderr
    assert (repo / "mkdocs.yml").read_text().replace("  - opsbook\n", "") == HAND_WRITTEN_MKDOCS
    before = {path: path.read_bytes() for path in repo.rglob("*") if path.is_file()}
    again = run(installed, repo, "opsbook", "init")
    assert again.returncode == 2 and "already uses the opsbook plugin" in again.stderr
    assert {path: path.read_bytes() for path in repo.rglob("*") if path.is_file()} == before
    fill_contacts(repo / "docs" / "contacts.md")
    build = run(installed, repo, "mkdocs", "build", "--strict")
    assert build.returncode == 0, build.stderr
