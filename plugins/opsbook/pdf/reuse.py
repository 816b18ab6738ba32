"""What an earlier print run in the same output directory left that is still valid.

A PDF is reprinted only when what it is made of changed. "What it is made of" is taken
literally: the print document handed to WeasyPrint (the page as the site renders it, header
card, matrix and contacts it shows, the templates, paper, date, revision and stamp are all in
its text), the stylesheets, the images it shows, and the versions of opsbook and WeasyPrint.
Their hash is the key. Nothing is tracked by hand, so nothing can be forgotten. Beside a
runbook PDF's key the manifest keeps the hash of the sources its document was made from
(:mod:`opsbook.pdf.sources`): the same sources made the same document, so a warm run knows an
unchanged runbook's key without making its document again.

The manifest (``.opsbook-pdf/manifest.json`` in the output directory) records the key of
every PDF written there, with its size and modification time so a PDF changed or removed
behind our back is printed again. Laid-out parts of the handbook are kept under their key in
``.opsbook-pdf/parts/``. Every file is written atomically; a missing, unreadable or foreign
manifest only means a cold run. Deleting the directory costs speed, nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import opsbook

CACHE_DIR = ".opsbook-pdf"
MANIFEST = "manifest.json"
PARTS = "parts"
# Bump when the meaning of a key or the layout data of a part changes.
FORMAT = 2

_LOCAL_SRC = re.compile(r'\ssrc="(file:[^"]+)"')


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def save_atomically(path: Path, save: Callable[[Path], object]) -> None:
    """Have ``save`` write a file beside ``path`` that then replaces it: readers see the old
    file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        save(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` so that readers see the old file or the new one, never a mix."""
    save_atomically(path, lambda partial: partial.write_bytes(data))


@dataclass(frozen=True)
class Stamp:
    """A file as it was written: changed or removed since means not current."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stamp | None:
        try:
            status = path.stat()
        except OSError:
            return None
        return cls(status.st_size, status.st_mtime_ns)


class Reuse:
    """The manifest of one output directory, read at the start of a run, saved at its end."""

    def __init__(self, output_dir: Path, stylesheets: tuple[Path, ...],
                 root: Path | None = None, *, site_dir: Path | None = None) -> None:
        self.output_dir = output_dir
        # `opsbook pdf` builds the site into a new scratch directory each run, and images are
        # file: URLs into it: keyed by their bytes (below), not by where this run put them.
        self.site_uri = site_dir.resolve().as_uri() + "/" if site_dir is not None else ""
        self.root = root or output_dir / CACHE_DIR
        self.parts_dir = self.root / PARTS
        salt = hashlib.sha256()
        for text in (str(FORMAT), opsbook.__version__, _version("weasyprint"), _version("pikepdf")):
            salt.update(text.encode() + b"\0")
        # Sources keys leave the stylesheets out: they are sources too (docs_dir files, the
        # theme's and opsbook's own), and a run knows them before the site is built.
        self.version_salt = salt.digest()
        for path in stylesheets:
            salt.update(_file_digest(path).encode() + b"\0")
        self.salt = salt.digest()
        self._resources: dict[str, str] = {}
        self.previous = self._load()
        self.documents: dict[str, dict[str, Any]] = dict(self.previous.get("documents", {}))
        self.page_numbers: dict[str, int] = {
            str(name): int(number)
            for name, number in dict(self.previous.get("page_numbers", {})).items()
        }
        self.used_parts: set[str] = set()

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        try:  # a manifest of the wrong shape is as good as none
            dict(data.get("documents", {}))
            {str(k): int(v) for k, v in dict(data.get("page_numbers", {})).items()}
        except (TypeError, ValueError):
            return {}
        return data

    @property
    def cold(self) -> bool:
        return not self.previous

    # -- keys -------------------------------------------------------------------------------
    def key(self, html: str) -> str:
        digest = hashlib.sha256(self.salt)
        text = html.replace(self.site_uri, "site:/") if self.site_uri else html
        digest.update(text.encode("utf-8", "surrogatepass"))
        # Images are files of the built site: their bytes count, not only their names.
        for match in sorted(set(_LOCAL_SRC.findall(html))):
            digest.update(self._resource(match).encode())
        return digest.hexdigest()[:40]

    def _resource(self, url: str) -> str:
        if url not in self._resources:
            path = Path(unquote(urlsplit(url).path))
            self._resources[url] = _file_digest(path)
        return self._resources[url]

    # -- whole documents (runbook PDFs, the handbook) -----------------------------------------
    def _relative(self, path: Path) -> str:
        return path.relative_to(self.output_dir).as_posix()

    def current(self, path: Path, key: str) -> dict[str, Any] | None:
        """The record of ``path`` if it was written from ``key`` and is untouched since."""
        entry = self.documents.get(self._relative(path))
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        stamp = Stamp.of(path)
        if stamp is None or [stamp.size, stamp.mtime_ns] != entry.get("stamp"):
            return None
        return entry

    def record(self, path: Path, key: str, pages: int, sources: str = "") -> None:
        stamp = Stamp.of(path)
        if stamp is None:
            return
        entry: dict[str, Any] = {"key": key, "pages": pages, "stamp": [stamp.size, stamp.mtime_ns]}
        if sources:
            entry["sources"] = self._sources_key(sources)
        self.documents[self._relative(path)] = entry

    # -- documents by their sources (opsbook.pdf.sources) -------------------------------------
    def _sources_key(self, sources: str) -> str:
        # The versions too: the same sources laid out by another WeasyPrint are another PDF.
        return hashlib.sha256(self.version_salt + sources.encode()).hexdigest()[:40]

    def current_by_sources(self, path: Path, sources: str) -> dict[str, Any] | None:
        """The record of ``path`` if it was written from the same sources (so from the key
        it records) and is untouched since; None when ``sources`` is unknown ("")."""
        if not sources:
            return None
        entry = self.documents.get(self._relative(path))
        if not isinstance(entry, dict) or entry.get("sources") != self._sources_key(sources):
            return None
        return self.current(path, str(entry.get("key")))

    def note_sources(self, path: Path, sources: str) -> None:
        """``path``, current, was made from ``sources``: the next run knows without making
        its document."""
        entry = self.documents.get(self._relative(path))
        if sources and isinstance(entry, dict):
            entry["sources"] = self._sources_key(sources)

    # -- laid-out parts of the handbook -----------------------------------------------------
    def part_path(self, key: str) -> Path:
        return self.parts_dir / f"{key}.pdf"

    def part(self, key: str) -> dict[str, Any] | None:
        """The layout data of a kept part, None when it is missing or unreadable."""
        try:
            layout = json.loads((self.parts_dir / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(layout, dict) or not self.part_path(key).is_file():
            return None
        if not isinstance(layout.get("sizes"), list) or not layout["sizes"]:
            return None
        self.used_parts.add(key)
        return layout

    def has_part(self, key: str) -> bool:
        """Whether the part of ``key`` is kept (its layout data and its PDF)."""
        return (self.parts_dir / f"{key}.json").is_file() and self.part_path(key).is_file()

    def keep_part(self, key: str, layout: dict[str, Any]) -> None:
        write_atomically(self.parts_dir / f"{key}.json",
                         json.dumps(layout, separators=(",", ":")).encode())
        self.used_parts.add(key)

    # -- end of the run ----------------------------------------------------------------------
    def save(self, *, prune_parts: bool) -> None:
        data = {"format": FORMAT, "documents": self.documents,
                "page_numbers": self.page_numbers}
        with contextlib.suppress(OSError):  # reuse is an optimisation: never fail a print
            write_atomically(self.root / MANIFEST, json.dumps(data, sort_keys=True).encode())
            if prune_parts and self.parts_dir.is_dir():
                for path in self.parts_dir.iterdir():
                    if path.stem not in self.used_parts and not path.name.startswith("."):
                        path.unlink(missing_ok=True)


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"
