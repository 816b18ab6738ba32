"""OB601 on shell fences as maintained runbooks write them: templates, sessions, queries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsbook.checks.shell_text import _unquoted, fill_blanks, self_contained, shell_script
from tests.support.repo import REPO_ROOT
from tests.support.sitekit import check_loose, rules_at


def fence(body: str, info: str = "bash") -> str:
    return f"# Runbook\n\n```{info}\n{body}\n```\n"


def ob601(tmp_path: Path, page: str) -> set[int]:
    found = check_loose(tmp_path, {"page.md": page})
    return {line for rule, _, line in rules_at(found) if rule == "OB601"}


QUIET = {
    "angle blanks": "oc -n <namespace> logs <pod-name> --previous\nssh <node address>",
    "blank in a pipe": "oc logs <pod> | grep -i error",
    "blank with a quote inside": "kubectl describe node <the node's name>",
    "environment variables": "oc -n $NAMESPACE get pods\nkubectl logs \"${POD}\"",
    "session with output": (
        "$ kubectl get pods\nNAME        READY   STATUS (since)\napi-7d9f    1/1     Running\n"
        "$ kubectl logs <pod>"
    ),
    "root prompt with host": "[root@node-1 ~]# systemctl status chronyd\n● chronyd.service (up)",
    "redis session": '> role\n1) "master"\n2) (integer) 99120',
    "psql session": (
        "db=# select * from pg_stat_replication;\n pid | state\n-----+--------\n 12 | streaming"
    ),
    "promql": 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))\n  /\nsum(rate(x[5m]))',
    "promql with a comment": "// errors per pod\ntopk(5, sum by (pod) (rate(errors_total[5m])))",
    "sql": "SELECT name, state FROM jobs WHERE state = 'stuck';",
    "json": '{\n  "status": "ok",\n  "items": [1, 2]\n}',
    "yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo (copy)",
    "log excerpt": "E0311 10:02:11.120934   1 reconcile.go:88] sync failed (retrying)",
    "output after a command": (
        "df -h /var\nFilesystem      Size  Used Avail Use% Mounted on\n"
        "12.5 GiB used (81 % of the volume)"
    ),
    "heredoc with yaml": "cat <<EOF > conf.yaml\nname: demo (copy)\nEOF",
}


@pytest.mark.parametrize("body", QUIET.values(), ids=QUIET.keys())
def test_templates_sessions_and_non_shell_are_not_errors(tmp_path: Path, body: str) -> None:
    assert ob601(tmp_path, fence(body)) == set()


BROKEN = {
    "unclosed double quote": ("kubectl get pods\necho \"unterminated", 5),
    "unclosed quote next to a blank": ("oc logs <pod> | grep 'error", 4),
    "if without fi": ("if [ -f /tmp/x ]; then\n  echo yes", 4),
    "stray backtick": ("df -h /dev/sdb`", 4),
    "broken command in a session": ("$ oc get pods\nNAME   READY\n$ echo \"oops", 6),
    "for without done": ("for pod in a b; do\n  echo $pod", 4),
}


@pytest.mark.parametrize(("body", "line"), BROKEN.values(), ids=BROKEN.keys())
def test_real_syntax_errors_are_still_found(tmp_path: Path, body: str, line: int) -> None:
    found = ob601(tmp_path, fence(body))
    assert len(found) == 1
    assert found.pop() in range(4, line + 2)


def test_two_unclosed_quotes_in_two_blocks_are_both_found(tmp_path: Path) -> None:
    # In one batch the second quote would close the first and both errors would vanish.
    page = fence('echo "one') + "\nText.\n\n```bash\necho \"two\n```\n"
    assert ob601(tmp_path, page) == {4, 10}


def test_fill_blanks_keeps_real_redirections() -> None:
    assert fill_blanks("sort <in.txt >out.txt") == "sort <in.txt >out.txt"
    assert fill_blanks("cat <<EOF") == "cat <<EOF"
    assert fill_blanks("diff <(ls a) <(ls b)") == "diff <(ls a) <(ls b)"
    assert "<" not in fill_blanks("oc logs <pod-name> -n <namespace>")


def test_session_keeps_line_numbers() -> None:
    script = shell_script(["$ ls", "a.txt (big)", "$ echo done"])
    assert script == "ls\n\necho done"


def test_self_contained() -> None:
    assert self_contained("echo 'a # b'\nif true; then echo; fi\ncat <<EOF\n'\nEOF")
    assert not self_contained('echo "open')
    assert not self_contained("if true; then")
    assert not self_contained("cat <<EOF\nno end")


def _unquoted_by_character(line: str, state: str) -> tuple[str, str]:
    """The reference for the fast line walk of self_contained: one Python step per character
    (as it was written first). The fast version must agree with it on every line."""
    index, length = 0, len(line)
    plain: list[str] = []
    while index < length:
        char = line[index]
        if state == "'":
            if char == "'":
                state = ""
        elif char == "\\":
            index += 1
        elif state == '"':
            if char == '"':
                state = ""
        elif state == "`":
            if char == "`":
                state = ""
        elif char in "'\"`":
            state = char
            plain.append(" ")
        elif char == "#" and (index == 0 or line[index - 1] in " \t;"):
            break
        else:
            plain.append(char)
        index += 1
    return "".join(plain), state


_LINE_PARTS = [*"ab \t#;'\"`\\()", "if ", " fi", "\\'", '\\"', "\\`", " #", "a#b", ";#"]


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from(_LINE_PARTS), max_size=30), st.sampled_from(["", "'", '"', "`"]))
def test_unquoted_agrees_with_a_character_walk(parts: list[str], state: str) -> None:
    line = "".join(parts)
    plain, after = _unquoted(line, state)
    assert ("".join(plain), after) == _unquoted_by_character(line, state)


def test_unquoted_agrees_on_every_shell_fence_of_the_repository() -> None:
    fences = re.compile(r"^```(?:bash|sh|shell|console|zsh)\n(.*?)^```", re.M | re.S)
    checked = 0
    for path in sorted(REPO_ROOT.glob("**/*.md")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        for match in fences.finditer(path.read_text(encoding="utf-8", errors="replace")):
            state = ""
            for line in match.group(1).split("\n"):
                plain, after = _unquoted(line, state)
                assert ("".join(plain), after) == _unquoted_by_character(line, state), path
                state = after
                checked += 1
    assert checked > 100
