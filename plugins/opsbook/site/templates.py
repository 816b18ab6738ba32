"""The theme's templates compiled once per `mkdocs serve`, not on every rebuild.

MkDocs makes a new Jinja environment for each build, so every rebuild of a `serve` compiled
the theme's templates again (Material's ~40: a fifth of a one-page rebuild of a large
handbook). :class:`CompiledTemplates` is a Jinja bytecode cache kept in memory by the plugin:
Jinja hands it each template's name and a checksum of its source, and takes back the code
compiled for that very source (an edited template is compiled again). Code compiled under
other environment settings (delimiters, whitespace options, extensions) is never reused.
"""

from __future__ import annotations

from types import CodeType
from typing import Any

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket


def _settings(env: Environment) -> tuple[Any, ...]:
    """What, besides a template's source, decides the code Jinja compiles from it."""
    return (
        env.block_start_string, env.block_end_string, env.variable_start_string,
        env.variable_end_string, env.comment_start_string, env.comment_end_string,
        env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
        env.newline_sequence, env.keep_trailing_newline, tuple(sorted(env.extensions)),
        env.optimized, repr(env.autoescape), repr(env.finalize), env.is_async,
        getattr(env, "newstyle_gettext", None),
        tuple(sorted((key, value) for key, value in env.policies.items()
                     if isinstance(value, str | int | bool | None))),
    )


class CompiledTemplates(BytecodeCache):
    def __init__(self) -> None:
        self._settings: tuple[Any, ...] | None = None
        self._kept: dict[str, tuple[str, CodeType]] = {}  # bucket key -> checksum, code

    def attach(self, env: Environment) -> None:
        """Serve ``env`` (a new build's) from the code compiled for earlier ones."""
        settings = _settings(env)
        if settings != self._settings:
            self._settings, self._kept = settings, {}
        env.bytecode_cache = self

    def load_bytecode(self, bucket: Bucket) -> None:
        kept = self._kept.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._kept[bucket.key] = (bucket.checksum, bucket.code)
