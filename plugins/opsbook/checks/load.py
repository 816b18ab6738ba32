"""OB0xx: files that cannot be loaded, and frontmatter that does not fit its kind."""

from __future__ import annotations

from collections.abc import Iterator

from opsbook.checks.examples import (
    CONTACTS_PATH,
    EXAMPLE_RUNBOOK,
    JONAS,
    JONAS_PHONE,
    JONAS_SHEET,
    contacts_sheet,
)
from opsbook.checks.rule import Family, Rule
from opsbook.checks.text import BOM, LINE_ENDINGS
from opsbook.diagnostics import Diagnostic, Level, Position
from opsbook.load.confine import refused_includes
from opsbook.model.project import KIND_SPECS, Project

UNREADABLE = Rule(
    "OB001", "unreadable-file", Level.ERROR,
    "A file cannot be read.",
    "A handbook page that cannot be read is a page nobody sees mid-incident, and the rest of "
    "the checks cannot vouch for it.",
    "runbooks/db.md  (mode 000)",
    "runbooks/db.md  (mode 644)",
    "check the file exists, is a regular file and is readable",
)
NOT_UTF8 = Rule(
    "OB002", "not-utf8", Level.ERROR,
    "A file is not UTF-8 text (wrong encoding, or binary).",
    "Pages in another encoding render as garbage and break search; a binary file named .md "
    "is usually an accident.",
    (
        '# Café runbook\n'
        '\n'
        'Call the café owner.\n'
    ),
    (
        '# Café runbook\n'
        '\n'
        'Call the café owner.\n'
    ),
    "re-save the file as UTF-8",
    example_path='handbook.md',
    example_encoding='latin-1',
)
INVALID_YAML = Rule(
    "OB003", "invalid-yaml", Level.ERROR,
    "Frontmatter is not valid YAML (or uses tags, which are not allowed).",
    "MkDocs would drop the metadata silently or fail with an error that does not name the "
    "line; opsbook points at the YAML error.",
    EXAMPLE_RUNBOOK.replace("alerts: [PaymentsDown]", "alerts: [PaymentsDown"),
    EXAMPLE_RUNBOOK,
    "fix the YAML syntax at the reported line",
    example_path='runbooks/payments/payments-down.md',
)
BAD_FRONTMATTER = Rule(
    "OB004", "frontmatter-not-mapping", Level.ERROR,
    "Frontmatter is not closed, or is not a mapping of keys to values.",
    "An unclosed `---` fence swallows the page into the metadata; a list or a bare string "
    "cannot say what the file is.",
    (
        '---\n'
        '- id: payments-down\n'
        '---\n'
        '\n'
        '# Payments are failing\n'
    ),
    EXAMPLE_RUNBOOK,
    "write `key: value` lines between two `---` lines",
    example_path='runbooks/payments/payments-down.md',
)
UNKNOWN_KIND = Rule(
    "OB005", "unknown-kind", Level.ERROR,
    "`kind:` names something opsbook does not know.",
    "A typo in `kind` would make opsbook skip every check that applies to the file.",
    (
        '---\n'
        'kind: runbok\n'
        '---\n'
        '# Status\n'
    ),
    (
        '---\n'
        'kind: template\n'
        '---\n'
        '# Status\n'
    ),
    "use one of: " + ", ".join(sorted(KIND_SPECS)),
    example_path='docs/status.md',
)
UNKNOWN_FIELD = Rule(
    "OB006", "unknown-field", Level.ERROR,
    "Frontmatter has a key the kind does not define.",
    "Typos must not pass silently: `severty: SEV1` would leave the runbook without a "
    "severity and nobody would notice.",
    EXAMPLE_RUNBOOK.replace("---\n\n", "review_evry: 90d\n---\n\n"),
    EXAMPLE_RUNBOOK.replace("---\n\n", "review_every: 90d\n---\n\n"),
    "remove the key or fix its spelling",
    example_path='runbooks/payments/payments-down.md',
)
INVALID_FIELD = Rule(
    "OB007", "invalid-field", Level.ERROR,
    "A required field is missing or a value has the wrong type.",
    "The site, the PDF and the checks rely on these fields; a wrong type (a number where an "
    "id belongs, a phone number YAML read as an integer) breaks them quietly.",
    contacts_sheet("people:", *JONAS, "    phone: +442079460321"),
    JONAS_SHEET,
    "give the field the expected type",
    example_path=CONTACTS_PATH,
)
DUPLICATE_KEY = Rule(
    "OB008", "duplicate-yaml-key", Level.ERROR,
    "The same key appears twice in one mapping.",
    "YAML keeps the last value silently, so the first one (often the correct phone number) "
    "is lost without a word.",
    contacts_sheet("people:", *JONAS, JONAS_PHONE, '    phone: "+44 20 7946 0999"'),
    JONAS_SHEET,
    "remove one of the two keys",
    example_path=CONTACTS_PATH,
)
TOO_LARGE = Rule(
    "OB009", "input-too-large", Level.ERROR,
    "A file, or its expanded frontmatter, is too large to check.",
    "A 50 MB page or a YAML alias bomb would stall every check and build; it is refused "
    "with a message instead.",
    EXAMPLE_RUNBOOK.replace(
        "---\n\n",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: [*d, *d, *d]\n"
        "---\n\n",
    ),
    EXAMPLE_RUNBOOK,
    "split the file, or write values out instead of using aliases",
    example_path='runbooks/payments/payments-down.md',
)

OUTSIDE_PROJECT = Rule(
    "OB010", "outside-project", Level.ERROR,
    "A file reaches outside the project: a link to a file or folder outside it, or a snippet "
    "include of an absolute, `../` or URL path.",
    "Whatever it names would be published as part of the handbook (another checkout, a key "
    "file, the build machine's /etc) in the site, its search index and the PDFs. opsbook "
    "reads none of it and leaves it out of every build, strict or not.",
    '--8<-- "../secrets/oncall.md"',
    '--8<-- "docs/snippets/oncall.md"',
    "keep what a page includes inside the project, named by a relative path without `..`; "
    "copy a linked file into the project instead of linking to it",
)

RULES = (UNREADABLE, NOT_UTF8, INVALID_YAML, BAD_FRONTMATTER, UNKNOWN_KIND, UNKNOWN_FIELD,
         INVALID_FIELD, DUPLICATE_KEY, TOO_LARGE, OUTSIDE_PROJECT)


def check_load(project: Project) -> Iterator[Diagnostic]:
    """Turn what the loader and the schema found into diagnostics."""
    for document in project.documents:
        for problem in document.problems:
            rule = _BY_ID[problem.rule]
            yield rule.at(
                document.display_path,
                Position(problem.line, problem.column),
                problem.message,
                problem.hint or None,
            )
    for document in project.unknown_kinds:
        yield UNKNOWN_KIND.at(
            document.display_path,
            document.position(("kind",)),
            f"unknown kind {document.kind!r}",
        )
    for document, schema_problem in project.schema_problems:
        position = (
            document.key_position(schema_problem.path)
            if schema_problem.at_key
            else document.position(schema_problem.path)
        )
        rule = UNKNOWN_FIELD if schema_problem.rule == "OB006" else INVALID_FIELD
        yield rule.at(
            document.display_path, position, schema_problem.message, schema_problem.hint or None
        )
    for document in project.documents:
        if document.text is None or "8<-" not in document.text:
            continue
        for include in refused_includes(document.text.split("\n")):
            yield OUTSIDE_PROJECT.at(
                document.display_path,
                Position(include.line, include.column),
                f"snippet include of {include.path!r}, outside the project: left out of the "
                "site, its search index and the PDFs",
            )


# The loader records problems by rule id (it sits below the checks and cannot import them);
# a byte order mark and mixed line endings are seen while decoding but belong to the text rules.
_BY_ID: dict[str, Rule] = {rule.id: rule for rule in (*RULES, BOM, LINE_ENDINGS)}

FAMILY = Family("OB0", "Loading files", RULES, check_load)
