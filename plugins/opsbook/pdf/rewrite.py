"""Rewrite one rendered page so it can live inside a print document.

Many pages go into one handbook, so every ``id`` is prefixed with the page's anchor (each
runbook has its own ``#mitigation``). Links to a page that is part of the same document become
internal links (clickable in the PDF, with a page number on paper); links to pages that are
not printed point at the published site when its URL is known, and are dropped otherwise —
a ``file://`` link into a deleted build directory helps nobody. Images resolve to files of the
built site, so nothing is fetched from the network.

Uses the standard library's tolerant HTML tokenizer and re-emits everything it does not
change byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

_BASE = "https://opsbook-site.invalid/"
# Pygments classes of comments: the one highlight kept on paper (see _Rewriter.in_pre).
_COMMENT_CLASSES = frozenset({"c", "c1", "ch", "cm", "cs", "cp", "cpf"})
_ID_LIST_ATTRIBUTES = ("for", "aria-labelledby", "aria-describedby", "aria-controls")
_URL_TEXT_PREFIXES = ("https://", "http://")


@dataclass(frozen=True)
class LinkTargets:
    """Where the links of one print document may go."""

    anchors: Mapping[str, str]  # site path of a page ("severity/") → its anchor in the document
    site_url: str = ""  # the published site, when configured
    site_dir: Path | None = None  # the built site, for images


def page_anchor(src_uri: str) -> str:
    """A stable element id for a page, from its path in the site ("p-runbooks-db-failover")."""
    stem = src_uri.rsplit(".", 1)[0] if src_uri.endswith((".md", ".markdown")) else src_uri
    slug = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()
    return f"p-{slug or 'home'}"


def site_path(url: str) -> str:
    """A page URL as a lookup key: no leading slash, no trailing ``index.html``."""
    path = unquote(url).lstrip("/")
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return path


def rewrite_page(html: str, page_url: str, prefix: str, targets: LinkTargets) -> str:
    rewriter = _Rewriter(page_url, prefix, targets)
    rewriter.feed(html)
    rewriter.close()
    return rewriter.result()


class _Rewriter(HTMLParser):
    def __init__(self, page_url: str, prefix: str, targets: LinkTargets) -> None:
        super().__init__(convert_charrefs=False)
        self.page_base = urljoin(_BASE, page_url)
        self.prefix = prefix
        self.targets = targets
        self.out: list[str] = []
        # An external link being read: (index of its start tag in out, href, text so far).
        self.open_link: tuple[int, str, list[str]] | None = None
        # Inside <pre>, syntax-highlight spans are dropped (comments kept): every token span
        # is a text run the layout engine measures separately, which made code-heavy
        # runbooks ~40 % slower to print, and colour adds little on a printed page.
        self.in_pre = 0
        self.kept_spans: list[bool] = []

    def result(self) -> str:
        return "".join(self.out)

    # -- tags -------------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self.in_pre += 1
        elif tag == "span" and self.in_pre:
            classes = set((dict(attrs).get("class") or "").split())
            keep = bool(classes & _COMMENT_CLASSES)
            self.kept_spans.append(keep)
            if not keep:
                return
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span" and self.in_pre:
            return
        self._start(tag, attrs, self_closing=True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.open_link is not None:
            self._finish_link()
        elif tag == "pre":
            self.in_pre = max(0, self.in_pre - 1)
        elif tag == "span" and self.in_pre and self.kept_spans and not self.kept_spans.pop():
            return
        self.out.append(f"</{tag}>")

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], self_closing: bool) -> None:
        rewritten: list[tuple[str, str | None]] = []
        external_href: str | None = None
        for name, value in attrs:
            if value is None:
                rewritten.append((name, value))
                continue
            if name == "id" or (name == "name" and tag in ("a", "input")):
                value = self._local_id(value)
            elif name in _ID_LIST_ATTRIBUTES:
                value = " ".join(self._local_id(part) for part in value.split())
            elif name == "href":
                new_value = self._href(value)
                if new_value is None:
                    continue  # a link that would lead nowhere on paper: keep the text only
                if tag == "a" and new_value.startswith(_URL_TEXT_PREFIXES):
                    external_href = new_value
                value = new_value
            elif name == "src":
                value = self._src(value)
            elif name == "srcset":
                continue  # the print document uses the plain ``src``
            rewritten.append((name, value))
        if tag == "a" and external_href is None and any(n == "href" for n, _ in rewritten):
            rewritten = _add_class(rewritten, "obp-internal" if _is_local(rewritten) else "")
        # Unchanged tags keep their exact text (the tokenizer lower-cases attribute names,
        # which SVG cares about: viewBox).
        raw = self.get_starttag_text()
        text = raw if rewritten == attrs and raw else _serialise(tag, rewritten, self_closing)
        if tag == "a" and external_href is not None and not self_closing:
            self.open_link = (len(self.out), external_href, [])
        self.out.append(text)

    # -- text -------------------------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        if self.open_link is not None:
            self.open_link[2].append(data)
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")

    # -- helpers ----------------------------------------------------------------------------
    def _local_id(self, value: str) -> str:
        return f"{self.prefix}--{value}"

    def _finish_link(self) -> None:
        assert self.open_link is not None
        index, href, text = self.open_link
        self.open_link = None
        shown = "".join(text).strip().rstrip("/")
        # On paper a link is only useful if its address is visible: print it after the text,
        # unless the text already is the address.
        if shown not in (href.rstrip("/"), href.split("://", 1)[-1].rstrip("/")):
            self.out[index] = self.out[index][:-1] + ' data-obp-url="true">'

    def _href(self, href: str) -> str | None:
        href = href.strip()
        if href.lower().startswith("javascript:"):
            return None
        resolved = urlsplit(urljoin(self.page_base, href))
        if f"{resolved.scheme}://{resolved.netloc}/" != _BASE:
            return href  # another site, mailto:, tel:
        path = site_path(resolved.path)
        anchor = self.targets.anchors.get(path)
        if anchor is not None:
            return f"#{anchor}--{resolved.fragment}" if resolved.fragment else f"#{anchor}"
        if self.targets.site_url:
            fragment = f"#{resolved.fragment}" if resolved.fragment else ""
            return f"{self.targets.site_url.rstrip('/')}/{resolved.path.lstrip('/')}{fragment}"
        return None

    def _src(self, src: str) -> str:
        resolved = urlsplit(urljoin(self.page_base, src.strip()))
        if f"{resolved.scheme}://{resolved.netloc}/" != _BASE or self.targets.site_dir is None:
            return src  # data: URIs stay; remote files are refused by the fetcher
        site_dir = self.targets.site_dir.resolve()
        local = (site_dir / unquote(resolved.path).lstrip("/")).resolve()
        if not local.is_relative_to(site_dir):
            return ""
        return local.as_uri()


def _is_local(attrs: list[tuple[str, str | None]]) -> bool:
    return any(name == "href" and (value or "").startswith("#") for name, value in attrs)


def _add_class(attrs: list[tuple[str, str | None]], extra: str) -> list[tuple[str, str | None]]:
    if not extra:
        return attrs
    for index, (name, value) in enumerate(attrs):
        if name == "class":
            attrs[index] = (name, f"{value or ''} {extra}".strip())
            return attrs
    return [*attrs, ("class", extra)]


def _serialise(tag: str, attrs: list[tuple[str, str | None]], self_closing: bool) -> str:
    parts = [tag]
    for name, value in attrs:
        parts.append(name if value is None else f'{name}="{escape(value, quote=True)}"')
    return f"<{' '.join(parts)}{' /' if self_closing else ''}>"
