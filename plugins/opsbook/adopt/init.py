"""`opsbook init [DIR]`: a handbook that builds, with blanks that fail until they are filled.

In an empty directory (or a repository with no MkDocs site) it writes a complete site. Beside an
existing ``mkdocs.yml`` or ``properdocs.yml`` it adds the opsbook plugin to that file by
inserting one line (see :mod:`opsbook.adopt.mkdocs_edit`) and writes only opsbook's own files.
An existing file is never replaced unless ``--force`` names it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from opsbook import __version__
from opsbook.adopt.mkdocs_edit import PLUGIN_NAME, add_plugin, site_facts
from opsbook.adopt.plan import PlannedFile, Refused, conflicts, render_template
from opsbook.settings import ConfigError

CONFIG_NAMES = ("mkdocs.yml", "properdocs.yml")

DEFAULT_LEVELS = ("SEV1", "SEV2", "SEV3", "SEV4")

_LEVEL_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,15}$")
_WORDS = ("Critical", "High", "Medium", "Low", "Minor", "Info")
_SUMMARIES = (
    "Users cannot use a core feature, or data is being lost or exposed",
    "A core feature is badly degraded for many users",
    "A secondary feature is broken or slow, and a workaround exists",
    "Cosmetic faults and risks with no current user impact",
    "Internal tooling or monitoring problems with no user impact",
    "For information: nothing to do until business hours",
)
# acknowledge, respond, update_every, resolve, page, colour — a starting point for a team to
# adjust, less severe levels never faster than more severe ones.
_TIMES = (
    ("5m", "15m", "30m", "4h", True, "#b71c1c"),
    ("15m", "30m", "1h", "8h", True, "#e65100"),
    ("1h", "4h", "1d", "3d", False, "#f9a825"),
    ("next business day", "3d", "7d", "14d", False, "#1565c0"),
    ("next business day", "7d", "14d", "30d", False, "#455a64"),
    ("next business day", "14d", "30d", "90d", False, "#616161"),
)
MAX_LEVELS = len(_TIMES)


@dataclass(frozen=True)
class InitOptions:
    today: dt.date
    team_name: str = "On-call"
    levels: tuple[str, ...] = DEFAULT_LEVELS
    timezone: str = "UTC"
    force: tuple[str, ...] = ()
    # What the workflows install; `opsbook init` passes default_install_spec() or --install.
    install_spec: str = f"opsbook=={__version__}"


def default_install_spec(direct_url_json: str | None = None) -> str:
    """What the generated workflows install: this opsbook, as CI can fetch it.

    Installed from a git repository or a web archive (PEP 610 records where, in the
    distribution's ``direct_url.json``), that same source at the same commit; otherwise (from
    an index, or from a local checkout or wheel that CI cannot reach) the released version.
    ``direct_url_json`` stands in for the installed record in tests."""
    if direct_url_json is None:
        direct_url_json = _installed_direct_url()
    pinned = f"opsbook=={__version__}"
    if not direct_url_json:
        return pinned
    try:
        record = json.loads(direct_url_json)
    except ValueError:
        return pinned
    url = record.get("url") if isinstance(record, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return pinned  # file:// and friends: a path on this machine, not on the CI runner
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git":
        commit = vcs.get("commit_id")
        ref = f"@{commit}" if isinstance(commit, str) and commit else ""
        return f"opsbook @ git+{url}{ref}"
    if isinstance(record.get("archive_info"), dict):
        return f"opsbook @ {url}"
    return pinned


def _installed_direct_url() -> str | None:
    from importlib import metadata

    try:
        return metadata.distribution("opsbook").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None


def check_install_spec(value: str) -> str:
    """``--install``: one pip requirement or URL, written into the workflows' YAML."""
    spec = value.strip()
    if not spec or any(char in spec for char in "\n\r\"'`$"):
        raise ConfigError(f"--install: {value!r} is not something pip can install in CI; give "
                          "a requirement (opsbook==0.1.0), a wheel URL or a git URL "
                          "(opsbook @ git+https://example.com/ops/opsbook@v0.1.0)")
    return spec


def parse_levels(value: str) -> tuple[str, ...]:
    """``P0,P1,P2,P3`` → the level ids, most severe first."""
    levels = tuple(item.strip() for item in value.split(",") if item.strip())
    if not levels or len(levels) > MAX_LEVELS:
        raise ConfigError(f"--levels: give 1 to {MAX_LEVELS} levels, most severe first, "
                          "separated by commas (e.g. P0,P1,P2,P3)")
    seen: set[str] = set()
    for level in levels:
        if not _LEVEL_ID.match(level):
            raise ConfigError(f"--levels: {level!r} is not a level name (letters, digits, - or _, "
                              "starting with a letter)")
        if level.lower() in seen:
            raise ConfigError(f"--levels: {level!r} is given twice")
        seen.add(level.lower())
    return levels


def check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"--timezone: {value!r} is not an IANA time zone (e.g. Europe/Berlin, "
                          "America/New_York, UTC)") from None
    return value


def team_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "oncall"


def _yaml_string(value: str) -> str:
    """A YAML scalar for any text (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def severity_levels_yaml(levels: tuple[str, ...]) -> str:
    lower = {level.lower() for level in levels}
    lines = []
    for rank, level in enumerate(levels):
        acknowledge, respond, update, resolve, page, colour = _TIMES[rank]
        aliases = []
        numbered = re.fullmatch(r"SEV(\d)", level)
        if numbered and f"p{numbered.group(1)}" not in lower:
            aliases.append(f"P{numbered.group(1)}")
        if _WORDS[rank].lower() not in lower:
            aliases.append(_WORDS[rank])
        lines += [
            f"  - id: {level}",
            f"    aliases: [{', '.join(aliases)}]",
            f"    summary: {_SUMMARIES[rank]}",
            f"    acknowledge: {acknowledge}",
            f"    respond: {respond}",
            f"    update_every: {update}",
            f"    resolve: {resolve}",
            f"    page: {'true' if page else 'false'}",
            f'    color: "{colour}"',
        ]
    return "\n".join(lines)


def existing_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def plan_init(root: Path, options: InitOptions) -> list[PlannedFile]:
    """Every file init writes in ``root``, with its text. Raises :class:`Refused` when one
    exists and ``options.force`` does not name it; reads, never writes."""
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root} is not a directory")
    check_timezone(options.timezone)
    team = options.team_name.strip() or "On-call"
    values = {
        "team_name": team,
        "team_name_yaml": _yaml_string(team),
        "site_name": f"{team} on-call handbook",
        "team_id": team_id(team),
        "timezone": options.timezone,
        "today": options.today.isoformat(),
        "install_spec": options.install_spec,
        "levels": severity_levels_yaml(options.levels),
        # The example is one level above the least severe: a real page, not a cosmetic one.
        "severity": options.levels[max(0, len(options.levels) - 2)],
    }
    plan: list[PlannedFile] = []
    config = existing_config(root)
    docs_dir = "docs"
    forced = {name for name in options.force}
    if config is not None and config.name not in forced:
        text = config.read_text(encoding="utf-8")
        facts = site_facts(text, config.name)
        if facts.has_opsbook:
            raise Refused(f"{config} already uses the opsbook plugin: this is an opsbook "
                          f"handbook, so init has nothing to add (nothing was written; "
                          f"--force {config.name} rewrites it from the template)")
        docs_dir = facts.docs_dir.strip("/") or "docs"
        plan.append(PlannedFile(config.name, add_plugin(text, config.name),
                                f"adds the {PLUGIN_NAME} plugin; nothing else changes",
                                edit=True))
    else:
        plan.append(PlannedFile("mkdocs.yml", render_template("mkdocs.yml.tmpl", values),
                                "site config: Material, offline search, the opsbook plugin"))
        plan.append(PlannedFile("docs/index.md", render_template("index.md.tmpl", values),
                                "home page"))
    severity_path = f"{docs_dir}/severity.md"
    contacts_path = f"{docs_dir}/contacts.md"
    plan += [
        PlannedFile(severity_path, render_template("severity.md.tmpl", values),
                    f"severity matrix: {', '.join(options.levels)}"),
        PlannedFile(contacts_path, render_template("contacts.md.tmpl", values),
                    "contact sheet with blanks to fill: check fails until they are"),
        PlannedFile("runbooks/example/example-health-check-failing.md",
                    render_template("runbook.md.tmpl", values), "example runbook"),
        PlannedFile(".github/workflows/handbook-checks.yml",
                    render_template("handbook-checks.yml.tmpl", values),
                    "CI: opsbook check (annotations, SARIF) and the strict site build"),
        PlannedFile(".github/workflows/handbook-publish.yml",
                    render_template("handbook-publish.yml.tmpl", values),
                    "CI: publish to GitHub Pages; offline zip and PDFs as artifacts"),
        PlannedFile(".pre-commit-config.yaml",
                    render_template("pre-commit-config.yaml.tmpl", values),
                    "pre-commit hook running opsbook check"),
    ]
    rows = [f"| `{planned.path}` | {planned.what} |" for planned in plan]
    rows.append("| `HANDBOOK.md` | this page |")
    values.update(contacts_path=contacts_path, severity_path=severity_path,
                  file_table="\n".join(rows))
    plan.append(PlannedFile("HANDBOOK.md", render_template("HANDBOOK.md.tmpl", values),
                            "what to do next"))
    taken = conflicts(root, plan, options.force)
    if taken:
        raise Refused(
            "refusing to overwrite " + ", ".join(taken) + " (nothing was written); pass "
            + " ".join(f"--force {path}" for path in taken) + " to replace "
            + ("it" if len(taken) == 1 else "them")
        )
    return plan
