"""Put the separately laid-out parts of the handbook together into one PDF (pypdf).

Each part was laid out on its own (see :mod:`opsbook.pdf.parts`) and written without what
only makes sense in the whole document; this adds it back, from the layout data WeasyPrint
gave for each part: "page x of y" in every footer, the outline (bookmarks nested exactly as
WeasyPrint nests them), clickable internal links, and named destinations.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Footer geometry, from print.css: bottom-right margin box of a 20 mm bottom margin and 15 mm
# side margins, 3 mm padding above 8 pt text in #333.
_MM = 72 / 25.4
_RIGHT = 15 * _MM
_BASELINE = (20 - 3) * _MM - 8 * 0.93
_FONT_SIZE = 8
_GREY = 0.2
# Advance widths (per 1000 em) of Helvetica, one of the fonts every PDF reader has, for the
# only characters a page number uses.
_WIDTHS = {**dict.fromkeys("0123456789paego", 556), " ": 278, "f": 278}
_FONT_NAME = "/OpsbookPageNumber"


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


def assemble(parts: Sequence[LaidOutPart], output: Path) -> int:
    """Write the handbook from its parts; returns its number of pages."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

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
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    save = DecodedStreamObject()
    save.set_data(b"q\n")
    save_ref = writer._add_object(save)
    done_fonts: set[int] = set()
    for index, page in enumerate(writer.pages):
        resources = page.get("/Resources")
        if resources is None:
            resources = DictionaryObject()
            page[NameObject("/Resources")] = resources
        resources = resources.get_object()
        fonts: Any = resources.get("/Font")  # type: ignore[union-attr]
        if fonts is None:
            fonts = DictionaryObject()
            resources[NameObject("/Font")] = fonts  # type: ignore[index]
        fonts = fonts.get_object()
        if id(fonts) not in done_fonts:
            fonts[NameObject(_FONT_NAME)] = font
            done_fonts.add(id(fonts))
        text = footer_text(index + 1, total)
        width = sum(_WIDTHS[char] for char in text) * _FONT_SIZE / 1000
        x = float(page.mediabox.right) - _RIGHT - width
        y = float(page.mediabox.bottom) + _BASELINE
        stamp = DecodedStreamObject()
        # The page's own drawing is wrapped in q/Q so the footer is drawn in the default
        # coordinate system, whatever state the page left behind.
        stamp.set_data(
            f"Q\nq {_GREY} g BT {_FONT_NAME} {_FONT_SIZE} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET Q\n"
            .encode("ascii"))
        contents = page.get("/Contents")
        existing: list[Any] = []
        if contents is not None:
            resolved = contents.get_object()
            existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [save_ref, *existing, writer._add_object(stamp)])

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
