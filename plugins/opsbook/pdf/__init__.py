"""Printable PDFs: one per runbook and a whole handbook, from the site's own rendered HTML.

Pages are rendered once by MkDocs (macros, header cards and tables exactly as on the site),
captured by :mod:`opsbook.pdf.capture`, rewritten into print documents by
:mod:`opsbook.pdf.compose`, and laid out by WeasyPrint in :mod:`opsbook.pdf.engine` — the
only module that imports it, and only when a PDF is actually written.

Each runbook is laid out ONCE (templates/runbook.html, "page x of y" left out): that layout is
the runbook's own PDF and, unchanged, its part of the handbook. The handbook's other parts
(front matter, each site page, the alert index; templates/handbook.html) are laid out on their
own; :mod:`opsbook.pdf.assemble` stamps "page x of y" and adds outline, links and destinations,
once per runbook PDF and once for the handbook, where each runbook's outline goes below
"Runbooks" and its service (:func:`opsbook.pdf.printing.in_handbook`). So a runbook's pages read
the same in both; its links to other site pages show the published site's address in both (no
"(p. N)" in the handbook: that would be a second layout), and in the handbook those to a page it
holds go to that page when clicked. :mod:`opsbook.pdf.printing` decides what is laid
out, in which round (page numbers), and what an earlier run left that is still valid
(:mod:`opsbook.pdf.reuse`), known for an unchanged runbook from its sources alone
(:mod:`opsbook.pdf.sources`): ``opsbook pdf`` asks before it builds the site, and the build
leaves such runbooks' pages unrendered (:func:`opsbook.pdf.printing.pages_not_needed`). That
build also writes placeholders for the theme's templates: only page content is printed.

The look is print.css's. The contents show each page number flush right with no dot leader
(WeasyPrint sets leader dots as text: three quarters of the contents' layout time).
"""
