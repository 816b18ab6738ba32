"""One list of system packages: `.ci/system-deps` holds it, and `make system-deps`, `.ci/run`,
the GitHub workflows and the README all go through it or name exactly it."""

from __future__ import annotations

import subprocess

from tests.support.ci import WORKFLOWS, load_workflow
from tests.support.repo import REPO_ROOT

SCRIPT = REPO_ROOT / ".ci" / "system-deps"
# Make targets that need the system packages (Pango for PDFs, git, the browser for the tests).
NEEDS_SYSTEM = {"test", "pytest", "build", "site-zip", "pdf"}


def listed() -> list[str]:
    result = subprocess.run(["sh", str(SCRIPT), "--list"], capture_output=True, text=True,
                            check=False, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_list_names_what_the_tests_and_pdfs_need() -> None:
    packages = listed()
    assert len(packages) == len(set(packages))
    assert {"make", "python3-venv", "git", "chromium", "fonts-dejavu-core", "fontconfig",
            "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"} <= set(packages)
    assert "poppler-utils" not in packages  # page images come from pypdfium2


def test_the_script_is_posix_sh() -> None:
    for script in (SCRIPT, REPO_ROOT / ".ci" / "run"):
        result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, (script.name, result.stderr)


def test_ci_run_installs_before_it_needs_make() -> None:
    lines = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    install = lines.index("sh .ci/system-deps")
    assert all(not line.startswith("make") for line in lines[:install])
    assert "make test" in lines[install:]


def test_the_makefile_target_runs_the_script() -> None:
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "-C", str(REPO_ROOT), "system-deps"],
        capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sh .ci/system-deps"


def test_every_workflow_job_that_needs_them_installs_them_first() -> None:
    checked = 0
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job_id, job in load_workflow(path.name)["jobs"].items():
            runs = [step.get("run", "").strip() for step in job.get("steps", [])]
            needing = [index for index, run in enumerate(runs)
                       if run.startswith("make ") and set(run.split()[1:]) & NEEDS_SYSTEM]
            if not needing:
                continue
            checked += 1
            assert "make system-deps" in runs, (path.name, job_id)
            assert runs.index("make system-deps") < needing[0], (path.name, job_id)
    assert checked >= 3  # tests, site build, publish


def test_no_other_file_installs_system_packages() -> None:
    tracked = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files"], capture_output=True,
                             text=True, check=False)
    if tracked.returncode != 0:  # not a git checkout (an unpacked archive): walk instead
        names = [str(path.relative_to(REPO_ROOT)) for path in REPO_ROOT.rglob("*")
                 if path.is_file() and ".venv" not in path.parts and ".git" not in path.parts]
    else:
        names = tracked.stdout.split()
    offenders = [
        name for name in names
        if name not in {".ci/system-deps", "tests/integration/test_system_deps.py"}
        # Templates under plugins/ are written into users' own handbook repositories.
        and not name.startswith("plugins/")
        and (REPO_ROOT / name).is_file()
        and "apt-get install" in (REPO_ROOT / name).read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []


def test_the_readme_names_every_package() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [package for package in listed() if f"`{package}`" not in readme]
    assert missing == []
    assert ".ci/system-deps" in readme

