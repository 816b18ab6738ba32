"""Model → HTML fragments for the site and the PDFs.

Pure functions over the content model, rendered from templates shipped in this package by a
sandboxed, autoescaping Jinja environment. Page text written by users is never a template:
:mod:`opsbook.model.macros` finds macro call sites with a strict pattern, and only those are
expanded. Importing this package is cheap; Jinja loads on first render.
"""
