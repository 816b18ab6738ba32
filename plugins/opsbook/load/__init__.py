"""Loading: bytes on disk → text → frontmatter values with positions + body blocks with lines."""
