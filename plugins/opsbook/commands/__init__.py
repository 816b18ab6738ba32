"""The `opsbook` subcommands, one module each.

Every module has ``register(subcommands)``, which adds its parser and sets ``handler`` to the
function that runs it. Modules import only :mod:`opsbook.commands.common` and the layers below
(never each other), and keep heavy imports inside the handler, so `opsbook check` starts fast.
"""
