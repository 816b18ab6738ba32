"""The four output formats of `opsbook check`, and the Markdown job summary."""

from __future__ import annotations

import json
from dataclasses import dataclass

from opsbook import __version__
from opsbook.diagnostics import Diagnostic, Level


@dataclass(frozen=True)
class Summary:
    files_checked: int
    errors: int
    warnings: int
    files_with_findings: int

    @classmethod
    def of(cls, diagnostics: list[Diagnostic], files_checked: int) -> Summary:
        return cls(
            files_checked=files_checked,
            errors=sum(d.level is Level.ERROR for d in diagnostics),
            warnings=sum(d.level is Level.WARNING for d in diagnostics),
            files_with_findings=len({d.path for d in diagnostics}),
        )

    def line(self) -> str:
        if not self.errors and not self.warnings:
            return f"opsbook: {self.files_checked} files checked, no findings"
        return (
            f"opsbook: {self.errors} error{'s' if self.errors != 1 else ''}, "
            f"{self.warnings} warning{'s' if self.warnings != 1 else ''} in "
            f"{self.files_with_findings} of {self.files_checked} files"
        )


def format_text(diagnostics: list[Diagnostic], summary: Summary) -> str:
    lines = [
        f"{d.path}:{d.line}:{d.column}: {d.rule} {d.level.value}: {d.message} — {d.hint}"
        for d in diagnostics
    ]
    lines.append(summary.line())
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: list[Diagnostic], summary: Summary) -> str:
    """GitHub Actions workflow commands: one inline annotation per finding."""
    lines = []
    for d in diagnostics:
        command = "error" if d.level is Level.ERROR else "warning"
        lines.append(
            f"::{command} file={_escape_property(d.path)},line={d.line},col={d.column},"
            f"title={_escape_property(d.rule)}::{_escape_data(f'{d.message} — {d.hint}')}"
        )
    lines.append(summary.line())
    return "\n".join(lines) + "\n"


def format_json(diagnostics: list[Diagnostic], summary: Summary) -> str:
    return json.dumps(
        {
            "version": 1,
            "diagnostics": [d.to_dict() for d in diagnostics],
            "summary": {
                "files_checked": summary.files_checked,
                "errors": summary.errors,
                "warnings": summary.warnings,
                "files_with_findings": summary.files_with_findings,
            },
        },
        indent=2,
        ensure_ascii=False,
    ) + "\n"


def format_sarif(diagnostics: list[Diagnostic], summary: Summary) -> str:
    """SARIF 2.1.0, one rule entry per opsbook rule, for GitHub code scanning."""
    from opsbook.checks import ALL_RULES
    from opsbook.checks.examples import example_caption

    rules = []
    for rule in ALL_RULES:
        rules.append(
            {
                "id": rule.id,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.why},
                "help": {
                    "text": f"{rule.why}\n\nBad ({example_caption(rule)}):\n{rule.bad}\n\n"
                    f"Good:\n{rule.good}",
                    "markdown": f"{rule.why}\n\n**Bad** ({example_caption(rule)})\n\n"
                    f"```\n{rule.bad}\n```\n\n**Good**\n\n```\n{rule.good}\n```",
                },
                "defaultConfiguration": {"level": rule.level.value},
                "properties": {"tags": [rule.family]},
            }
        )
    index = {rule.id: position for position, rule in enumerate(ALL_RULES)}
    results = []
    for d in diagnostics:
        result: dict[str, object] = {
            "ruleId": d.rule,
            "level": d.level.value,
            "message": {"text": f"{d.message} — {d.hint}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.path},
                        "region": {"startLine": d.line, "startColumn": d.column},
                    }
                }
            ],
        }
        if d.rule in index:
            result["ruleIndex"] = index[d.rule]
        if d.related:
            result["relatedLocations"] = [
                {
                    "id": number,
                    "message": {"text": related.message},
                    "physicalLocation": {
                        "artifactLocation": {"uri": related.path},
                        "region": {"startLine": related.line},
                    },
                }
                for number, related in enumerate(d.related)
            ]
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "opsbook",
                        "version": __version__,
                        "informationUri": "https://opsbook.example.com/",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_summary(diagnostics: list[Diagnostic], summary: Summary) -> str:
    """Every finding as a Markdown table (for $GITHUB_STEP_SUMMARY, which has no 10-per-step
    annotation limit)."""
    lines = ["## opsbook check", "", summary.line(), ""]
    if diagnostics:
        lines += ["| File | Line | Rule | Severity | Message | Fix |", "|---|---|---|---|---|---|"]
        for d in diagnostics:
            lines.append(
                f"| `{_cell(d.path)}` | {d.line} | {d.rule} | {d.level.value} | "
                f"{_cell(d.message)} | {_cell(d.hint)} |"
            )
    return "\n".join(lines) + "\n"
