"""The MkDocs adapter: a thin plugin over the library."""
