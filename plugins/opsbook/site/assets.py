"""Files the plugin adds to every site: its stylesheet, the on-call script and a local
iframe-worker shim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File

ASSETS = Path(__file__).parent / "assets"

STYLESHEET = "assets/opsbook/opsbook.css"
ONCALL_SCRIPT = "assets/opsbook/oncall.js"
"""Fills in "On call now" from the rota data pages load (see opsbook.render.rota)."""
SHIM = "assets/opsbook/iframe-worker/shim.js"
"""The path keeps "iframe-worker" in it: Material's offline plugin adds its CDN copy only when
no polyfill URL contains that name."""

_SHIPPED = {
    STYLESHEET: ASSETS / "opsbook.css",
    ONCALL_SCRIPT: ASSETS / "oncall.js",
    SHIM: ASSETS / "iframe-worker" / "shim.js",
    "assets/opsbook/iframe-worker/LICENSE": ASSETS / "iframe-worker" / "LICENSE",
}


def is_remote(url: str) -> bool:
    return "://" in url or url.startswith("//")


def register_assets(config: Any) -> None:
    """Add the stylesheet and the on-call script, and make the iframe-worker shim local (whichever of Material's
    offline plugin and this one configures first)."""
    if STYLESHEET not in config.extra_css:
        config.extra_css.append(STYLESHEET)
    if ONCALL_SCRIPT not in [str(getattr(s, "path", s)) for s in config.extra_javascript]:
        config.extra_javascript.append(ONCALL_SCRIPT)
    polyfills = [
        url for url in config.extra.get("polyfills", [])
        if not ("iframe-worker" in str(url) and is_remote(str(url)))
    ]
    if SHIM not in polyfills:
        polyfills.append(SHIM)
    config.extra["polyfills"] = polyfills


def asset_files(config: Any) -> list[File]:
    return [
        File.generated(config, src_uri, abs_src_path=str(path))
        for src_uri, path in _SHIPPED.items()
    ]
