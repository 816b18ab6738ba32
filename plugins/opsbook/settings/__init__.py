"""opsbook's configuration: the `opsbook` plugin block of mkdocs.yml.

The block is read with MkDocs' own YAML loader (``!ENV`` and friends work) and validated with
the plugin's typed config class, so the CLI and the plugin share one source of truth.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from opsbook.diagnostics import Level
from opsbook.engine import EngineError
from opsbook.load.duration import Duration, parse_duration
from opsbook.settings.options import DEFAULT_REQUIRED_SECTIONS


class ConfigError(Exception):
    """A broken configuration: exit code 2, never a traceback."""


class NotAnOpsbookSite(ConfigError):
    """mkdocs.yml has no `opsbook` plugin: an ordinary MkDocs site, not a handbook."""


TODAY_VARIABLE = "OPSBOOK_TODAY"
"""Environment variable naming the day review deadlines are measured against (YYYY-MM-DD).
`opsbook check`, `opsbook pdf` and the MkDocs plugin all honour it, so a test, a CI job or a
rehearsal can pin the date for every path at once; `--today` on the command line wins."""


def parse_today(value: str, source: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"{source}: {value!r} is not a date (YYYY-MM-DD)") from None


def today_from_environment() -> dt.date:
    """The day from ``OPSBOOK_TODAY``, else the machine's date."""
    value = os.environ.get(TODAY_VARIABLE, "")
    return parse_today(value, TODAY_VARIABLE) if value.strip() else dt.date.today()




@dataclass(frozen=True)
class OpsbookConfig:
    """opsbook's settings: built once from the plugin block (or for loose files), never
    changed afterwards; a different day or URL style is a new value (``dataclasses.replace``)."""

    root: Path
    docs_dir: Path
    runbooks_dir: Path
    required_sections: tuple[str, ...] = DEFAULT_REQUIRED_SECTIONS
    review_every: Duration = field(default_factory=lambda: Duration(90 * 1440, "90d"))
    ignore: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    strict: bool = False
    site_url: str = ""
    today: dt.date = field(default_factory=today_from_environment)
    fail_on: Level = Level.ERROR
    redact: bool = False
    pdf: dict[str, Any] = field(default_factory=dict)
    site: bool = True  # False when checking loose files outside any opsbook site
    directory_urls: bool = True  # MkDocs' use_directory_urls (off under the offline plugin)
    alert_rules: tuple[str, ...] = ()  # globs of Prometheus rule files, relative to root
    alert_pages: bool = False  # the site writes a forwarding page per alert

    @classmethod
    def for_loose_files(cls, root: Path) -> OpsbookConfig:
        return cls(root=root, docs_dir=root, runbooks_dir=root / "runbooks", site=False)


def find_config(start: Path) -> Path | None:
    """``properdocs.yml`` or ``mkdocs.yml`` in ``start`` (see :mod:`opsbook.engine`)."""
    from opsbook.engine import find_config_file

    return find_config_file(start)


def _safe_config_loader() -> Any:
    """MkDocs' loader (``!ENV``, ``INHERIT``) on PyYAML's *safe* loader. MkDocs itself uses the
    full loader, which runs ``!!python/object/apply:os.system [...]`` while reading the file;
    `opsbook check` runs on pull requests and must not. Python tags (``!!python/name:...`` in
    Material's markdown_extensions) are kept as their text: opsbook reads only its own block and
    never imports or calls what a tag names."""
    import yaml

    from opsbook.engine import engine_module

    loader = engine_module("utils.yaml").get_yaml_loader(yaml.SafeLoader)

    def keep_tag(_loader: Any, suffix: str, _node: Any) -> str:
        return f"!!python/{suffix}"

    def plain_value(loader_: Any, node: Any) -> Any:
        return loader_.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None

    loader.add_multi_constructor("tag:yaml.org,2002:python/", keep_tag)
    loader.add_constructor("!relative", plain_value)
    return loader


MAX_CONFIG_BYTES = 1024 * 1024


def _check_inherit_chain(config_file: Path) -> None:
    """Each file of mkdocs.yml's ``INHERIT`` chain must be a regular file of at most 1 MB, and
    the chain must end: MkDocs reads a parent to its end, so ``INHERIT: /dev/zero`` (or a FIFO,
    or two files inheriting each other) would hang the check or exhaust its memory."""
    import yaml

    seen: list[Path] = []
    path = config_file
    while True:
        via = f" (INHERIT in {seen[-1]})" if seen else ""
        try:
            info = path.stat()
        except OSError as error:
            raise ConfigError(f"{path}{via}: cannot read: {error.strerror}") from None
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}{via}: not a regular file of at most 1 MB")
        seen.append(path)
        try:
            raw = yaml.load(path.read_bytes(), Loader=_safe_config_loader())
        except yaml.YAMLError:
            return  # MkDocs' loader words the error
        parent = raw.get("INHERIT") if isinstance(raw, dict) else None
        if not isinstance(parent, str):
            return
        path = Path(os.path.normpath(path.parent / parent))
        if path in seen or len(seen) > 8:
            chain = " -> ".join(str(item) for item in [*seen, path])
            raise ConfigError(f"{config_file}: INHERIT chain loops or is too long: {chain}")


def read_mkdocs_yml(config_file: Path) -> dict[str, Any]:
    """``config_file`` (mkdocs.yml) as a mapping, read as MkDocs reads it."""
    from opsbook.settings.options import read_plain_yaml

    try:
        # A tag-free file without MkDocs' import cost (see settings.options), else MkDocs'.
        raw = read_plain_yaml(config_file)
        if raw is None:
            from opsbook.engine import engine_module

            yaml_load = engine_module("utils.yaml", config_file).yaml_load
            _check_inherit_chain(config_file)
            with config_file.open("rb") as handle:
                raw = yaml_load(handle, loader=_safe_config_loader())
    except ConfigError:
        raise
    except EngineError as error:
        raise ConfigError(f"{config_file}: {error}") from None
    except OSError as error:
        raise ConfigError(f"{config_file}: cannot read: {error.strerror}") from None
    except Exception as error:  # MkDocs raises several YAML and config errors
        raise ConfigError(f"{config_file}: invalid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_file}: expected a mapping at the top level")
    return raw


def written_site_url(config_file: Path) -> str:
    """``site_url`` as ``config_file`` sets it: `mkdocs serve` replaces it with the dev
    server's address before any plugin sees the configuration, while the checks compare an
    alert's ``runbook_url`` with the published address."""
    return str(read_mkdocs_yml(config_file).get("site_url") or "")


def load_config(config_file: Path) -> OpsbookConfig:
    """Read the opsbook block from ``config_file`` (mkdocs.yml)."""
    raw = read_mkdocs_yml(config_file)
    try:
        options = plugin_options(raw)
    except ConfigError as error:
        raise ConfigError(f"{config_file}: {error}") from None
    if options is None:
        raise NotAnOpsbookSite(
            f"{config_file}: no `opsbook` entry under `plugins:`; add `- opsbook` to use it"
        )
    return config_from_options(config_file, raw, options)


def plugin_entries(raw: dict[str, Any]) -> list[tuple[Any, Any]]:
    """`plugins:` as (name, options) pairs, whether written as a list or a mapping."""
    plugins = raw.get("plugins") or []
    if isinstance(plugins, dict):
        return list(plugins.items())
    if not isinstance(plugins, list):
        raise ConfigError(f"`plugins` must be a list of plugin names, got {plugins!r}")
    entries: list[tuple[Any, Any]] = []
    for item in plugins:
        if isinstance(item, str):
            entries.append((item, {}))
        elif isinstance(item, dict):
            entries.extend(item.items())
    return entries


def plugin_options(raw: dict[str, Any]) -> dict[str, Any] | None:
    for name, options in plugin_entries(raw):
        if name == "opsbook":
            if options is not None and not isinstance(options, dict):
                raise ConfigError(
                    f"the `opsbook` plugin options must be a mapping, got {options!r}"
                )
            return options or {}
    return None


def config_from_options(
    config_file: Path, raw: dict[str, Any], options: dict[str, Any]
) -> OpsbookConfig:
    """Validate the plugin block with the plugin's own config class."""
    from opsbook.settings.options import plain_plugin_config

    # Plain options are checked against the class's declarations without importing MkDocs
    # (see opsbook.settings.options); anything else, and every error, goes through the class itself.
    plugin_config: Any = plain_plugin_config(options)
    if plugin_config is None:
        plugin_config = _validated_by_mkdocs(config_file, options)
    root = config_file.parent.resolve()
    docs_dir = root / str(raw.get("docs_dir", "docs"))
    try:
        config = config_from_plugin(plugin_config, root, docs_dir, str(raw.get("site_url") or ""))
    except ConfigError as error:
        raise ConfigError(f"{config_file}: {error}") from None
    directory_urls = raw.get("use_directory_urls", True) is not False and not (
        _offline_plugin(raw)
    )
    return replace(config, directory_urls=directory_urls)


def _offline_plugin(raw: dict[str, Any]) -> bool:
    """Whether Material's offline plugin is on (it turns directory URLs off)."""
    for name, options in plugin_entries(raw):
        if name in ("offline", "material/offline"):
            return not (isinstance(options, dict) and options.get("enabled") is False)
    return False


def _validated_by_mkdocs(config_file: Path, options: dict[str, Any]) -> Any:
    from opsbook.engine import use_engine

    try:
        use_engine(config_file)  # the config class is built on the engine's config options
    except EngineError as error:
        raise ConfigError(f"{config_file}: {error}") from None
    from opsbook.settings.mkdocs import OpsbookPluginConfig

    plugin_config = OpsbookPluginConfig()
    plugin_config.load_dict(options)
    errors, warnings = plugin_config.validate()
    # A misspelt option is only a warning to MkDocs; here it would silently fall back to the
    # default (a `runbok_dir` typo checks no runbooks), so it is an error like a frontmatter typo.
    problems = [(key, str(error)) for key, error in errors] + [
        (key, str(warning)) for key, warning in warnings
        if "Unrecognised configuration" in str(warning)
    ]
    if problems:
        details = "; ".join(f"{key}: {problem}" for key, problem in problems)
        raise ConfigError(f"{config_file}: invalid `opsbook` plugin options: {details}")
    return plugin_config


def config_from_plugin(
    plugin_config: Any, root: Path, docs_dir: Path, site_url: str
) -> OpsbookConfig:
    review_every = parse_duration(str(plugin_config.review_every))
    if review_every is None:
        raise ConfigError(
            f"opsbook option review_every: {plugin_config.review_every!r} is not a duration "
            "(e.g. 90d)"
        )
    alert_rules = plugin_config.alert_rules
    if not all(isinstance(pattern, str) and pattern.strip() for pattern in alert_rules):
        raise ConfigError(
            "opsbook option alert_rules: expected a list of file patterns such as "
            f"`alerts/*.rules.yml`, got {alert_rules!r}"
        )
    return OpsbookConfig(
        root=root,
        docs_dir=docs_dir,
        runbooks_dir=root / plugin_config.runbooks_dir,
        required_sections=tuple(plugin_config.required_sections),
        review_every=review_every,
        ignore=tuple(plugin_config.ignore),
        strict=bool(plugin_config.strict),
        site_url=site_url,
        redact=bool(plugin_config.redact),
        pdf=dict(plugin_config.pdf),
        fail_on=Level(plugin_config.fail_on),
        alert_rules=tuple(pattern.strip() for pattern in alert_rules),
        alert_pages=bool(plugin_config.alert_pages),
    )
