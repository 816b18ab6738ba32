"""Typed options of the `opsbook` MkDocs plugin (the one place opsbook is configured)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config

from opsbook.settings.options import DEFAULT_REQUIRED_SECTIONS


class PdfConfig(Config):
    enabled = c.Type(bool, default=False)
    paper = c.Choice(("a4", "letter"), default="a4")
    company = c.Type(str, default="")


class OpsbookPluginConfig(Config):
    runbooks_dir = c.Type(str, default="runbooks")
    """Directory (relative to mkdocs.yml) holding one runbook per file."""
    severity = c.Type(str, default="severity.md")
    """Page (relative to docs_dir) holding the severity matrix."""
    contacts = c.Type(str, default="contacts.md")
    """Page (relative to docs_dir) holding the contact sheet."""
    required_sections = c.Type(list, default=list(DEFAULT_REQUIRED_SECTIONS))
    review_every = c.Type(str, default="90d")
    ignore = c.Type(list, default=[])
    """Rule ids to ignore everywhere."""
    strict = c.Type(bool, default=True)
    """Findings at or above `fail_on` fail the build even without `mkdocs build --strict`."""
    fail_on = c.Choice(("error", "warning"), default="error")
    """The lowest level that fails the build and `opsbook check`: `error` (the default) or
    `warning`. Findings below it are logged as information, so `mkdocs build --strict` does not
    stop on them: an overdue review never keeps a handbook from being published."""
    redact = c.Type(bool, default=False)
    pdf = c.SubConfig(PdfConfig)
    alert_pages = c.Type(bool, default=False)
    """Also write one small forwarding page per alert (``alerts/<AlertName>/``). Off by default:
    ``alerts/#<AlertName>`` on the alert index already opens the runbook, and a file per alert
    costs build time on handbooks with thousands of alerts."""
    alert_rules = c.Type(list, default=[])
    """Prometheus alerting rule files (globs relative to mkdocs.yml, ``**`` for any folders),
    checked against the runbooks: every alert answered, every ``runbook_url`` right."""
