"""Put separately laid-out parts together into one PDF (pypdf): the handbook, and each
runbook's own PDF (its one part, the same layout as its part of the handbook).

Each part was laid out on its own (see :mod:`opsbook.pdf.printing`) and written without what
only makes sense in the whole document; this adds it back, from the layout data WeasyPrint
gave for each part: "page x of y" in every footer (in the document's font: WeasyPrint sets a
sample footer once, whose glyphs spell every page's), the outline (bookmarks nested exactly as
WeasyPrint nests them), clickable internal links, and named destinations.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Every character "page x of y" can need: the footer sample WeasyPrint sets in the document's
# font, whose glyphs then spell each page's footer (see _Footer).
FOOTER_SAMPLE = "page 0123456789 of"
_FOOTER_NAME = "/OpsbookPageNumber"

FooterSample = Callable[[float, float, str], bytes]
"""(width, height in CSS px, text) -> a one-page PDF showing only ``text`` as the page-number
footer (opsbook.pdf.engine.footer_sample)."""


@dataclass(frozen=True)
class LaidOutPart:
    name: str
    pdf: Path
    layout: dict[str, Any]  # see opsbook.pdf.engine._take_layout

    @property
    def pages(self) -> int:
        return len(self.layout["sizes"])


def page_numbers(parts: Sequence[LaidOutPart]) -> dict[str, int]:
    """The page (1-based) of every anchor, for parts laid out one after the other."""
    numbers: dict[str, int] = {}
    offset = 0
    for part in parts:
        for name, (index, _x, _y) in part.layout["anchors"].items():
            numbers.setdefault(name, offset + int(index) + 1)
        offset += part.pages
    return numbers


def footer_text(number: int, total: int) -> str:
    return f"page {number} of {total}"


def assemble(parts: Sequence[LaidOutPart], output: Path, footer: FooterSample) -> int:
    """Write the handbook from its parts; returns its number of pages."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    starts: list[int] = []
    metadata: Any = None
    for part in parts:
        reader = PdfReader(part.pdf)
        if metadata is None:
            metadata = reader.metadata
        starts.append(len(writer.pages))
        for page in reader.pages:
            writer.add_page(page)
    total = len(writer.pages)

    # -- page x of y -------------------------------------------------------------------------
    # The page's own drawing is wrapped in q/Q so the footer is drawn in the default
    # coordinate system, whatever state the page left behind.
    save = DecodedStreamObject()
    save.set_data(b"q\n")
    save_ref = writer._add_object(save)
    draw = DecodedStreamObject()
    draw.set_data(f"Q\nq {_FOOTER_NAME} Do Q\n".encode("ascii"))
    draw_ref = writer._add_object(draw)
    footers: dict[tuple[float, float], _Footer] = {}
    sizes = [size for part in parts for size in part.layout["sizes"]]
    for index, page in enumerate(writer.pages):
        width, height = (float(value) for value in sizes[index])
        if (width, height) not in footers:
            footers[width, height] = _Footer(footer(width, height, FOOTER_SAMPLE), writer)
        form = footers[width, height].form(footer_text(index + 1, total))
        resources = page.get("/Resources")
        own = DictionaryObject(resources.get_object() if resources is not None else {})
        xobjects = own.get("/XObject")
        own_xobjects = DictionaryObject(xobjects.get_object() if xobjects is not None else {})
        own_xobjects[NameObject(_FOOTER_NAME)] = writer._add_object(form)
        own[NameObject("/XObject")] = own_xobjects
        page[NameObject("/Resources")] = own
        contents = page.get("/Contents")
        existing: list[Any] = []
        if contents is not None:
            resolved = contents.get_object()
            existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([save_ref, *existing, draw_ref])

    # -- destinations of anchors -------------------------------------------------------------
    def point(part_index: int, page_index: int, x: float, y: float) -> tuple[int, float, float]:
        number = starts[part_index] + page_index
        page = writer.pages[number]
        height_css = parts[part_index].layout["sizes"][page_index][1]
        scale = float(page.mediabox.height) / height_css if height_css else 0.75
        return number, x * scale, float(page.mediabox.top) - y * scale

    anchors: dict[str, tuple[int, float, float]] = {}
    for part_index, part in enumerate(parts):
        for name, (page_index, x, y) in part.layout["anchors"].items():
            if name not in anchors:
                anchors[name] = point(part_index, int(page_index), x, y)

    _add_links(writer, parts, anchors, point)
    _add_outline(writer, parts, point)
    _add_named_destinations(writer, anchors)
    if metadata:
        writer.add_metadata({key: value for key, value in metadata.items()})

    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as stream:
            writer.write(stream)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return total


def _add_links(writer: Any, parts: Sequence[LaidOutPart],
               anchors: dict[str, tuple[int, float, float]], point: Any) -> None:
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    for part_index, part in enumerate(parts):
        for page_index, target, x1, y1, x2, y2 in part.layout["links"]:
            destination = anchors.get(target)
            if destination is None:
                continue  # WeasyPrint drops links to missing anchors too
            number, left, top = point(part_index, int(page_index), x1, y1)
            _, right, bottom = point(part_index, int(page_index), x2, y2)
            target_page, target_x, target_y = destination
            writer.add_annotation(number, Link(
                rect=(left, bottom, right, top), target_page_index=target_page,
                fit=Fit.xyz(left=target_x, top=target_y, zoom=0)))


def _add_outline(writer: Any, parts: Sequence[LaidOutPart], point: Any) -> None:
    """Bookmarks nested as WeasyPrint nests them: a level deeper than the previous one by more
    than one is only one step deeper in the outline."""
    from pypdf.generic import Fit

    skipped: list[int] = []
    parents: list[Any] = [None]
    previous = 0
    for part_index, part in enumerate(parts):
        for page_index, level, label, x, y, state in part.layout["bookmarks"]:
            if level > previous:
                skipped.append(level - previous - 1)
            else:
                temp = level
                while temp < previous:
                    temp += 1 + skipped.pop()
                if temp > previous:
                    skipped.append(temp - previous - 1)
            previous = level
            depth = level - sum(skipped)
            number, left, top = point(part_index, int(page_index), x, y)
            item = writer.add_outline_item(
                title=str(label), page_number=number, parent=parents[depth - 1],
                fit=Fit.xyz(left=left, top=top, zoom=0), is_open=state == "open")
            del parents[depth:]
            parents.append(item)


def _add_named_destinations(writer: Any, anchors: dict[str, tuple[int, float, float]]) -> None:
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NullObject,
        TextStringObject,
    )

    names = ArrayObject()
    for name in sorted(anchors):
        number, x, y = anchors[name]
        names.append(TextStringObject(name))
        names.append(ArrayObject([writer.pages[number].indirect_reference, NameObject("/XYZ"),
                                  FloatObject(round(x, 2)), FloatObject(round(y, 2)),
                                  NullObject()]))
    tree = DictionaryObject({NameObject("/Names"): names})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/Dests"): writer._add_object(tree)})


class _Footer:
    """Draws "page x of y" as WeasyPrint drew the footer sample: the sample's page becomes a
    form whose text is swapped for each page's, right-aligned where the sample ends, in the
    sample's font (embedded once for the whole handbook) — the document's font, size and
    colour, not a stand-in."""

    def __init__(self, sample: bytes, writer: Any) -> None:
        from pypdf import PdfReader
        from pypdf.generic import ContentStream, DictionaryObject, NameObject

        page = PdfReader(io.BytesIO(sample)).pages[0]
        self.operations = list(ContentStream(page.get_contents(), page.pdf).operations)
        shown = [index for index, (_operands, operator) in enumerate(self.operations)
                 if operator in (b"TJ", b"Tj")]
        placed = [index for index, (_operands, operator) in enumerate(self.operations)
                  if operator == b"Tm"]
        sized = [index for index, (_operands, operator) in enumerate(self.operations)
                 if operator == b"Tf"]
        if len(shown) != 1 or len(placed) != 1 or len(sized) != 1:
            raise ValueError("the footer sample is not one run of text")
        self.shown, self.placed = shown[0], placed[0]
        font_name, size = self.operations[sized[0]][0]
        resources: Any = page["/Resources"].get_object()
        font = resources["/Font"].get_object()[font_name].get_object()
        if font.get("/Encoding") != "/Identity-H":
            raise ValueError("the footer sample's font is not a two-byte (Identity-H) font")
        descendant = font["/DescendantFonts"][0].get_object()
        self.widths = _glyph_widths(descendant)
        self.default_width = float(descendant.get("/DW", 1000))
        self.size = float(size)
        codes, adjust = _shown_codes(self.operations[self.shown])
        if len(codes) != len(FOOTER_SAMPLE):
            raise ValueError("the footer sample's glyphs do not match its characters")
        self.codes = dict(zip(FOOTER_SAMPLE, codes, strict=True))
        operands = self.operations[self.placed][0]
        self.right = float(operands[4]) + self._width(codes) - adjust * self.size / 1000
        self.template = DictionaryObject({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): page.mediabox,
            NameObject("/Resources"): resources.clone(writer),
        })

    def _width(self, codes: Sequence[bytes]) -> float:
        return sum(self.widths.get(int.from_bytes(code, "big"), self.default_width)
                   for code in codes) * self.size / 1000

    def form(self, text: str) -> Any:
        from pypdf.generic import (
            ArrayObject,
            ByteStringObject,
            ContentStream,
            DecodedStreamObject,
            FloatObject,
            NameObject,
        )

        codes = [self.codes[char] for char in text]
        operations = list(self.operations)
        placed = list(operations[self.placed][0])
        placed[4] = FloatObject(round(self.right - self._width(codes), 4))
        operations[self.placed] = (placed, b"Tm")
        operations[self.shown] = ([ArrayObject([ByteStringObject(b"".join(codes))])], b"TJ")
        stream = ContentStream(None, None)
        stream.operations = operations
        form = DecodedStreamObject()
        form.set_data(stream.get_data())
        for key, value in self.template.items():
            form[NameObject(key)] = value
        return form


def _shown_codes(operation: tuple[Any, bytes]) -> tuple[list[bytes], float]:
    """The two-byte glyph codes a TJ or Tj shows, and the sum of the TJ's adjustments."""
    operands, operator = operation
    items = operands[0] if operator == b"TJ" else [operands[0]]
    codes: list[bytes] = []
    adjust = 0.0
    for item in items:
        if isinstance(item, (int, float)):
            adjust += float(item)
            continue
        data = getattr(item, "original_bytes", None)
        if data is None:
            data = bytes(item) if isinstance(item, bytes) else str(item).encode("latin-1")
        codes += [data[index:index + 2] for index in range(0, len(data), 2)]
    return codes, adjust


def _glyph_widths(descendant: Any) -> dict[int, float]:
    """A CID font's /W array as glyph -> width (1/1000 em)."""
    widths: dict[int, float] = {}
    items = [item.get_object() for item in descendant.get("/W", [])]
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1]
        if isinstance(following, list):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            index += 2
        else:
            for glyph in range(first, int(following) + 1):
                widths[glyph] = float(items[index + 2])
            index += 3
    return widths
