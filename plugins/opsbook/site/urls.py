"""Where things live in the built site."""

from __future__ import annotations

from pathlib import PurePosixPath

from opsbook.config import OpsbookConfig
from opsbook.model.runbook import Runbook

RUNBOOKS_URL_PREFIX = "runbooks"


def runbook_src_uri(config: OpsbookConfig, runbook: Runbook) -> str:
    """The runbook's path inside the site's file tree: runbooks/<path below runbooks_dir>."""
    relative = runbook.origin.document.path.resolve().relative_to(config.runbooks_dir.resolve())
    return str(PurePosixPath(RUNBOOKS_URL_PREFIX, *relative.parts))


def runbook_page_path(config: OpsbookConfig, runbook: Runbook) -> str:
    """Directory URL of the runbook page, relative to the site root (runbooks/db/failover/)."""
    src = PurePosixPath(runbook_src_uri(config, runbook))
    return f"{src.with_suffix('')}/"


def runbook_url(config: OpsbookConfig, runbook: Runbook) -> str:
    base = config.site_url.rstrip("/") + "/" if config.site_url else "/"
    return base + runbook_page_path(config, runbook)
