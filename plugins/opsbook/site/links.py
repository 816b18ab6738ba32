"""Links between pages, resolved through MkDocs' own file list (so they follow
``use_directory_urls`` and work from ``file://``)."""

from __future__ import annotations

from mkdocs.structure.files import File, Files

from opsbook.render.context import Linker


def page_linker(files: Files, page: File) -> Linker:
    """Resolve ``target`` (a path in the site's file tree, optionally with ``#fragment``)
    to an href relative to ``page``; None when no such file is in the site."""

    def link(target: str) -> str | None:
        path, _, fragment = target.partition("#")
        found = files.get_file_from_path(path) if path else page
        if found is None:
            return None
        href = found.url_relative_to(page) if path else ""
        return f"{href}#{fragment}" if fragment else href

    return link

