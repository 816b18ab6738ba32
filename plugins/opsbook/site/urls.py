"""Where things live in the built site."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from opsbook.config import OpsbookConfig
from opsbook.model.runbook import Runbook

RUNBOOKS_URL_PREFIX = "runbooks"


def runbook_src_uri(config: OpsbookConfig, runbook: Runbook) -> str:
    """The runbook's path inside the site's file tree: runbooks/<path below runbooks_dir>."""
    found = document_src_uri(config, runbook.origin.document.path)
    if found is None:
        raise ValueError(f"{runbook.origin.display_path} is not part of the site")
    return found


def runbook_page_path(config: OpsbookConfig, runbook: Runbook) -> str:
    """Directory URL of the runbook page, relative to the site root (runbooks/db/failover/)."""
    src = PurePosixPath(runbook_src_uri(config, runbook))
    return f"{src.with_suffix('')}/"


def runbook_url(config: OpsbookConfig, runbook: Runbook) -> str:
    base = config.site_url.rstrip("/") + "/" if config.site_url else "/"
    return base + runbook_page_path(config, runbook)


def document_src_uri(config: OpsbookConfig, path: Path) -> str | None:
    """Where a loaded file sits in the site's file tree: runbooks under ``runbooks/``, pages
    relative to docs_dir; None for files the site does not include."""
    resolved = path.resolve()
    # docs_dir first: runbooks kept inside docs_dir are ordinary pages there.
    for directory, prefix in ((config.docs_dir, ""), (config.runbooks_dir, RUNBOOKS_URL_PREFIX)):
        try:
            relative = resolved.relative_to(directory.resolve())
        except ValueError:
            continue
        return str(PurePosixPath(prefix, *relative.parts)) if prefix else relative.as_posix()
    return None


# Pages the plugin generates (paths in the site's file tree).
RUNBOOKS_BY_SERVICE = "runbooks/index.md"
RUNBOOKS_BY_SEVERITY = "runbooks/by-severity.md"
ALERTS_INDEX = "alerts/index.md"
RULES_PAGE = "rules/index.md"

_SLUG = re.compile(r"[^a-z0-9_-]+")
_ALERT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def service_page(service: str) -> str:
    """One page per service: who is on call for it and its runbooks."""
    slug = _SLUG.sub("-", service.lower()).strip("-") or "service"
    return f"services/{slug}.md"


def alert_redirect(alert: str) -> str | None:
    """A stable URL per alert (``alerts/<AlertName>/``) that an alert's ``runbook_url`` can
    point at; it forwards to the runbook that answers the alert. None for names that are not
    safe as a path segment (they are still listed on the alert index)."""
    if not _ALERT_NAME.match(alert):
        return None
    return f"alerts/{alert}/index.html"
