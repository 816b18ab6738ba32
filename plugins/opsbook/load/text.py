"""Bytes → text, without surprises: BOM stripped, CRLF/CR normalised, binary refused."""

from __future__ import annotations

from dataclasses import dataclass, field

from opsbook.load.problems import LoadProblem

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Files larger than this are not parsed: no real runbook is that big, and a 50 MB file in the
handbook is more likely an accident (a log, a dump) than content."""

_BOM = b"\xef\xbb\xbf"


@dataclass
class DecodedText:
    text: str | None
    problems: list[LoadProblem] = field(default_factory=list)


def oversize_problem(size: int) -> LoadProblem:
    """OB009 for a file of ``size`` bytes; the loader refuses it before reading it all."""
    return LoadProblem(
        "OB009",
        1,
        1,
        f"file is {size / (1024 * 1024):.1f} MB, over the "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB limit; it was not checked",
        "split it, or move generated data out of the handbook",
    )


def decode_source(data: bytes) -> DecodedText:
    """Decode file bytes as UTF-8 and normalise line endings so that line numbers match what an
    editor shows. Returns text=None when the file cannot be used at all."""
    problems: list[LoadProblem] = []
    if len(data) > MAX_FILE_BYTES:
        return DecodedText(None, [oversize_problem(len(data))])
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
        problems.append(
            LoadProblem(
                "OB502",
                1,
                1,
                "file starts with a UTF-8 byte order mark",
                "save the file as UTF-8 without BOM",
            )
        )
    if b"\x00" in data[:8192]:
        return DecodedText(
            None,
            [
                *problems,
                LoadProblem(
                    "OB002", 1, 1,
                    "file looks binary (contains NUL bytes), not Markdown text",
                    "remove the file or rename it so it is not a .md file",
                ),
            ],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return DecodedText(
            None,
            [
                *problems,
                LoadProblem(
                    "OB002", line, column,
                    f"file is not valid UTF-8 (byte 0x{data[error.start]:02x})",
                    "re-save the file with UTF-8 encoding",
                ),
            ],
        )
    if "\r" in text:
        crlf = text.count("\r\n")
        lone_cr = text.count("\r") - crlf
        if crlf and (lone_cr or crlf != text.count("\n")):
            problems.append(
                LoadProblem(
                    "OB503",
                    1,
                    1,
                    "file mixes line endings (CRLF and LF or CR)",
                    "normalise line endings (e.g. .gitattributes `*.md text eol=lf`)",
                )
            )
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text, problems)
