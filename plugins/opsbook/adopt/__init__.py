"""Adopting opsbook: `opsbook init` (a new handbook, or opsbook added to an existing MkDocs
site) and `opsbook import` (a legacy Markdown handbook turned into an opsbook site).

The logic is pure where it can be: a *plan* (the files to write, with their text) is computed
first and checked as a whole, then written, so a refused run changes nothing on disk.
"""
