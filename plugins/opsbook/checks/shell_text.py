"""What part of a ``bash``/``sh``/``shell`` fence is shell a reader would paste.

Runbooks label many fences ``bash`` that are not scripts: a terminal session (prompt lines and
the program's output), a PromQL or SQL query, a JSON or YAML document, a log excerpt. And
their commands are templates: ``oc logs <pod-name>`` is filled in at incident time, but
``bash -n`` reads ``<pod-name>`` as two redirections and fails. :func:`shell_script` turns a
fence body into the text worth parsing, one output line per body line (so bash's line
numbers still point into the block), or None when the block holds no shell at all.

Everything here is decided from the block's own content; nothing runs.
"""

from __future__ import annotations

import re

# A prompt before a command: `$ `, `user@host:~/dir$ `, `[root@host ~]# `, `sh-5.1$ `, `❯ `,
# `% `, and `> ` (used both as a shell prompt and by redis-cli; either way the rest of the
# line is a command, and redis commands parse as shell words).
_SHELL_PROMPT = re.compile(
    r"^(\s*)(?:"
    r"(?:[\w.-]+@[\w.-]+(?::\S*?)?|\[[^\]\n]{1,80}\]|(?:ba|z)?sh-[\d.]+|~\S*)\s?[$#%]"
    r"|[$%❯>]"
    r")(?=\s+\S)\s+"
)
# A prompt of another program: `pgbouncer=# `, `template1# `, `gpg> `, `mysql> `, `>>> `,
# `irb(main):001:0> `. What follows is not shell, and neither is the output after it.
_OTHER_PROMPT = re.compile(
    r"^\s*(?:[A-Za-z][\w.-]*(?:\([\w.:]*\))?[:\w]*[=-]?[#>]|>>>|\.\.\.|\(gdb\))\s+\S"
)
_CONTINUED = re.compile(r"(?:\\|\||&&|\|\||\(|\{|\bdo|\bthen|\belse)\s*$")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][\w-]*)\1")

# `<pod-name>`, `<node name>`, `<backup name from backup-list command>`: a blank filled at
# incident time. It starts with a letter, has no shell operator inside and ends on a
# non-space character, so real redirections (`sort <in.txt >out.txt`, `<<EOF`, `<(cmd)`)
# are left alone.
_ANGLE_BLANK = re.compile(r"(?<![<\w])<([A-Za-z][^<>|;&\n]{0,80}?[^\s<>|;&])>(?!>)")

_SQL = re.compile(
    r"^\s*(?:select|insert|update|delete|alter|create|drop|with|explain|show|grant|revoke|"
    r"truncate|vacuum|analyze|begin|commit|rollback|copy)\b",
    re.I,
)
_SQL_BODY = re.compile(r";\s*$|\b(?:from|where|into|values|table|index|database)\b", re.I | re.M)
_BASH_SELECT = re.compile(r"^\s*select\s+\w+\s+in\b")
# A query-language call or grouping where a command name would stand: `sum(rate(x[5m]))`,
# `sum by (job) (...)`, `(sum(...)`, `topk(5,`, `x * on (ns) group_left()`. A shell function
# definition `name() {` has empty parentheses and is not one.
_QUERY_LINE = re.compile(
    r"^\s*\(*\s*[A-Za-z_:][\w:]*\s*\((?!\s*\))"
    r"|^\s*[A-Za-z_:][\w:]*\s+(?:by|without)\s*\("
    r"|\b(?:by|without|on|ignoring|group_left|group_right)\s*\("
    r"|^\s*//"
)
_QUERY_SELECTOR = re.compile(
    r"[\w:]\{[\w]+\s*(?:=~|!~|!=|=)\s*\"|\}\[\d+[smhdwy]\]|\[\d+[smhdwy]\]\)"
)
# `key: value` and `- item` lines of YAML, and of a plain-text form (`Addon version: <...>`).
_YAML_LINE = re.compile(
    r"^\s*(?:-\s+)?[\w\"'][\w .\"'/()-]{0,40}:(?:\s|$)|^\s*-\s+\S|^\s*(?:---|\.\.\.)\s*$"
)
# Log and event lines: klog (`I0611 11:13:35.04`), ISO or syslog timestamps, `<13>Sep`, level
# tags (`ERRO[0000]`, `level=error`), Kubernetes event rows (`Warning  FailedScheduling  3m`).
_LOG_LINE = re.compile(
    r"^\s*(?:[IWEF]\d{4}\s+\d\d:\d\d|\[?\d{4}[-/]\d\d[-/]\d\d[T _]\d\d:|<\d{1,3}>\w|"
    r"[A-Z][a-z]{2}\s+\d{1,2}\s\d\d:\d\d:\d\d|(?:ERRO|WARN|INFO|DEBU|FATA|TRAC)\[|"
    r"level=\w|(?:Normal|Warning)\s{2,}\w)"
)
_QUOTED = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"")


def _significant(lines: list[str]) -> list[str]:
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _looks_like_query(lines: list[str]) -> bool:
    """PromQL, LogQL and friends: a call or grouping where a command would start, or a
    label selector with a range."""
    unquoted = [_QUOTED.sub("''", line) for line in lines]
    if any(_QUERY_LINE.search(line) for line in unquoted[:1]):
        return True
    return any(_QUERY_SELECTOR.search(line) for line in lines) and any(
        _QUERY_LINE.search(line) for line in unquoted
    )


def _looks_like_sql(lines: list[str]) -> bool:
    first = lines[0]
    return bool(_SQL.match(first)) and not _BASH_SELECT.match(first) and bool(
        _SQL_BODY.search("\n".join(lines))
    ) and not first.lstrip().startswith(("update-", "show-"))


def _looks_like_data(lines: list[str]) -> bool:
    """A JSON or YAML document."""
    text = "\n".join(lines).lstrip()
    if text[:1] == "{" and text[1:].lstrip()[:1] in ('"', "}"):
        return True
    if text[:1] == "[" and text[1:].lstrip()[:1] in ('{', '"', "]"):
        return True
    if not _YAML_LINE.match(lines[0]):
        return False  # a command first (`cat <<EOF`, `oc patch -p '`): YAML is its input
    yaml_lines = sum(1 for line in lines if _YAML_LINE.match(line))
    return yaml_lines >= 2 and yaml_lines * 10 >= len(lines) * 7


def not_shell(lines: list[str]) -> bool:
    """True when a block labelled as shell holds something else: a query, a data document,
    or a log excerpt."""
    significant = _significant(lines)
    if not significant:
        return True
    return (
        _looks_like_query(significant)
        or _looks_like_sql(significant)
        or _looks_like_data(significant)
        or bool(_LOG_LINE.match(significant[0]))
    )


def fill_blanks(line: str) -> str:
    """``oc logs <pod-name>`` → ``oc logs pod-name``: the command as it will be pasted."""
    return _ANGLE_BLANK.sub(lambda match: "_" + re.sub(r"\W+", "_", match.group(1)), line)


def _session(lines: list[str]) -> list[str] | None:
    """For a terminal session (some lines carry a prompt), the typed commands with the
    prompt removed and every output line blanked; None when no line carries a prompt."""
    kinds = []
    for line in lines:
        if _SHELL_PROMPT.match(line):
            kinds.append("shell")
        elif _OTHER_PROMPT.match(line) and not line.lstrip().startswith("#"):
            kinds.append("other")
        else:
            kinds.append("")
    first = next((kind for line, kind in zip(lines, kinds, strict=True)
                  if line.strip() and (kind or not line.lstrip().startswith("#"))), "")
    if not first:
        return None  # a session starts with a prompt; a `> ` further down is a comparison
    script: list[str] = []
    continued = False
    heredoc: str | None = None
    for line, kind in zip(lines, kinds, strict=True):
        if heredoc is not None:
            script.append(line)
            if line.strip() == heredoc:
                heredoc = None
            continue
        if kind == "shell":
            command = _SHELL_PROMPT.sub(r"\1", line, count=1)
        elif continued and kind == "":
            command = line
        else:
            # Output, a comment, or a line typed into another program.
            script.append("")
            continued = False
            continue
        script.append(command)
        continued = bool(_CONTINUED.search(command))
        match = _HEREDOC.search(_QUOTED.sub("''", command))
        if match:
            heredoc = match.group(2)
    return script


def shell_script(lines: list[str]) -> str | None:
    """The text of a shell fence worth giving to ``bash -n`` (same number of lines), or None
    when the block is not shell."""
    session = _session(lines)
    if session is None:
        if not_shell(lines):
            return None
        session = list(lines)
    elif not _significant(session):
        return None
    return "\n".join(fill_blanks(line) for line in session)


_OUTPUT_START = re.compile(
    r"^\s*(?:\d|\(\d|\(\w\)\s|\*\s|\|\s|[A-Z][a-z]+(?:\s|:)|[\w.-]+:\s|\[\s+\w+ \w+:|"
    r"[-+=]{3,}|[A-Z]{2,}\s{2,}[A-Z]{2,})"
)


def looks_like_output(line: str) -> bool:
    """A line no one types at a prompt: a number, a numbered or bulleted item, a capitalised
    word, a `label: value` pair, a table rule or header — the shapes of program output."""
    return bool(_OUTPUT_START.match(line) or _LOG_LINE.match(line))


# What ends a stretch of a line in each quoting state: the characters the state reacts to.
# Jumping from one to the next with a regex, instead of a Python step per character, made this
# ten times faster; what is kept of the line is the same (see test_shell_blocks).
_NEXT_SPECIAL = {
    "": re.compile(r"[\\'\"`#]"),
    '"': re.compile(r'[\\"]'),
    "`": re.compile(r"[\\`]"),
}


def _unquoted(line: str, state: str) -> tuple[list[str], str]:
    """The parts of ``line`` outside quotes (an opening quote kept as a space, a backslash and
    the character it escapes dropped, a comment cut off), and the quoting state at its end,
    starting in ``state``."""
    plain: list[str] = []
    index, length = 0, len(line)
    while index < length:
        if state == "'":  # nothing escapes inside single quotes
            end = line.find("'", index)
            if end < 0:
                break
            state, index = "", end + 1
            continue
        found = _NEXT_SPECIAL[state].search(line, index)
        if found is None:
            if not state:
                plain.append(line[index:])
            break
        at = found.start()
        char = line[at]
        if not state:
            plain.append(line[index:at])
        if char == "\\":
            index = at + 2
        elif state:
            state, index = "", at + 1  # the closing quote
        elif char == "#":
            if at == 0 or line[at - 1] in " \t;":
                break  # a comment
            plain.append("#")
            index = at + 1
        else:
            state, index = char, at + 1
            plain.append(" ")
    return plain, state


_OPENERS = {"if": "fi", "case": "esac", "do": "done", "{": "}", "(": ")"}
_CLOSERS = {closer: opener for opener, closer in _OPENERS.items()}
_WORDS = re.compile(r"[^\s;&|]+|[;&|]")


def self_contained(script: str) -> bool:
    """Whether ``script`` surely ends outside any quote, here-document or compound command.

    Blocks are parsed in one batch for speed; two blocks that each leave a quote open would
    close each other's quote there and hide both errors. A block this cannot vouch for is
    parsed on its own. Erring towards False only costs a process.
    """
    state = ""  # "", "'", '"', "`"
    depth: dict[str, int] = dict.fromkeys(_OPENERS, 0)
    heredoc: str | None = None
    for line in script.split("\n"):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        plain, state = _unquoted(line, state)
        if state:
            continue  # a quoted string spanning lines: allowed, watched until it closes
        text = "".join(plain)
        match = _HEREDOC.search(text)
        if match:
            heredoc = match.group(2)
        for word in _WORDS.findall(text.replace("(", " ( ").replace(")", " ) ")):
            if word in depth:
                depth[word] += 1
            elif word in _CLOSERS:
                depth[_CLOSERS[word]] -= 1
    return not state and heredoc is None and not any(depth.values())
