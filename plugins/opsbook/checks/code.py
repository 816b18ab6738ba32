"""OB6xx: shell blocks that would not even parse if someone pasted them mid-incident.

Only the shell in a block is parsed: :mod:`opsbook.checks.shell_text` drops terminal output,
prompts of other programs, queries and data documents, and fills ``<pod-name>`` blanks with a
word, as the reader will. Blocks are checked with ``bash -n`` (parse only, nothing runs). To
stay fast on thousands of runbooks, all blocks go to one ``bash -n`` run; only when that fails
is the batch split in halves until the broken blocks are found, so a clean handbook costs one
process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from opsbook.checks.rule import Family, Rule
from opsbook.checks.shell_text import looks_like_output, self_contained, shell_script
from opsbook.diagnostics import Diagnostic, Level, Position
from opsbook.load.markdown import Fence
from opsbook.model.project import Project

SHELL_SYNTAX = Rule(
    "OB601", "shell-syntax-error", Level.ERROR,
    "A bash/sh code block does not parse (`bash -n`).",
    "A command that fails to parse fails when it is pasted during an incident, usually "
    "because of an unclosed quote that the page rendering hides.",
    (
        '# API errors\n'
        '\n'
        '```bash\n'
        'kubectl logs deploy/api | grep "error\n'
        '```\n'
    ),
    (
        '# API errors\n'
        '\n'
        '```bash\n'
        'kubectl logs deploy/api | grep "error"\n'
        '```\n'
    ),
    "fix the quoting or brackets in the block",
    example_path='handbook.md',
)

RULES = (SHELL_SYNTAX,)

SHELL_INFOS = {"bash", "sh", "shell"}
_ERROR_LINE = re.compile(r"line (\d+): (.*)")


@dataclass(frozen=True)
class ShellBlock:
    path: str
    fence: Fence
    script: str


def _bash_n(script: str) -> str | None:
    """None when ``script`` parses; bash's first error message otherwise."""
    bash = shutil.which("bash")
    if bash is None:  # pragma: no cover - no bash, nothing to compare against
        return None
    data = script.encode()
    if b"\0" in data:
        # bash refuses a script *file* with a NUL early on as binary; stdin has no such test.
        result = subprocess.run(
            [bash, "-n"], input=data, capture_output=True, timeout=60, check=False
        )
        error = result.stderr.decode("utf-8", "replace")
    else:
        # From a file, not stdin: bash reads a script on stdin one byte at a time (so as not
        # to read past what it runs); for the blocks of 10,000 runbooks that took ~1.8 s
        # instead of ~0.2 s. Its messages then start with the file name instead of "bash".
        with tempfile.TemporaryDirectory(prefix="opsbook-") as scratch:
            path = os.path.join(scratch, "blocks.sh")
            with open(path, "wb") as handle:
                handle.write(data)
            result = subprocess.run(
                [bash, "-n", path], stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                check=False,
            )
        error = result.stderr.decode("utf-8", "replace").replace(f"{path}: ", "bash: ")
    if result.returncode == 0:
        return None
    return error.strip() or "syntax error"


def _batch(blocks: list[ShellBlock]) -> str:
    # An unclosed quote in one block can make bash blame a later one; the bisection in
    # _find_broken narrows the error down to the block that really fails on its own.
    return "\n".join(block.script + "\n:" for block in blocks)


def _find_broken(blocks: list[ShellBlock]) -> Iterator[tuple[ShellBlock, str]]:
    if not blocks:
        return
    error = _bash_n(_batch(blocks))
    if error is None:
        return
    if len(blocks) == 1:
        yield blocks[0], error
        return
    middle = len(blocks) // 2
    yield from _find_broken(blocks[:middle])
    yield from _find_broken(blocks[middle:])


def check_code(project: Project) -> Iterator[Diagnostic]:
    batched: list[ShellBlock] = []
    alone: list[ShellBlock] = []  # may leave a quote open: parsed alone (see self_contained)
    for document in project.documents:
        for fence in document.blocks:
            if isinstance(fence, Fence) and fence.info in SHELL_INFOS and fence.body:
                script = shell_script([text for _, text in fence.body])
                if script is not None:
                    shell = ShellBlock(document.display_path, fence, script)
                    (batched if self_contained(script) else alone).append(shell)
    broken = [*_find_broken(batched)]
    for shell in alone:
        broken.extend(_find_broken([shell]))
    for block, error in sorted(broken, key=lambda pair: (pair[0].path, pair[0].fence.line)):
        match = _ERROR_LINE.search(error)
        line = block.fence.line + 1
        message = error.splitlines()[0]
        if match:
            index = min(int(match.group(1)), len(block.fence.body))
            line = block.fence.line + index
            message = match.group(2)
            # A parenthesis in a line of program output pasted without its prompt (`64 GiB of
            # bloat (24 %)`) is not a broken command; an unclosed `if` or quote still is.
            written = block.fence.body[index - 1][1]
            if "unexpected token" in message and looks_like_output(written):
                continue
        yield SHELL_SYNTAX.at(block.path, Position(line, 1),
                              f"shell block does not parse: {message}")


_PROMPT = re.compile(r"^\s*\$ ")


def shell_error(fence: Fence) -> str | None:
    """Why one shell block does not parse exactly as written (a `<blank>` left in, as import
    wants to know), or None when it does (or is not a shell block). OB601 is more lenient:
    see :func:`check_code`."""
    if fence.info not in SHELL_INFOS or not fence.body:
        return None
    return _bash_n("\n".join(_PROMPT.sub("", text, count=1) for _, text in fence.body))


FAMILY = Family("OB6", "Code blocks", RULES, check_code, starts_process=True)
