"""Where things live in the built site."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

from opsbook.model.runbook import Runbook
from opsbook.settings import OpsbookConfig

RUNBOOKS_URL_PREFIX = "runbooks"


def runbook_src_uri(config: OpsbookConfig, runbook: Runbook) -> str:
    """The runbook's path inside the site's file tree: runbooks/<path below runbooks_dir>."""
    found = document_src_uri(config, runbook.origin.document.path)
    if found is None:
        raise ValueError(f"{runbook.origin.display_path} is not part of the site")
    return found


def runbook_page_path(config: OpsbookConfig, runbook: Runbook) -> str:
    """URL of the runbook page, relative to the site root: runbooks/db/failover/, or
    runbooks/db/failover.html without directory URLs (the offline plugin's style)."""
    src = PurePosixPath(runbook_src_uri(config, runbook))
    if not config.directory_urls:
        return str(src.with_suffix(".html"))
    return f"{src.with_suffix('')}/"


def runbook_url(config: OpsbookConfig, runbook: Runbook) -> str:
    base = config.site_url.rstrip("/") + "/" if config.site_url else "/"
    return base + runbook_page_path(config, runbook)


def document_src_uri(config: OpsbookConfig, path: Path) -> str | None:
    """Where a loaded file sits in the site's file tree: runbooks under ``runbooks/``, pages
    relative to docs_dir; None for files the site does not include."""
    return _src_uri(config.docs_dir, config.runbooks_dir, path)


@lru_cache(maxsize=65536)  # asked for every runbook link on every index page
def _src_uri(docs_dir: Path, runbooks_dir: Path, path: Path) -> str | None:
    # docs_dir first: runbooks kept inside docs_dir are ordinary pages there.
    bases = ((docs_dir, ""), (runbooks_dir, RUNBOOKS_URL_PREFIX))
    found = _within(path, bases)
    if found is None:
        # Files are found by walking these folders, so comparing the paths as written nearly
        # always answers; resolving symlinks (system calls) is the fallback.
        found = _within(path.resolve(), _resolved(bases))
    return found


def _within(file: Path, bases: tuple[tuple[Path, str], ...]) -> str | None:
    for directory, prefix in bases:
        inside = _below(file, directory)
        if inside is not None:
            return f"{prefix}/{inside}" if prefix else inside
    return None


def _below(file: Path, directory: Path) -> str | None:
    """``file`` relative to ``directory`` in POSIX form, or None when it is not below it."""
    head = str(directory).rstrip(os.sep) + os.sep
    text = str(file)
    if not text.startswith(head):
        return None
    return text[len(head) :].replace(os.sep, "/")


def _resolved(bases: tuple[tuple[Path, str], ...]) -> tuple[tuple[Path, str], ...]:
    return tuple((directory.resolve(), prefix) for directory, prefix in bases)


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


def alert_redirect(alert: str, directory_urls: bool = True) -> str | None:
    """A stable URL per alert that an alert's ``runbook_url`` can point at; it forwards to the
    runbook that answers the alert. It follows the site's URL style like MkDocs pages do:
    ``alerts/<AlertName>/`` with directory URLs, ``alerts/<AlertName>.html`` without (the
    offline plugin's style, one file instead of a folder per alert). None for names that are
    not safe as a path segment (they are still listed on the alert index)."""
    if not _ALERT_NAME.match(alert) or alert == "index":
        return None
    return f"alerts/{alert}/index.html" if directory_urls else f"alerts/{alert}.html"
