"""Expanding macro calls in a page's Markdown, without running the page as a template.

Two steps around the Markdown conversion: :func:`stash_calls` swaps each call line for an
inert token (letters and digits only, so no Markdown extension touches it) and renders the call;
:func:`restore_calls` puts the rendered HTML where the token ended up. The HTML therefore never
passes through Markdown, and page text is never evaluated.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from opsbook.model.macros import MacroCall, find_macro_calls


@dataclass
class Stash:
    """Rendered HTML waiting for its token, per page."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(6))
    fragments: dict[str, str] = field(default_factory=dict)

    def token(self, index: int) -> str:
        return f"OPSBOOKMACRO{self.nonce}X{index}X"

    def keep(self, html: str) -> str:
        """Hold ``html`` back from Markdown; returns the token to write in its place."""
        token = self.token(len(self.fragments))
        self.fragments[token] = html
        return token

    def merge(self, other: Stash) -> Stash:
        self.fragments.update(other.fragments)
        return self


def stash_calls(markdown: str, render: Callable[[MacroCall], str]) -> tuple[str, Stash]:
    """Replace every macro call line of ``markdown`` by a token; ``render`` expands a call."""
    stash = Stash()
    if "{{" not in markdown:
        return markdown, stash
    lines = markdown.split("\n")
    for call in find_macro_calls(lines):
        token = stash.keep(render(call))
        indent = lines[call.index][: call.column - 1]
        # Blank lines around the token make it a paragraph of its own.
        lines[call.index] = f"\n{indent}{token}\n"
    return "\n".join(lines), stash


def restore_calls(html: str, stash: Stash) -> str:
    for token, fragment in stash.fragments.items():
        wrapped = f"<p>{token}</p>"
        html = html.replace(wrapped, fragment) if wrapped in html else html.replace(
            token, fragment
        )
    return html
