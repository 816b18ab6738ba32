"""The narrow scope: checking some files of a large site without loading the rest of it.

Both `opsbook check FILE…` on a big site and `opsbook check --changed-since REF` check a few
*target* files. Their findings depend on other files only through what the rule registry
declares (``Rule.reads``, ``Rule.collision``), so the scope holds:

- the targets;
- every file that may declare a kind other than runbook (a severity matrix, a contact sheet),
  found by scanning bytes instead of parsing;
- every file that mentions an id or alert name of a target runbook (the other half of a
  collision), found the same way;
- whatever else the caller adds (`--changed-since` adds the site's pages).

A finding whose truth depends on runbooks left out of the scope (a rule reading runbooks that
is not a collision: a service only another runbook names, OB402) cannot be vouched for; so
does a site with runbooks and no matrix (OB206 is reported on the site's first runbook). Then
the scope answers None and the caller checks the whole site: the narrow scope can make a
check faster but never change its answer.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from opsbook.checks import RULES_BY_ID, Input, rule_inputs
from opsbook.checks.suppressions import UNUSED_SUPPRESSION
from opsbook.diagnostics import Diagnostic
from opsbook.load.codeowners import find_codeowners
from opsbook.load.document import (
    Document,
    display_path_for,
    load_document,
    read_source,
    resolve_folders,
)
from opsbook.load.frontmatter import split_frontmatter
from opsbook.load.problems import LoadProblem
from opsbook.load.text import MAX_FILE_BYTES, decode_source
from opsbook.model.alerts import AlertRules, load_alert_rules
from opsbook.model.project import Project, build_project, site_file_names, site_files
from opsbook.model.runbook import Runbook
from opsbook.settings import OpsbookConfig

_RUNBOOK_KIND_LINE = re.compile(r"""^kind:[ \t]*(?:runbook|'runbook'|"runbook")[ \t]*$""", re.M)


def is_below(path: Path, directory: Path) -> bool:
    try:
        path.relative_to(directory)
    except ValueError:
        return False
    return True


def scope_safe(rule_id: str) -> bool:
    """Whether a finding cannot depend on a runbook left out of the narrow scope: its rule
    reads no other runbook, or compares runbooks by a name the scope searched for (a
    collision), or is about the file's own suppressions."""
    if Input.RUNBOOK not in rule_inputs(rule_id):
        return True
    rule = RULES_BY_ID.get(rule_id)
    return rule_id == UNUSED_SUPPRESSION.id or (rule is not None and rule.collision)


def vouched_for(diagnostics: Iterable[Diagnostic]) -> bool:
    """Whether the narrow scope's answer holds for all of ``diagnostics``."""
    return all(scope_safe(diagnostic.rule) for diagnostic in diagnostics)


def collision_keys(runbooks: Iterable[Runbook]) -> tuple[set[str], set[str]]:
    """Ids and (lower-cased) alert names: what two runbooks can collide on."""
    ids: set[str] = set()
    alerts: set[str] = set()
    for runbook in runbooks:
        ids.add(runbook.id)
        alerts.update(alert.lower() for alert in runbook.alerts)
    return ids, alerts


def peek(path: str | Path) -> bytes | None:
    """The bytes :func:`read_source` would return, or None where it returns a problem (which
    loads with no kind and no id): four system calls for the usual regular file."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (read_source stats first).
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        data = os.read(handle, info.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(handle)
    if len(data) == info.st_size:
        return data
    found = read_source(Path(path))  # short read, or the file grew: let the careful reader decide
    return None if isinstance(found, LoadProblem) else found


def may_be_context(data: bytes) -> bool:
    """Whether a file may declare a kind other than runbook (a severity matrix, contacts):
    its frontmatter mentions ``kind`` other than as a plain ``kind: runbook`` line, or holds
    a backslash (a YAML escape could spell ``kind``)."""
    if b"kind" not in data and b"\\" not in data:
        return False
    if data.startswith(b"---\n") and b"\r" not in data:
        # The usual file: its frontmatter ends at the first `---` line, as the loader reads it
        # (see split_frontmatter), so the bytes up to there are its YAML text.
        end = data.find(b"\n---", 3)
        if end != -1 and data[end + 4 : end + 5] == b"\n":
            region = data[4 : end + 1]
            if b"kind" not in region and b"\\" not in region:
                return False
    text = decode_source(data).text
    if text is None:
        return False
    yaml_text, _body_start, _problem = split_frontmatter(text)
    if yaml_text is None:
        return False
    if "\\" in yaml_text:
        return True
    return yaml_text.count("kind") != len(_RUNBOOK_KIND_LINE.findall(yaml_text))


def narrow_project(
    config: OpsbookConfig,
    files: SiteFiles,
    targets: Iterable[int],
    base: Path | None = None,
    also: Iterable[int] = (),
    alert_rules: Callable[[Project], AlertRules] | None = None,
    also_alerts: Iterable[str] = (),
) -> Project | None:
    """The project of the narrow scope around ``targets`` (indices into ``files``, the site's
    files in site order), plus the files ``also`` names and every file naming one of
    ``also_alerts`` (as the targets' own); None when no narrow scope can be trusted (a name
    the byte scan cannot match exactly; runbooks but no matrix).
    ``alert_rules`` makes the rule files of `alert_rules` for the loaded project (by default
    every rule file, parsed whole)."""
    fallback = config.root if config.site else None

    def load(index: int) -> Document:
        path = Path(files[index])
        return load_document(path, display_path_for(path, base, fallback), fallback)

    loaded = {index: load(index) for index in targets}
    ids, alerts = collision_keys(build_project(config, list(loaded.values())).runbooks)
    terms = {term.lower() for term in ids} | alerts | {alert.lower() for alert in also_alerts}
    if any(not term.isascii() or any(char.isspace() for char in term) for term in terms):
        return None  # bytes.lower() and the scan below are exact for ASCII words only
    for index in also:
        if index not in loaded:
            loaded[index] = load(index)
    needles = [term.encode() for term in terms if term]
    for index, path in enumerate(files):
        if index in loaded:
            continue
        data = peek(path)
        if data is None:
            continue  # unreadable: no kind, no id, nothing another file depends on
        lowered = data.lower()
        if any(needle in lowered for needle in needles) or may_be_context(data):
            loaded[index] = load(index)
    project = build_project(config, [loaded[index] for index in sorted(loaded)])
    if config.site:
        project.codeowners = find_codeowners(config.root, base, fallback)
        if config.alert_rules:
            # Read by the runbook side of the alert rules (OB704).
            project.alert_rules = (alert_rules(project) if alert_rules is not None
                                   else load_alert_rules(config, base))
    if config.site and project.runbooks and project.matrix is None:
        return None  # OB206 goes to the site's first runbook, which only the whole site knows
    return project


SiteFiles = Sequence[str | Path]
"""The site's files in site order: names where the system lists them as such (POSIX), which
the narrow scope turns into paths only for the few files it loads."""


def site_file_list(config: OpsbookConfig) -> SiteFiles:
    return site_file_names(config) if os.name == "posix" else site_files(config)


def indices_of(files: SiteFiles, wanted: Iterable[Path]) -> list[int]:
    """Positions in ``files`` of the paths in ``wanted`` (folders resolved, see
    :func:`resolve_folders`)."""
    wanted = set(wanted)
    names = {path.name for path in wanted}  # resolve_folders keeps the name: test that first
    return [
        index for index, path in enumerate(files)
        if os.path.basename(os.fspath(path)) in names and resolve_folders(Path(path)) in wanted
    ]


def indices_below(files: SiteFiles, directory: Path) -> list[int]:
    """Positions in ``files`` of those in ``directory`` (:func:`is_below`), asked once per
    folder."""
    folders: dict[str, bool] = {}
    found = []
    for index, path in enumerate(files):
        folder = os.path.dirname(os.fspath(path))
        below = folders.get(folder)
        if below is None:
            below = folders[folder] = is_below(Path(folder), directory)
        if below:
            found.append(index)
    return found
