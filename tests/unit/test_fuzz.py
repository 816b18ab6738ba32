"""Property-based fuzzing of the check path (issue 7).

Generated frontmatter and Markdown, raw byte soup, and mutations of the reference handbook
(lines deleted, duplicated, swapped; values flipped to other YAML types; files truncated,
re-encoded, salted with bytes) go through the loader, the model and every rule. For each case:

* no exception escapes;
* every diagnostic names one of the checked files, a line inside it (1 ≤ line ≤ number of
  lines; 1 for an empty or undecodable file), a column inside that line, a known rule, a
  message and a hint; related locations too; every report format renders it, one line per
  finding in the text and GitHub formats;
* the output is deterministic: a fresh load gives the same diagnostics, and so does any order
  of the files;
* checking in parallel gives the serial result: loose files split across a process pool and
  merged, and a whole site checked by two processes at once.

The number of cases comes from the hypothesis profile (tests/conftest.py): a small one in
`make test`, `fuzz` (≥ 10,000 cases in all) in `make fuzz`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import random
import re
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsbook.checks import RULES_BY_ID, run_checks
from opsbook.diagnostics import Diagnostic
from opsbook.load.document import Document, parse_document
from opsbook.load.text import decode_source
from opsbook.model.project import KIND_SPECS, build_project, site_files
from opsbook.model.schema import FieldSpec, ObjectSpec
from opsbook.report import FORMATTERS, Summary
from opsbook.report.formats import format_json
from opsbook.run import check_paths
from opsbook.settings import OpsbookConfig, load_config
from tests.support.repo import REPO_ROOT

TODAY = dt.date(2026, 11, 25)

# Cases that start processes are ~100x dearer than in-process ones: they run a fraction.
PROFILE_EXAMPLES = settings.default.max_examples
PROCESS_EXAMPLES = max(2, PROFILE_EXAMPLES // 100)
SLOW_OK = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------------------------------------
# The invariants.


def editor_lines(data: bytes) -> int:
    """Lines an editor shows: BOM dropped, CRLF and CR count as one break."""
    data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.count(b"\n") + 1


def load(root: Path, files: dict[str, bytes]) -> list[Document]:
    return [parse_document(root / name, name, data) for name, data in files.items()]


def check(config: OpsbookConfig, root: Path, files: dict[str, bytes]) -> list[Diagnostic]:
    return run_checks(build_project(config, load(root, files)))


def assert_located(files: dict[str, bytes], diagnostics: list[Diagnostic]) -> None:
    lines = {name: editor_lines(data) for name, data in files.items()}
    texts = {name: decode_source(data).text for name, data in files.items()}
    for diagnostic in diagnostics:
        assert diagnostic.path in lines, diagnostic
        assert 1 <= diagnostic.line <= lines[diagnostic.path], (diagnostic, lines[diagnostic.path])
        assert diagnostic.column >= 1, diagnostic
        text = texts[diagnostic.path]
        if text is not None:  # (undecodable files are located by byte, on line 1 or the bad byte)
            line = text.split("\n")[diagnostic.line - 1]
            assert diagnostic.column <= len(line) + 1, (diagnostic, line[:200])
        assert diagnostic.rule in RULES_BY_ID, diagnostic
        assert diagnostic.message.strip() and diagnostic.hint.strip(), diagnostic
        for related in diagnostic.related:
            assert related.path in lines, (diagnostic, related)
            assert 1 <= related.line <= lines[related.path], (diagnostic, related)


def assert_contract(
    config: OpsbookConfig, root: Path, files: dict[str, bytes], seed: int
) -> list[Diagnostic]:
    """Check ``files`` three times (as given, again, shuffled) and assert every invariant."""
    first = check(config, root, files)
    assert_located(files, first)
    assert check(config, root, files) == first, "a fresh load gave other diagnostics"
    names = list(files)
    random.Random(seed).shuffle(names)
    shuffled = check(config, root, {name: files[name] for name in names})
    assert [d.to_dict() for d in shuffled] == [d.to_dict() for d in first], (
        "the file order changed the output", names)
    assert format_json(shuffled, _summary(shuffled)) == format_json(first, _summary(first))
    for name, formatter in FORMATTERS.items():
        output = formatter(first, _summary(first))
        if name in ("text", "github"):  # one line per finding: content cannot forge a line
            assert len(output.rstrip("\n").split("\n")) == len(first) + 1, name
    return first


def _summary(diagnostics: list[Diagnostic]) -> Summary:
    return Summary.of(diagnostics, 0)


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty directory the generated files claim to live in (nothing is written there)."""
    return tmp_path_factory.mktemp("fuzz")


def site_config(root: Path) -> OpsbookConfig:
    return OpsbookConfig(root=root, docs_dir=root / "docs", runbooks_dir=root / "runbooks",
                         today=TODAY)


# ---------------------------------------------------------------------------------------------
# Generated frontmatter: values of every schema field, of the right type or not.

IDS = ["ana", "ben", "core", "api", "api-down", "SEV1", "P1", "hostco", "ghost", "Ana Silva",
       "", "1", "a b", "x" * 70]
TEXTS = [
    "SEV1", "P1", "Critical", "5m", "15 minutes", "next business day", "Immediate",
    "+1 202-555-0143", "+44 20 7946 0222", "+1-XXX-XXX-XXXX", "202-555-014", "[Name]",
    "[Phone number]", "TBD", "______ (UPDATE THIS!)", "Engineer A", "<your-email>",
    "ana.silva@example.com", "not-an-email", "@ana", "#core-oncall", "America", "America/Chicago",
    "Europe/London", "EST", "https://support.example.com", "<script>alert(1)</script>",
    "{{ 7*7 }}", "{% include '/etc/passwd' %}", "2026-13-45", "", " ", "\t", "é", "âš ï¸",
    "a\u2028b", "x\u0085y", "line\nbreak",
]
DURATIONS = ["0m", "5m", "15m", "30m", "1h", "4h", "1d", "3d", "90d", "next business day",
             "1.5h", "0s", "-5m", "5 minutes", "soon"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.dates(),
    st.text(max_size=24), st.sampled_from(TEXTS), st.sampled_from(IDS),
)
any_value = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "name", "x", "after", "notify"]) | st.text(max_size=6),
                      children, max_size=4),
    max_leaves=12,
)


def field_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Mostly well-typed values for ``spec``, sometimes anything at all."""
    typed: st.SearchStrategy[Any]
    if spec.type == "string":
        typed = st.sampled_from(TEXTS + IDS) | st.text(max_size=20)
    elif spec.type == "id":
        typed = st.sampled_from(IDS)
    elif spec.type == "duration":
        typed = st.sampled_from(DURATIONS)
    elif spec.type == "date":
        typed = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1))
    elif spec.type == "datetime":
        typed = st.datetimes(min_value=dt.datetime(2020, 1, 1)) | st.sampled_from(
            ["2026-12-24T10:00", "2026-12-24 10:00:00Z", "9999-12-31T23:59+14:00", "later"])
    elif spec.type == "boolean":
        typed = st.booleans()
    elif spec.type in ("string-list", "id-list"):
        typed = st.lists(st.sampled_from(IDS + TEXTS[:6]), max_size=4)
    else:
        assert spec.items is not None
        typed = st.lists(object_value(spec.items), max_size=4)
    return st.one_of(typed, typed, typed, any_value)


def object_value(spec: ObjectSpec) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {}, optional={field.name: st.deferred(lambda f=field: field_value(f))
                      for field in spec.fields},
    ) | st.dictionaries(st.sampled_from([f.name for f in spec.fields] + ["bogus"]), any_value,
                        max_size=4)


@st.composite
def frontmatter(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from([*sorted(KIND_SPECS), None, "runbok", ""]))
    spec = KIND_SPECS.get(kind or "runbook", KIND_SPECS["runbook"])
    data = draw(object_value(spec))
    if kind is not None:
        data = {"kind": kind, **data}
    text = yaml.safe_dump(
        data, allow_unicode=draw(st.booleans()), sort_keys=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, None, True])), width=draw(
            st.sampled_from([80, 20, 1000])),
    )
    return str(text)


# ---------------------------------------------------------------------------------------------
# Generated Markdown: the shapes the checks look at, mixed with noise.

WORDS = ["Phone", "On-call", "Escalation", "SEV1", "P2", "Acknowledge", "Response time",
         "Name", "Email", "contact", "template", "status update", "the", "api", "core", "x"]
CELLS = ["SEV1", "P1 - Critical", "5 minutes", "15 min", "Immediate", "Next business day",
         "[Name]", "+1-XXX-XXX-XXXX", "TBD", "ana", "", "`code | pipe`", "a \\| b", "**SEV2**"]
LINES = [
    "# Heading", "## Symptoms", "## Escalation", "### SEV1 - Critical", "Title\n=====",
    "Phone: +1-XXX-XXX-XXXX", "**On-call manager:** [Name] - [Phone]", "- Email: TBD",
    "SEV1: 5 minutes", "  Acknowledge: 15 minutes", "Response time:", "  P1: Immediate",
    "Respond to P1 alerts within 15 minutes.", "<!-- opsbook: disable OB110 -->",
    "<!-- opsbook: disable-file OB204 -->", "<!-- opsbook: template -->",
    "<!-- opsbook: end-template -->", "{{ contact_card(\"ana\") }}",
    "{{ escalation_ladder(\"x\") }}",
    "{{ severity_table() }}", "{{ who_to_call(7*7) }}", "{{ 7*7 }}", "{% include '/etc/passwd' %}",
    "```bash", "```", "~~~yaml", "~~~", "```template", "kubectl logs deploy/api | grep \"error",
    "echo 'unclosed", "$ curl -s https://example.com", "| a | b |", "|---|---|", "> quote",
    "- [ ] task", "- [x] done", "[link](https://example.com)", "[^1]: footnote", "âš ï¸ warning",
    "\t- tabbed", "    indented code", "", " ", "|", "-", "#", "```", "<", "[", "(",
]


@st.composite
def table(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 4))
    header = draw(st.lists(st.sampled_from(WORDS + CELLS), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(st.sampled_from(CELLS + WORDS), min_size=1, max_size=width + 1),
                         max_size=4))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


markdown_line = st.one_of(
    st.sampled_from(LINES), st.sampled_from(LINES), table(),
    st.builds(lambda indent, word, cell: " " * indent + f"- {word}: {cell}",
              st.integers(0, 8), st.sampled_from(WORDS), st.sampled_from(CELLS)),
    st.text(max_size=40),
)


@st.composite
def markdown(draw: st.DrawFn) -> str:
    return "\n".join(draw(st.lists(markdown_line, max_size=25)))


# ---------------------------------------------------------------------------------------------
# Whole files: frontmatter + body, then damaged the ways files get damaged.

DAMAGE = ["none", "none", "none", "bom", "crlf", "cr", "truncate", "salt", "tabs", "unclose"]


@st.composite
def markdown_file(draw: st.DrawFn) -> bytes:
    body = draw(markdown())
    text = ("---\n" + draw(frontmatter()) + "---\n" + body) if draw(st.booleans()) else body
    damage = draw(st.sampled_from(DAMAGE))
    if damage == "crlf":
        text = text.replace("\n", "\r\n")
    elif damage == "cr":
        text = text.replace("\n", "\r")
    elif damage == "tabs":
        text = text.replace("  ", "\t")
    elif damage == "unclose":
        text = text.replace("\n---\n", "\n", 1)
    data = text.encode()
    if damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "salt":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


PATHS = ["docs/index.md", "docs/contacts.md", "docs/severity.md", "docs/team.md",
         "runbooks/api/api-down.md", "runbooks/api/api-slow.md", "runbooks/db/failover.md",
         "notes.md"]

file_sets = st.dictionaries(st.sampled_from(PATHS), markdown_file(), min_size=1, max_size=5)


@SLOW_OK
@given(files=file_sets, seed=st.integers(0, 2**32))
def test_generated_files(fuzz_root: Path, files: dict[str, bytes], seed: int) -> None:
    assert_contract(site_config(fuzz_root), fuzz_root, files, seed)


@SLOW_OK
@given(files=file_sets, seed=st.integers(0, 2**32))
def test_generated_loose_files(fuzz_root: Path, files: dict[str, bytes], seed: int) -> None:
    """The same files checked as loose Markdown (no site): the free-text rules only."""
    config = OpsbookConfig.for_loose_files(fuzz_root)
    config = replace(config, today=TODAY)
    assert_contract(config, fuzz_root, files, seed)


# Byte soup from YAML and Markdown tokens: the paths the structured strategies rarely reach.
TOKENS = [
    "---", "---\n", "\n", "\n", ":", ": ", " ", "  ", "- ", "\t", "&a ", "*a", "&b [*a, *a]",
    "!!str ", "!!python/object/apply:os.system ", "!x ", "[", "]", "{", "}", ",", "'", '"',
    "|", ">", "#", "? ", "<<: *a", "kind", "kind: ", "runbook", "contacts", "severity-matrix",
    "template", "people", "teams", "levels", "escalation", "id", "phone", "after", "notify",
    "+1-XXX-XXX-XXXX", "SEV1", "5m", "2026-02-30", "{{ ", " }}", "contact_card(", "\"ana\"",
    "```", "~~~", "bash", "<!-- opsbook: disable OB110 -->", "<!-- opsbook: template -->", "| ",
    "\r\n", "\r", "\ufeff", "\u2028", "\u0085", "\x00", "\x07", "é", "Ã©", "\\", "%", "@",
]
soup = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=60).map(lambda parts: "".join(parts).encode()),
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@SLOW_OK
@given(files=st.dictionaries(st.sampled_from(PATHS), soup, min_size=1, max_size=4),
       seed=st.integers(0, 2**32))
def test_byte_soup(fuzz_root: Path, files: dict[str, bytes], seed: int) -> None:
    assert_contract(site_config(fuzz_root), fuzz_root, files, seed)


# ---------------------------------------------------------------------------------------------
# Mutations of the reference handbook (read from this repository, never written).


def reference_files() -> dict[str, bytes]:
    config = load_config(REPO_ROOT / "mkdocs.yml")
    return {path.relative_to(REPO_ROOT).as_posix(): path.read_bytes()
            for path in site_files(config)}


REFERENCE = reference_files()
REFERENCE_NAMES = sorted(REFERENCE)
_KEY_LINE = re.compile(rb"^(\s*(?:- )?[\w-]+:)( ?)(.*)$")
FLIPS = [b"[{v}]", b"42", b"{{x: {v}}}", b"", b"2026-01-01", b"true", b"'{v}", b"*nowhere",
         b"&anchor {v}", b"!!python/object/apply:os.system [{v}]", b"[[{v}]]", b"- {v}",
         b"\"{v}", b"{v} {v}", b"null", b"1e999", b"0x1F", b"|", b">-"]


def reference_config() -> OpsbookConfig:
    config = load_config(REPO_ROOT / "mkdocs.yml")
    config = replace(config, today=TODAY)
    return config


Mutation = tuple[str, str, int, int, bytes]
"""(operation, file, position, other position, payload): small, so a failing case reads well."""

OPERATIONS = ["delete", "duplicate", "swap", "flip", "flip", "flip", "truncate", "insert",
              "crlf", "bom", "salt", "empty"]

mutations = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS), st.sampled_from(REFERENCE_NAMES),
        st.integers(0, 10**6), st.integers(0, 10**6),
        st.one_of(st.sampled_from(FLIPS), st.sampled_from(LINES).map(str.encode),
                  st.binary(min_size=1, max_size=6)),
    ),
    min_size=1, max_size=6,
)


def mutate(files: dict[str, bytes], mutation: Mutation) -> None:
    """Apply one edit to one file of ``files`` (in place). Positions wrap around the file."""
    op, name, position, other, payload = mutation
    data = files[name]
    lines = data.split(b"\n")
    index, other = position % len(lines), other % len(lines)
    if op == "delete":
        del lines[index]
    elif op == "duplicate":
        lines.insert(index, lines[index])
    elif op == "swap":
        lines[index], lines[other] = lines[other], lines[index]
    elif op == "flip":
        keyed = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]
        if keyed:
            index = keyed[position % len(keyed)]
            match = _KEY_LINE.match(lines[index])
            assert match is not None
            lines[index] = match.group(1) + b" " + payload.replace(b"{v}", match.group(3) or b"x")
    elif op == "insert":
        lines.insert(index, payload)
    files[name] = b"\n".join(lines)
    if op == "truncate":
        files[name] = data[: position % (len(data) + 1)]
    elif op == "crlf":
        files[name] = data.replace(b"\n", b"\r\n")
    elif op == "bom":
        files[name] = b"\xef\xbb\xbf" + data
    elif op == "salt":
        at = position % (len(data) + 1)
        files[name] = data[:at] + payload + data[at:]
    elif op == "empty":
        files[name] = b""


def mutated(edits: list[Mutation]) -> dict[str, bytes]:
    files = dict(REFERENCE)
    for edit in edits:
        mutate(files, edit)
    return files


def test_reference_handbook_is_clean() -> None:
    """The baseline the mutations start from: every finding below comes from a mutation."""
    assert check(reference_config(), REPO_ROOT, REFERENCE) == []


@SLOW_OK
@given(edits=mutations, seed=st.integers(0, 2**32))
def test_mutated_reference_handbook(edits: list[Mutation], seed: int) -> None:
    assert_contract(reference_config(), REPO_ROOT, mutated(edits), seed)


# ---------------------------------------------------------------------------------------------
# Parallel = serial.


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as executor:
        yield executor


def _check_in_worker(root: str, names: list[str], config_file: str | None) -> list[dict[str, Any]]:
    """Run in a pool process: check ``names`` (or the site) from ``root``."""
    with contextlib.chdir(root):
        config = Path(config_file) if config_file else None
        run = check_paths([Path(name) for name in names], config, today=TODAY)
    return [diagnostic.to_dict() for diagnostic in run.diagnostics]


def _serial(root: Path, names: list[str], config_file: str | None) -> list[dict[str, Any]]:
    return _check_in_worker(str(root), names, config_file)


@contextlib.contextmanager
def written(files: dict[str, bytes]) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="opsbook-fuzz-"))
    try:
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _merge(parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    merged = [diagnostic for part in parts for diagnostic in part]
    return sorted(merged, key=lambda d: (d["path"], d["line"], d["column"], d["rule"],
                                         d["message"]))


BODY_ONLY = st.dictionaries(
    st.sampled_from([f"page-{index}.md" for index in range(8)]),
    markdown().map(str.encode), min_size=2, max_size=8,
)


@settings(SLOW_OK, max_examples=PROCESS_EXAMPLES)
@given(files=BODY_ONLY, split=st.integers(1, 7), seed=st.integers(0, 2**32))
def test_loose_files_split_across_processes(
    pool: ProcessPoolExecutor, files: dict[str, bytes], split: int, seed: int
) -> None:
    """Free-text rules look at one file at a time: checking halves in two processes and
    merging gives exactly the serial result, and the order of the paths does not matter."""
    with written(files) as root:
        names = sorted(files)
        serial = _serial(root, names, None)
        shuffled = list(names)
        random.Random(seed).shuffle(shuffled)
        assert _serial(root, shuffled, None) == serial
        cut = split % len(names) or 1
        halves = [names[:cut], names[cut:]]
        parts = list(pool.map(_check_in_worker, [str(root)] * 2, halves, [None, None]))
        assert _merge(parts) == serial


@settings(SLOW_OK, max_examples=PROCESS_EXAMPLES)
@given(edits=mutations)
def test_site_checked_in_two_processes_at_once(
    pool: ProcessPoolExecutor, edits: list[Mutation]
) -> None:
    site = {**mutated(edits), "mkdocs.yml": (REPO_ROOT / "mkdocs.yml").read_bytes()}
    with written(site) as root:
        serial = _serial(root, [], str(root / "mkdocs.yml"))
        futures = [pool.submit(_check_in_worker, str(root), [], str(root / "mkdocs.yml"))
                   for _ in range(2)]
        assert [future.result() for future in futures] == [serial, serial]
