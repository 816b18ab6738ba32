"""Reporters: diagnostics → text, GitHub workflow commands, JSON, SARIF, Markdown summary."""

from __future__ import annotations

from collections.abc import Callable

from opsbook.diagnostics import Diagnostic
from opsbook.report.formats import (
    Summary,
    format_github,
    format_json,
    format_sarif,
    format_text,
    markdown_summary,
)

Formatter = Callable[[list[Diagnostic], Summary], str]

FORMATTERS: dict[str, Formatter] = {
    "text": format_text,
    "github": format_github,
    "json": format_json,
    "sarif": format_sarif,
}

__all__ = ["FORMATTERS", "Summary", "markdown_summary"]
