"""Put separately laid-out parts together into one PDF (pikepdf): the handbook, and each
runbook's own PDF (its one part, the same layout as its part of the handbook).

Each part was laid out on its own (see :mod:`opsbook.pdf.printing`) and written without what
only makes sense in the whole document; this adds it back, from the layout data WeasyPrint
gave for each part: "page x of y" in every footer (in the document's font: WeasyPrint sets a
sample footer once, whose glyphs spell every page's), the outline (bookmarks nested exactly as
WeasyPrint nests them), clickable internal links, and named destinations.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from opsbook.pdf.reuse import save_atomically

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


def assemble(parts: Sequence[LaidOutPart], output: Path, footer: FooterSample,
             inside: Callable[[str], str | None] | None = None) -> int:
    """Write the document made of ``parts``; returns its number of pages. ``inside`` names
    the anchor a web address stands for in this document, if any: such links go there (a
    runbook's links to the site's contacts page, in the handbook that holds that page).

    pikepdf (qpdf) copies the parts' pages and writes the file in C++: a 500-page handbook
    of 200 parts in a fraction of a second, where pypdf took seconds; this runs on every
    print, warm ones included, and once per runbook PDF."""
    import pikepdf

    sources: list[Any] = []  # open until written: qpdf copies their streams when saving
    try:
        pdf = pikepdf.new()
        starts: list[int] = []
        metadata: Any = None
        for part in parts:
            source = pikepdf.open(part.pdf)
            sources.append(source)
            if metadata is None:
                metadata = {str(key): value for key, value in source.docinfo.items()}
            starts.append(len(pdf.pages))
            pdf.pages.extend(source.pages)
        total = len(pdf.pages)
        sizes = [size for part in parts for size in part.layout["sizes"]]
        _add_footers(pdf, sizes, footer, sources)
        # Each page's dictionary and box, read once: through pdf.pages, every anchor, link
        # and bookmark looked them up again (a fifth of a handbook's assembly).
        pages = [page.obj for page in pdf.pages]
        boxes = [(float(box[1]), float(box[3])) for box in (page.mediabox for page in pdf.pages)]

        def point(part_index: int, page_index: int, x: float,
                  y: float) -> tuple[int, float, float]:
            number = starts[part_index] + page_index
            bottom, top = boxes[number]
            height_css = parts[part_index].layout["sizes"][page_index][1]
            scale = top - bottom
            scale = scale / height_css if height_css else 0.75
            return number, x * scale, top - y * scale

        anchors: dict[str, tuple[int, float, float]] = {}
        for part_index, part in enumerate(parts):
            for name, (page_index, x, y) in part.layout["anchors"].items():
                if name not in anchors:
                    anchors[name] = point(part_index, int(page_index), x, y)

        _add_links(pdf, pages, parts, anchors, point)
        if inside is not None:
            _links_inside(pdf, pages, anchors, inside)
        _add_outline(pdf, parts, point)
        _add_named_destinations(pdf, pages, anchors)
        for key, value in (metadata or {}).items():
            pdf.docinfo[key] = value

        save_atomically(output, pdf.save)
        return total
    finally:
        for source in sources:
            source.close()


def _add_footers(pdf: Any, sizes: list[Any], footer: FooterSample, sources: list[Any]) -> None:
    """"page x of y" on every page: the page's own drawing is wrapped in q/Q so the footer is
    drawn in the default coordinate system, whatever state the page left behind."""
    import pikepdf

    save = pdf.make_stream(b"q\n")
    draw = pdf.make_stream(f"Q\nq {_FOOTER_NAME} Do Q\n".encode("ascii"))
    footers: dict[tuple[float, float], _Footer] = {}
    total = len(pdf.pages)
    for index, page in enumerate(pdf.pages):
        width, height = (float(value) for value in sizes[index])
        if (width, height) not in footers:
            footers[width, height] = _Footer(footer(width, height, FOOTER_SAMPLE), pdf, sources)
        form = footers[width, height].form(footer_text(index + 1, total))
        # Pages of one part may share their resources: each gets its own dictionary, so that
        # its footer is its own.
        resources = page.obj.get("/Resources")
        own = pikepdf.Dictionary({str(key): value for key, value in resources.items()}
                                 if resources is not None else {})
        xobjects = own.get("/XObject")
        own_xobjects = pikepdf.Dictionary({str(key): value for key, value in xobjects.items()}
                                          if xobjects is not None else {})
        own_xobjects[_FOOTER_NAME] = form
        own["/XObject"] = own_xobjects
        page.obj["/Resources"] = own
        contents = page.obj.get("/Contents")
        existing: list[Any] = []
        if contents is not None:
            existing = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        page.obj["/Contents"] = pikepdf.Array([save, *existing, draw])


def _add_links(pdf: Any, pages: list[Any], parts: Sequence[LaidOutPart],
               anchors: dict[str, tuple[int, float, float]], point: Any) -> None:
    import pikepdf

    for part_index, part in enumerate(parts):
        for page_index, target, x1, y1, x2, y2 in part.layout["links"]:
            destination = anchors.get(target)
            if destination is None:
                continue  # WeasyPrint drops links to missing anchors too
            number, left, top = point(part_index, int(page_index), x1, y1)
            _, right, bottom = point(part_index, int(page_index), x2, y2)
            target_page, target_x, target_y = destination
            link = pdf.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                Rect=[left, bottom, right, top], Border=[0, 0, 0],
                Dest=[pages[target_page], pikepdf.Name.XYZ, target_x, target_y, 0]))
            page = pages[number]
            if "/Annots" not in page:
                page["/Annots"] = pikepdf.Array()
            page["/Annots"].append(link)


def _links_inside(pdf: Any, pages: list[Any], anchors: dict[str, tuple[int, float, float]],
                  inside: Callable[[str], str | None]) -> None:
    """Links to web addresses of pages this document holds go to those pages instead."""
    import pikepdf

    for page in pages:
        for annotation in page.get("/Annots", []):
            action = annotation.get("/A")
            if action is None or action.get("/S") != pikepdf.Name.URI:
                continue
            name = inside(str(action.get("/URI", "")))
            if name is None or name not in anchors:
                continue  # a page not printed here, or an anchor it does not have
            number, x, y = anchors[name]
            del annotation["/A"]
            annotation["/Dest"] = pikepdf.Array([pages[number], pikepdf.Name.XYZ, x, y, 0])


def _add_outline(pdf: Any, parts: Sequence[LaidOutPart], point: Any) -> None:
    """Bookmarks nested as WeasyPrint nests them: a level deeper than the previous one by more
    than one is only one step deeper in the outline."""
    import pikepdf

    with pdf.open_outline() as outline:
        skipped: list[int] = []
        parents: list[Any] = [outline.root]
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
                item = pikepdf.OutlineItem(str(label), number, pikepdf.PageLocation.XYZ,
                                           left=left, top=top, zoom=0)
                item.is_closed = state != "open"
                siblings = parents[depth - 1]
                (siblings if isinstance(siblings, list) else siblings.children).append(item)
                del parents[depth:]
                parents.append(item)


def _add_named_destinations(pdf: Any, pages: list[Any],
                            anchors: dict[str, tuple[int, float, float]]) -> None:
    import pikepdf

    names = pikepdf.Array()
    for name in sorted(anchors):
        number, x, y = anchors[name]
        names.append(pikepdf.String(name))
        names.append(pikepdf.Array([pages[number], pikepdf.Name.XYZ,
                                    round(x, 2), round(y, 2), None]))
    tree = pdf.make_indirect(pikepdf.Dictionary(Names=names))
    pdf.Root.Names = pikepdf.Dictionary(Dests=tree)


class _Footer:
    """Draws "page x of y" as WeasyPrint drew the footer sample: the sample's page becomes a
    form whose text is swapped for each page's, right-aligned where the sample ends, in the
    sample's font (embedded once for the whole document) — the document's font, size and
    colour, not a stand-in."""

    def __init__(self, sample: bytes, pdf: Any, sources: list[Any]) -> None:
        import pikepdf

        source = pikepdf.open(io.BytesIO(sample))
        sources.append(source)  # kept open until the document is written
        page = source.pages[0]
        self.pdf = pdf
        self.operations: list[Any] = list(pikepdf.parse_content_stream(page))
        operators = [str(operator) for _operands, operator in self.operations]
        shown = [index for index, operator in enumerate(operators) if operator in ("TJ", "Tj")]
        placed = [index for index, operator in enumerate(operators) if operator == "Tm"]
        sized = [index for index, operator in enumerate(operators) if operator == "Tf"]
        if len(shown) != 1 or len(placed) != 1 or len(sized) != 1:
            raise ValueError("the footer sample is not one run of text")
        self.shown, self.placed = shown[0], placed[0]
        font_name, size = self.operations[sized[0]][0]
        resources = page.obj.Resources
        font = resources.Font[str(font_name)]
        if font.get("/Encoding") != pikepdf.Name("/Identity-H"):
            raise ValueError("the footer sample's font is not a two-byte (Identity-H) font")
        descendant = font.DescendantFonts[0]
        self.widths = _glyph_widths(descendant)
        self.default_width = float(descendant.get("/DW", 1000))
        self.size = float(size)
        codes, adjust = _shown_codes(self.operations[self.shown])
        if len(codes) != len(FOOTER_SAMPLE):
            raise ValueError("the footer sample's glyphs do not match its characters")
        self.codes = dict(zip(FOOTER_SAMPLE, codes, strict=True))
        operands = self.operations[self.placed][0]
        self.right = float(operands[4]) + self._width(codes) - adjust * self.size / 1000
        self.bbox = pikepdf.Array([float(value) for value in page.mediabox])
        self.resources = pdf.copy_foreign(source.make_indirect(resources))

    def _width(self, codes: Sequence[bytes]) -> float:
        return sum(self.widths.get(int.from_bytes(code, "big"), self.default_width)
                   for code in codes) * self.size / 1000

    def form(self, text: str) -> Any:
        import pikepdf

        codes = [self.codes[char] for char in text]
        operations = list(self.operations)
        placed: list[Any] = list(operations[self.placed][0])
        placed[4] = round(self.right - self._width(codes), 4)
        operations[self.placed] = pikepdf.ContentStreamInstruction(
            placed, pikepdf.Operator("Tm"))
        operations[self.shown] = pikepdf.ContentStreamInstruction(
            [pikepdf.Array([pikepdf.String(b"".join(codes))])], pikepdf.Operator("TJ"))
        return self.pdf.make_stream(
            pikepdf.unparse_content_stream(operations), Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form, BBox=self.bbox, Resources=self.resources)


def _shown_codes(operation: Any) -> tuple[list[bytes], float]:
    """The two-byte glyph codes a TJ or Tj shows, and the sum of the TJ's adjustments."""
    operands, operator = operation
    items = list(operands[0]) if str(operator) == "TJ" else [operands[0]]
    codes: list[bytes] = []
    adjust = 0.0
    for item in items:
        if isinstance(item, (int, float, Decimal)):
            adjust += float(item)
            continue
        data = bytes(item)
        codes += [data[index:index + 2] for index in range(0, len(data), 2)]
    return codes, adjust


def _glyph_widths(descendant: Any) -> dict[int, float]:
    """A CID font's /W array as glyph -> width (1/1000 em)."""
    import pikepdf

    widths: dict[int, float] = {}
    items = list(descendant.get("/W", []))
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1]
        if isinstance(following, pikepdf.Array):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            index += 2
        else:
            for glyph in range(first, int(following) + 1):
                widths[glyph] = float(items[index + 2])
            index += 3
    return widths
