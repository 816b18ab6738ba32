"""OB306: the team a runbook names as its owner is the team GitHub asks to review it.

A runbook's `owner` decides whom the page tells readers to call; CODEOWNERS decides who
approves changes to it. When the two disagree, the team on the hook for an incident is not
the team that reviews the steps it will follow. The rule applies only when the repository
has a CODEOWNERS file (loaded into ``project.codeowners``).

Handles map to team ids by their last segment: ``@larkspur/payments`` stands for the team
``payments``. Personal handles and e-mail addresses name no team.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from opsbook.checks.rule import Family, Input, Rule
from opsbook.diagnostics import Diagnostic, Level, Position, Related
from opsbook.load.codeowners import CodeOwners
from opsbook.model.project import Project

CODEOWNERS_MISMATCH = Rule(
    "OB306", "codeowners-mismatch", Level.ERROR,
    "A runbook's owner team is not its CODEOWNERS owner (or CODEOWNERS has a line GitHub "
    "skips).",
    "The owner team is paged when the runbook is needed; CODEOWNERS routes reviews of the "
    "runbook. If they differ, changes to a team's incident steps are approved by someone "
    "else, and nobody on the owning team notices until they follow them.",
    '/runbooks/payments/ @example-org/bookings\n',
    '/runbooks/payments/ @example-org/payments\n',
    "make the runbook's `owner` and its CODEOWNERS line name the same team "
    "(@org/<team id>)",
    reads=frozenset({Input.CODEOWNERS}),
    example_path='.github/CODEOWNERS',
)

RULES = (CODEOWNERS_MISMATCH,)


def check_ownership(project: Project) -> Iterator[Diagnostic]:
    codeowners = project.codeowners
    if codeowners is None:
        return
    for problem in codeowners.problems:
        yield CODEOWNERS_MISMATCH.at(
            codeowners.display_path, Position(problem.line, 1),
            f"GitHub skips this CODEOWNERS line: {problem.message}",
            "fix the line so GitHub applies it",
        )
    if not codeowners.readable:
        return  # the problem above says why; every runbook "unowned" would only be noise
    for runbook in project.runbooks:
        if not runbook.owner:
            continue  # a missing owner is a schema error already
        path = runbook.origin.document.path
        if not codeowners.covers(path):
            continue  # outside the repository the CODEOWNERS file describes
        rule = codeowners.rule_for_file(path)
        position = runbook.origin.at("owner")
        wanted = runbook.owner.lower()
        if rule is None or not rule.owners:
            yield CODEOWNERS_MISMATCH.at(
                runbook.origin.display_path, position,
                f'runbook "{runbook.id}" is owned by team "{runbook.owner}" but CODEOWNERS '
                "gives its path no owner, so nobody is asked to review changes to it",
                f"add a line such as `/{_directory_of(codeowners, path)} @<org>/{wanted}` "
                f"to {codeowners.display_path}",
            )
            continue
        if wanted in rule.team_ids:
            continue
        related = (Related(codeowners.display_path, rule.line,
                           f"CODEOWNERS line {rule.line}: {rule.pattern}"),)
        reviewers = " or ".join(f"`owner: {team}`" for team in rule.team_ids)
        yield CODEOWNERS_MISMATCH.at(
            runbook.origin.display_path, position,
            f'runbook "{runbook.id}" is owned by team "{runbook.owner}" but '
            f"{codeowners.display_path}:{rule.line} assigns it to {' '.join(rule.owners)}",
            f"give line {rule.line} the owner {_team_handle(rule.owners, wanted)}"
            + (f", or write {reviewers} if that team runs it" if reviewers else ""),
            related=related,
        )


def _directory_of(codeowners: CodeOwners, path: Path) -> str:
    """The runbook's folder relative to the repository root, e.g. ``runbooks/payments/``."""
    relative = path.resolve().parent.relative_to(codeowners.root.resolve()).as_posix()
    return "" if relative == "." else relative + "/"


def _team_handle(owners: tuple[str, ...], team: str) -> str:
    """``@org/team`` in the organisation the line already uses (``@<org>/team`` if none)."""
    for owner in owners:
        if owner.startswith("@") and "/" in owner:
            return f"{owner.rsplit('/', 1)[0]}/{team}"
    return f"@<org>/{team}"


FAMILY = Family("OB3", "Runbooks", RULES, check_ownership)
