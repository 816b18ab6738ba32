"""A lighter page for Material's search plugin to read: the same index, a third less parsing.

Material's search plugin splits each rendered page into sections with Python's HTML parser,
tag by tag. In a highlighted code block every token is a ``<span class="...">``, and those
spans are most of the tags on a runbook page, yet they give the index nothing: inside ``<pre>``
the plugin keeps every piece of text as it is and keeps no ``span`` tag, so the text of a block
is the same with or without them. Right before the search plugin reads a page, the plugin
hands it the page with those spans taken out of ``<pre>`` blocks, and puts the page back right
after (tests/integration/test_site_parallel.py compares the two indexes).

Only where nothing else could see the difference: Material's search is the one other plugin
that reads rendered pages in ``on_page_context``, and the page has no ``data-search-*``
attribute (which the search plugin would strip from the page it was given).
"""

from __future__ import annotations

import re
from typing import Any

PRE_BLOCK = re.compile(r"<pre\b[^>]*>.*?</pre>", re.S)
PLAIN_SPAN = re.compile(r'<span(?: class="(?!linenodiv")[\w -]*")?>')  # no other attribute
SPAN_TAG = re.compile(r'<span(?: class="(?!linenodiv")[\w -]*")?>|</span>')
ANY_SPAN = re.compile(r"<span\b")

MATERIAL_SEARCH = "material.plugins.search"


def _plain_block(match: re.Match[str]) -> str:
    block = match.group(0)
    if len(ANY_SPAN.findall(block)) != len(PLAIN_SPAN.findall(block)):
        return block  # a span with attributes the search plugin looks at: left alone
    return SPAN_TAG.sub("", block)


def lighter(html: str) -> str | None:
    """``html`` without the plain spans of its ``<pre>`` blocks; None: nothing to take out,
    or the page has what the search plugin would change."""
    if "<span" not in html or "data-search-" in html:
        return None
    light = PRE_BLOCK.sub(_plain_block, html)
    return light if light != html else None


def can_lighten(plugins: Any, own: object) -> bool:
    """Material's search reads pages, and no plugin but it and opsbook does in
    ``on_page_context``."""
    searching = False
    for plugin in plugins.values():
        if plugin is own or not callable(getattr(plugin, "on_page_context", None)):
            continue
        if type(plugin).__module__.startswith(MATERIAL_SEARCH):
            searching = True
        else:
            return False
    return searching
