"""What `opsbook init` and `opsbook import` do once their arguments are parsed: plan, refuse or
write, and say what happened. Nothing is read from stdin, so both run the same in CI, in a
script and at a terminal. A refusal or bad input raises ConfigError (exit 2), and then nothing
on disk has changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from opsbook.adopt.plan import PlannedFile, Refused, conflicts, describe, normalise, write_plan
from opsbook.settings import ConfigError, today_from_environment


def resolve_today(explicit: dt.date | None) -> dt.date:
    """--today, else OPSBOOK_TODAY, else the calendar: the date written as `last_reviewed`."""
    return explicit if explicit is not None else today_from_environment()


def _finish(root: Path, plan: list[PlannedFile], dry_run: bool) -> str:
    if dry_run:
        return describe(root, plan, diff=True) + "(dry run: nothing was written)\n"
    summary = describe(root, plan, diff=False)
    write_plan(root, plan)
    return summary


def run_init(root: Path, *, team: str, levels: str | None, timezone: str,
             force: Sequence[str], dry_run: bool, today: dt.date | None,
             install: str | None = None) -> str:
    from opsbook.adopt.init import (
        DEFAULT_LEVELS,
        InitOptions,
        check_install_spec,
        default_install_spec,
        parse_levels,
        plan_init,
    )

    options = InitOptions(
        today=resolve_today(today), team_name=team,
        levels=parse_levels(levels) if levels else DEFAULT_LEVELS,
        timezone=timezone, force=tuple(normalise(path) for path in force),
        install_spec=check_install_spec(install) if install is not None
        else default_install_spec(),
    )
    plan = plan_init(root, options)
    out = _finish(root, plan, dry_run)
    if not dry_run:
        contacts = next(p.path for p in plan if p.path.endswith("/contacts.md"))
        out += (f"\nNext: fill in the blanks of {contacts} (`opsbook check` lists them), then "
                "read HANDBOOK.md.\n")
    return out


def run_import(inputs: Sequence[Path], root: Path, *, team: str, force: Sequence[str],
               dry_run: bool, today: dt.date | None) -> str:
    from opsbook.adopt.importer import import_handbooks
    from opsbook.adopt.text import read_legacy

    texts = []
    for path in inputs:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
        texts.append((path.name, read_legacy(str(path), data)))
    if root.exists() and not root.is_dir():
        raise ConfigError(f"--output {root} is a file, not a directory")
    plan, report = import_handbooks(texts, resolve_today(today), team_name=team)
    taken = conflicts(root, plan, [normalise(path) for path in force])
    if taken:
        raise Refused("refusing to overwrite " + ", ".join(taken) + f" in {root} (nothing was "
                      "written); import into an empty directory, or pass --force PATH for each")
    out = _finish(root, plan, dry_run)
    out += (f"\nrunbook drafts: {len(report.runbooks)}; templates: {len(report.templates)}; "
            f"people: {len(report.people)}; vendors: {len(report.vendors)}; severity levels: "
            f"{', '.join(report.levels)}\n")
    out += "".join(f"conflict to decide: {conflict}\n" for conflict in report.conflicts)
    out += (f"left as written: {len(report.leftovers)} sections in docs/imported/\n"
            f"\nNext: cd {root} && opsbook check   (lists the blanks to fill in and the "
            "conflicts to decide)\n")
    return out
