"""Printable PDFs: one per runbook and a whole handbook, from the site's own rendered HTML.

Pages are rendered once by MkDocs (macros, header cards and tables exactly as on the site),
captured by :mod:`opsbook.pdf.capture`, rewritten into one print document per PDF by
:mod:`opsbook.pdf.compose`, and laid out by WeasyPrint in :mod:`opsbook.pdf.engine` — the
only module that imports it, and only when a PDF is actually written.
"""
