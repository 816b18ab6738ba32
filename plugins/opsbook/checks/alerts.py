"""OB7xx: Prometheus alerting rules and the runbooks that answer them.

With the `alert_rules` option, every alert a rule defines should be answered by a runbook (its
`alerts:`), every alert a runbook answers should exist, and each rule's ``runbook_url`` should
open that runbook on the published site (a ``runbook`` annotation naming the runbook's Markdown
file, as GitLab's rules carry, links it too). Teams write one alert name twice (a warning and a
critical threshold) and template their URLs (``{{ $labels.x }}``): neither is a finding.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from opsbook.checks.examples import (
    ALERT_RULES_PATH,
    ALERTS_CONFIG,
    ALERTS_CONTEXT,
    EXAMPLE_ALERT_RULES,
    EXAMPLE_RUNBOOK,
    RUNBOOK_PATH,
)
from opsbook.checks.rule import Family, Input, Rule
from opsbook.diagnostics import Diagnostic, Level, Related
from opsbook.model.alerts import AlertRule, AlertRuleFile, AlertRules, runbook_link
from opsbook.model.project import MARKDOWN_SUFFIXES, Project
from opsbook.model.runbook import Runbook
from opsbook.model.severity import SeverityLevel, SeverityMatrix
from opsbook.model.urls import alert_redirect, runbook_page_path
from opsbook.settings import OpsbookConfig

_RULE_FILES = tuple(item for item in ALERTS_CONTEXT if item[0] != ALERT_RULES_PATH)
_SYNC = "run `opsbook alerts sync` to write it"

INVALID_RULE_FILE = Rule(
    "OB701", "invalid-alert-rule-file", Level.ERROR,
    "A file named by `alert_rules` is not a readable Prometheus rule file.",
    "A rule file opsbook cannot read is one whose alerts nobody checks: the runbooks they need "
    "and the links they carry go unverified, and Prometheus would likely refuse it too.",
    EXAMPLE_ALERT_RULES.replace("        expr: |\n", "        exp: |\n"),
    EXAMPLE_ALERT_RULES,
    "fix the rule at this line: an alerting rule needs `alert` (a name) and `expr`",
    example_path=ALERT_RULES_PATH,
    example_context=_RULE_FILES,
)
UNMATCHED_PATTERN = Rule(
    "OB702", "alert-rules-pattern-matches-nothing", Level.WARNING,
    "A pattern under `alert_rules` in mkdocs.yml matches no file.",
    "A moved or renamed rules folder would otherwise turn the alert checks off without a word.",
    ALERTS_CONFIG.replace("        - alerts/*.rules.yml\n",
                          "        - alerts/*.rules.yml\n        - monitoring/rules/*.yaml\n"),
    ALERTS_CONFIG,
    "correct the pattern (relative to mkdocs.yml; `**` matches any folders), or remove it",
    reads=frozenset({Input.ALERT_RULES}),
    example_path="mkdocs.yml",
    example_context=tuple(item for item in ALERTS_CONTEXT if item[0] != "mkdocs.yml"),
)
ALERT_WITHOUT_RUNBOOK = Rule(
    "OB703", "alert-without-runbook", Level.WARNING,
    "An alert rule fires an alert no runbook answers.",
    "Whoever is paged for it finds nothing in the handbook. An alert whose `runbook_url` "
    "leads to another site (an upstream mixin's runbooks) is answered there and not reported.",
    EXAMPLE_ALERT_RULES + (
        "      - alert: PaymentsRefundsStuck\n"
        "        expr: payment_refunds_pending_oldest_seconds > 3600\n"
        "        labels:\n"
        "          severity: warning\n"
    ),
    EXAMPLE_ALERT_RULES,
    "list the alert under `alerts:` of the runbook that answers it (or write one: "
    "`opsbook new runbook ID`)",
    reads=frozenset({Input.RUNBOOK}),
    example_path=ALERT_RULES_PATH,
    example_context=_RULE_FILES,
)
RUNBOOK_ALERT_WITHOUT_RULE = Rule(
    "OB704", "runbook-alert-without-rule", Level.WARNING,
    "A runbook answers an alert that no rule file defines.",
    "A renamed or deleted alert leaves its runbook unreachable from the page, and the name in "
    "`alerts:` then sends searchers after an alert that never fires.",
    EXAMPLE_RUNBOOK.replace("alerts: [PaymentsDown]", "alerts: [PaymentsDown, PaymentsDwon]"),
    EXAMPLE_RUNBOOK,
    "correct the alert name, or remove it if the alert is gone (alerts defined elsewhere: add "
    "their rule files to `alert_rules`)",
    reads=frozenset({Input.ALERT_RULES}),
    example_path=RUNBOOK_PATH,
    example_context=ALERTS_CONTEXT,
)
MISSING_URL = Rule(
    "OB705", "missing-runbook-url", Level.WARNING,
    "An alert rule answered by a runbook has no `runbook_url` annotation (nor a `runbook` "
    "annotation naming its file).",
    "Alertmanager, Grafana and the pager show `runbook_url` as the link to follow; without it "
    "the on-call engineer searches the handbook mid-incident.",
    EXAMPLE_ALERT_RULES.replace(
        "          runbook_url: https://handbook.example.com/runbooks/payments/payments-down/\n",
        ""),
    EXAMPLE_ALERT_RULES,
    f"add a `runbook_url` annotation; {_SYNC}",
    reads=frozenset({Input.RUNBOOK}),
    example_path=ALERT_RULES_PATH,
    example_context=_RULE_FILES,
)
WRONG_URL = Rule(
    "OB706", "wrong-runbook-url", Level.ERROR,
    "An alert's `runbook_url` (or `runbook` file) does not open the runbook that answers it.",
    "A stale link (a moved runbook, a copied rule) sends the on-call engineer to the wrong page "
    "or to a 404 at the worst moment. Accepted: the runbook's page (any section of it), the "
    "alert index's `alerts/#<AlertName>` and, with `alert_pages`, the alert's own page.",
    EXAMPLE_ALERT_RULES.replace("payments/payments-down/", "payments/payments-slow/"),
    EXAMPLE_ALERT_RULES,
    f"point it at the runbook's page; {_SYNC}",
    reads=frozenset({Input.RUNBOOK}),
    example_path=ALERT_RULES_PATH,
    example_context=_RULE_FILES,
)
SEVERITY_DISAGREES = Rule(
    "OB707", "alert-severity-disagrees", Level.WARNING,
    "No rule of an alert carries the severity of the runbook that answers it.",
    "The page says SEV1 while the alert is routed as a warning (or the reverse): one of the two "
    "sends the incident to the wrong people at the wrong speed. One alert name with a warning "
    "and a critical rule is fine as long as one of them matches the runbook.",
    EXAMPLE_ALERT_RULES.replace("severity: critical", "severity: warning"),
    EXAMPLE_ALERT_RULES,
    "change the `severity` label, or the runbook's `severity`, so that they name the same "
    "level of the severity matrix",
    reads=frozenset({Input.RUNBOOK, Input.MATRIX}),
    example_path=ALERT_RULES_PATH,
    example_context=_RULE_FILES,
)
UNKNOWN_SEVERITY_LABEL = Rule(
    "OB708", "unknown-alert-severity", Level.WARNING,
    "An alert's `severity` (or `priority`) label is no level or alias of the severity matrix.",
    "opsbook cannot tell whether the alert and its runbook agree, and readers cannot tell which "
    "response times apply. Reported once per value and file.",
    EXAMPLE_ALERT_RULES.replace("severity: critical", "severity: page"),
    EXAMPLE_ALERT_RULES,
    "add the value to a level's `aliases` in the severity matrix (e.g. `aliases: [P1, "
    "critical]`), or use a level's name",
    reads=frozenset({Input.RUNBOOK, Input.MATRIX}),
    example_path=ALERT_RULES_PATH,
    example_context=_RULE_FILES,
)

RULES = (INVALID_RULE_FILE, UNMATCHED_PATTERN, ALERT_WITHOUT_RUNBOOK, RUNBOOK_ALERT_WITHOUT_RULE,
         MISSING_URL, WRONG_URL, SEVERITY_DISAGREES, UNKNOWN_SEVERITY_LABEL)

_LOAD_HINTS = {
    "OB001": "check the file exists, is a regular file and is readable",
    "OB002": "re-save the file as UTF-8",
}


# --- where an alert's runbook_url may point ---------------------------------------------------


def is_templated(url: str) -> bool:
    """A Go template (``{{ $labels.x }}``, ``{{ $externalURL }}``): known only when it fires."""
    return "{{" in url


def _normal_path(path: str) -> str:
    """``a/b/index.html`` and ``a/b`` as ``a/b/``; ``a/b.html`` kept."""
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    if path and not path.endswith(("/", ".html")):
        path += "/"
    return path


def _site_base(config: OpsbookConfig) -> str:
    return config.site_url.rstrip("/") + "/"


def _site_host(config: OpsbookConfig) -> str:
    return urlsplit(config.site_url).netloc.lower()


def runbook_page_url(config: OpsbookConfig, runbook: Runbook) -> str:
    """The runbook's page on the published site (the URL `opsbook alerts sync` writes)."""
    return _site_base(config) + runbook_page_path(config, runbook)


def alert_index_url(config: OpsbookConfig, alert: str) -> str:
    """The alert index's stable forwarding address for ``alert``."""
    index = "alerts/" if config.directory_urls else "alerts/index.html"
    return f"{_site_base(config)}{index}#{alert}"


def _targets(config: OpsbookConfig, runbook: Runbook) -> list[tuple[str, frozenset[str] | None]]:
    """Site paths (normalised) that open ``runbook``, each with the fragments it needs (None:
    any fragment)."""
    alerts = frozenset(runbook.alerts)
    targets: list[tuple[str, frozenset[str] | None]] = [
        (_normal_path(runbook_page_path(config, runbook)), None),
        ("alerts/", alerts),
    ]
    if config.alert_pages:
        for alert in runbook.alerts:
            page = alert_redirect(alert, config.directory_urls)
            if page is not None:
                targets.append((_normal_path(page), None))
    return targets


def _site_relative(url: str, config: OpsbookConfig) -> str | None:
    """The path of ``url`` below the site's root (site_url), or None when it is elsewhere."""
    parts = urlsplit(url)
    if parts.netloc.lower() != _site_host(config):
        return None
    base = urlsplit(config.site_url).path
    base = base if base.endswith("/") else base + "/"
    path = parts.path or "/"
    if not (path + "/").startswith(base) and path != base.rstrip("/"):
        return None
    return path[len(base):] if len(path) >= len(base) else ""


def opens_runbook(url: str, config: OpsbookConfig, runbook: Runbook) -> bool:
    """Whether a (static) ``url`` opens ``runbook``'s page; without site_url only the path is
    compared (its end: the site may live below a path)."""
    parts = urlsplit(url.strip())
    fragment = parts.fragment
    if config.site_url:
        relative = _site_relative(url.strip(), config)
        if relative is None:
            return False
        relative = _normal_path(relative)
        return any(relative == target and (fragments is None or fragment in fragments)
                   for target, fragments in _targets(config, runbook))
    path = _normal_path(parts.path)
    return any(
        (path == "/" + target or path.endswith("/" + target) or path == target)
        and (fragments is None or fragment in fragments)
        for target, fragments in _targets(config, runbook)
    )


def _static_host(url: str) -> str | None:
    """The host of a templated URL when its fixed beginning spells it out in full."""
    prefix = url.split("{{", 1)[0]
    if "://" not in prefix:
        return None
    rest = prefix.split("://", 1)[1]
    if "/" not in rest:
        return None
    return rest.split("/", 1)[0].lower()


def leads_into_site(url: str, config: OpsbookConfig) -> bool:
    """Whether ``url`` is an address on the handbook's own site (only known with site_url, or
    for a URL with no host at all)."""
    url = url.strip()
    if is_templated(url):
        host = _static_host(url)
        return bool(config.site_url) and host is not None and host == _site_host(config)
    if not urlsplit(url).netloc:
        return bool(url)
    return bool(config.site_url) and _site_relative(url, config) is not None


@dataclass(frozen=True)
class UrlVerdict:
    """What is wrong with one rule's ``runbook_url`` (``ok``, ``missing`` or ``wrong``)."""

    status: str
    expected: str  # the runbook page's address ("" without site_url)


def url_verdict(config: OpsbookConfig, url: str | None, runbook: Runbook) -> UrlVerdict:
    """Whether ``url`` (a rule's runbook_url, None when it has none) opens ``runbook``."""
    expected = runbook_page_url(config, runbook) if config.site_url else ""
    url = (url or "").strip()
    if not url:
        return UrlVerdict("missing", expected)
    if is_templated(url):
        # Only a fixed beginning naming another host is certainly not this handbook.
        host = _static_host(url)
        wrong = bool(config.site_url) and host is not None and host != _site_host(config)
        return UrlVerdict("wrong" if wrong else "ok", expected)
    return UrlVerdict("ok" if opens_runbook(url, config, runbook) else "wrong", expected)


def names_source_file(value: str) -> bool:
    """Whether a ``runbook`` annotation names a Markdown file (GitLab: ``docs/x/alerts/y.md``)
    rather than an address of the site."""
    value = value.strip()
    return (not is_templated(value) and not urlsplit(value).scheme
            and value.lower().endswith(MARKDOWN_SUFFIXES))


def runbook_source_path(config: OpsbookConfig, runbook: Runbook) -> str:
    """The runbook's Markdown file as a ``runbook`` annotation names it: from mkdocs.yml's
    folder."""
    path = runbook.origin.document.path
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return runbook.origin.display_path


def opens_source(value: str, config: OpsbookConfig, runbook: Runbook) -> bool:
    """Whether a path names ``runbook``'s Markdown file: from mkdocs.yml's folder, or from a
    repository root above it (the path then ends with the runbook's)."""
    named = posixpath.normpath(value.strip().lstrip("/"))
    own = runbook_source_path(config, runbook)
    return named == own or runbook.origin.document.path.as_posix().endswith("/" + named)


def link_verdict(config: OpsbookConfig, link: tuple[str, str] | None,
                 runbook: Runbook) -> UrlVerdict:
    """Whether a rule's link (one of :attr:`AlertRule.links`; None when it has none) opens
    ``runbook``: a ``runbook`` path by the Markdown file it names, an address as a
    ``runbook_url``."""
    if link is not None and link[0] == "runbook" and names_source_file(link[1]):
        verdict = "ok" if opens_source(link[1], config, runbook) else "wrong"
        return UrlVerdict(verdict, runbook_source_path(config, runbook))
    return url_verdict(config, None if link is None else link[1], runbook)


def answering_runbooks(project: Project) -> dict[str, Runbook]:
    """Each lower-cased alert name to the runbook answering it (the first claim, as for the
    alert index's anchors and OB305)."""
    found: dict[str, Runbook] = {}
    for runbook in project.runbooks:
        for alert in runbook.alerts:
            found.setdefault(alert.strip().lower(), runbook)
    return found


PER_ALERT = frozenset({ALERT_WITHOUT_RUNBOOK.id, MISSING_URL.id, WRONG_URL.id,
                       SEVERITY_DISAGREES.id})
"""Rules whose finding on a rule file depends on one alert name only: its rules and the runbook
answering it (the check cache re-checks just the alerts a changed runbook claims)."""


def alert_at(rules: AlertRules, path: str, line: int) -> str | None:
    """The (lower-cased) name of the alert whose rule holds ``line`` of rule file ``path``."""
    for rule_file in rules.files:
        if rule_file.display_path != path:
            continue
        found = None
        for rule in rule_file.rules:
            if rule.position.line <= line:
                found = rule.name.strip().lower()
        return found
    return None


# --- the checks -------------------------------------------------------------------------------


def check_alerts(project: Project) -> Iterator[Diagnostic]:
    """The findings of the alert rules; those on a rule file that a ``# opsbook: disable``
    comment names are left out (YAML has no HTML comments for the Markdown suppressions)."""
    rules = project.alert_rules
    if rules is None:
        return
    files = {rule_file.display_path: rule_file for rule_file in rules.files}
    for diagnostic in _check_alerts(project, rules):
        rule_file = files.get(diagnostic.path)
        if rule_file is None or not rule_file.suppressions:
            yield diagnostic
            continue
        # On the finding's line, or on its rule's `alert:` line (or alone just above it).
        starts = [rule.position.line for rule in rule_file.rules
                  if rule.position.line <= diagnostic.line]
        lines = {diagnostic.line, max(starts)} if starts else {diagnostic.line}
        if not any(rule_file.suppresses(diagnostic.rule, line) for line in lines):
            yield diagnostic


def _check_alerts(project: Project, rules: AlertRules) -> Iterator[Diagnostic]:
    config = project.config
    answered = answering_runbooks(project)
    scope = rules.scope
    first = scope is None or scope.first
    if first:
        yield from _file_problems(project, rules)
    if first and project.wants(rules.config_display_path):
        for pattern, position in rules.unmatched:
            yield UNMATCHED_PATTERN.at(
                rules.config_display_path, position,
                f"alert_rules pattern {pattern!r} matches no file"
                + (" (patterns are relative to mkdocs.yml and stay inside the project)"
                   if pattern.startswith(("/", "..")) or "/../" in pattern else ""),
            )
    yield from _runbook_alerts_without_rule(project, rules)
    by_name: dict[str, list[AlertRule]] = {}
    wanted = [rule_file for rule_file in rules.files if project.wants(rule_file.display_path)]
    for rule_file in wanted:
        for rule in rule_file.rules:
            key = rule.name.strip().lower()
            if scope is not None and key not in scope.report:
                continue
            runbook = answered.get(key)
            if runbook is None:
                yield from _without_runbook(config, rule)
                continue
            by_name.setdefault(key, []).append(rule)
            yield from _url(config, rule, runbook)
    matrix = project.matrix
    if matrix is not None:
        yield from _severities(matrix, by_name, answered)
        if first:
            names = scope.answered if scope is not None else frozenset(answered)
            yield from _unknown_labels(matrix, wanted, names)


def _file_problems(project: Project, rules: AlertRules) -> Iterator[Diagnostic]:
    for rule_file in rules.files:
        if not project.wants(rule_file.display_path):
            continue
        for problem in rule_file.problems:
            hint = problem.hint or _LOAD_HINTS.get(problem.rule, INVALID_RULE_FILE.fix)
            yield Diagnostic(rule_file.display_path, problem.line, problem.column, problem.rule,
                             Level.ERROR, problem.message, hint)


def _runbook_alerts_without_rule(project: Project, rules: AlertRules) -> Iterator[Diagnostic]:
    # A rule file that could not be read at all would make every alert look undefined: its
    # own finding (OB701 and friends) says what to fix first.
    if any(rule_file.problems and not rule_file.rules for rule_file in rules.files):
        return
    defined = rules.by_name()
    for runbook in project.runbooks:
        path = runbook.origin.display_path
        if not project.wants(path):
            continue
        for index, alert in enumerate(runbook.alerts):
            if alert.strip().lower() not in defined:
                yield RUNBOOK_ALERT_WITHOUT_RULE.at(
                    path, runbook.origin.at("alerts", index),
                    f'runbook "{runbook.id}" answers alert "{alert}", which no rule in the '
                    "`alert_rules` files defines",
                )


def _without_runbook(config: OpsbookConfig, rule: AlertRule) -> Iterator[Diagnostic]:
    # Only the rule and the answering runbooks decide (not which page a link happens to
    # open): a check in chunks then finds exactly what a whole-site pass finds.
    name, url = runbook_link(rule.annotations) or ("runbook_url", "")
    url = url.strip()
    if url and not leads_into_site(url, config):
        return  # answered on another site (an upstream mixin's runbooks, a wiki)
    message = f'no runbook lists alert "{rule.name}" under `alerts:`'
    if url:
        message += (f"; its {name} ({url}) leads into the handbook, where no runbook "
                    "claims it")
    yield ALERT_WITHOUT_RUNBOOK.at(rule.display_path, rule.position, message)


def _url(config: OpsbookConfig, rule: AlertRule, runbook: Runbook) -> Iterator[Diagnostic]:
    """OB705 for a rule with no link to its runbook, OB706 for each link that opens another
    page."""
    where = f'runbook "{runbook.id}" ({runbook.origin.display_path})'
    exact = ("" if config.site_url else
             "; set `site_url` in mkdocs.yml to compare whole URLs (without it only the path "
             "is compared)")
    links = rule.links
    if not links:
        target = (runbook_page_url(config, runbook) if config.site_url
                  else runbook_page_path(config, runbook))
        yield MISSING_URL.at(
            rule.display_path, rule.position,
            f'alert "{rule.name}" has no runbook_url annotation; it is answered by {where}',
            f"add `runbook_url: {target}` under `annotations:`; "
            + (_SYNC if config.site_url else "set `site_url` in mkdocs.yml, then " + _SYNC),
        )
        return
    for name, value in links:
        verdict = link_verdict(config, (name, value), runbook)
        if verdict.status == "ok":
            continue
        if name == "runbook" and names_source_file(value):
            hint = f"name the runbook's file: `runbook: {verdict.expected}`"
        else:
            target = verdict.expected or runbook_page_path(config, runbook)
            hint = f"point it at {target}" + (f"; {_SYNC}" if config.site_url else exact)
        yield WRONG_URL.at(
            rule.display_path, rule.annotation_position(name),
            f'{name} of alert "{rule.name}" ({value}) does not open {where}', hint,
            related=(Related(runbook.origin.display_path, runbook.origin.at("alerts").line,
                             f'runbook "{runbook.id}" answers {rule.name}'),),
        )


def _level_names(level: SeverityLevel) -> str:
    return level.id


def _level_text(written: str, level: SeverityLevel) -> str:
    return written if written == level.id else f"{written} ({level.id})"


def _severities(
    matrix: SeverityMatrix, by_name: dict[str, list[AlertRule]], answered: dict[str, Runbook],
) -> Iterator[Diagnostic]:
    for key, rules in by_name.items():
        runbook = answered[key]
        expected = matrix.lookup(runbook.severity) if runbook.severity else None
        labelled: list[tuple[AlertRule, str, str, SeverityLevel]] = []
        undecided = False  # a templated or unknown label (OB708): the level is not known
        for rule in rules:
            for label, value, _position in rule.severity_labels():
                level = None if is_templated(value) else matrix.lookup(value)
                if level is None:
                    undecided = True
                else:
                    labelled.append((rule, label, value, level))
        if expected is None or undecided or not labelled:
            continue
        if any(level.id == expected.id for _rule, _label, _value, level in labelled):
            continue
        rule, label, value, level = labelled[0]
        written = ", ".join(dict.fromkeys(
            f"{lab}={val} ({lev.id})" for _r, lab, val, lev in labelled))
        several = "its rules are" if len(rules) > 1 else "it is"
        yield SEVERITY_DISAGREES.at(
            rule.display_path, rule.label_positions.get(label, rule.position),
            f'alert "{rule.name}": {several} labelled {written}, but its runbook '
            f'"{runbook.id}" is {_level_text(runbook.severity, expected)}',
            related=(Related(runbook.origin.display_path, runbook.origin.at("severity").line,
                             f'runbook "{runbook.id}" has severity {runbook.severity}'),),
        )


def _unknown_labels(
    matrix: SeverityMatrix, files: list[AlertRuleFile], answered: frozenset[str]
) -> Iterator[Diagnostic]:
    """OB708 once per file, label and value, at its first rule, for alerts a runbook answers
    (anywhere in the site: ``answered``)."""
    for rule_file in files:
        first: dict[tuple[str, str], tuple[AlertRule, str, str, int]] = {}
        for rule in rule_file.rules:
            if rule.name.strip().lower() not in answered:
                continue
            for label, value, _position in rule.severity_labels():
                if is_templated(value) or matrix.lookup(value) is not None:
                    continue
                key = (label, value.lower())
                if key in first:
                    seen = first[key]
                    first[key] = (seen[0], seen[1], seen[2], seen[3] + 1)
                else:
                    first[key] = (rule, label, value, 0)
        names = ", ".join(_level_names(level) for level in matrix.levels)
        for rule, label, value, more in first.values():
            also = f" (and {more} more rule{'s' if more != 1 else ''} in this file)" if more \
                else ""
            yield UNKNOWN_SEVERITY_LABEL.at(
                rule.display_path, rule.label_positions.get(label, rule.position),
                f'alert "{rule.name}" has {label}="{value}", which is no level or alias of the '
                f"severity matrix ({names}){also}",
            )


FAMILY = Family("OB7", "Alert rules", RULES, check_alerts)
