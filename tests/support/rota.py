"""A small handbook with an on-call rotation, for the site, browser and PDF tests of rotas.

Team "core" hands over every Monday at 10:00 London time; the primary layer goes Ana, Ben,
Ana, ... from Monday 2026-05-04, the secondary the other way round. With the tests' build date
(2026-06-01): Ana is primary from 2026-06-01 10:00 London (09:00 UTC) to 2026-06-08 10:00,
Ben the week after. One override hands the primary layer to Cleo for 2026-06-24 to 2026-06-26.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.sitekit import CONTACTS, MKDOCS_YML, make_site

ROTATION = """\
rotations:
  - team: core
    timezone: Europe/London
    handoff: monday 10:00
    start: 2026-05-04
    layers:
      - name: primary
        members: [ana, ben]
      - name: secondary
        members: [ben, ana]
    overrides:
      - layer: primary
        from: 2026-06-24T10:00
        until: 2026-06-26T10:00
        person: cleo
        reason: Ben at a wedding
"""

CLEO = """\
  - id: cleo
    name: Cleo Marsh
    phone: "+44 20 7946 0333"
    timezone: Europe/London
teams:"""

ROTA_CONTACTS = (
    CONTACTS.replace("teams:", CLEO, 1)
    .replace("members: [ana, ben]", "members: [ana, ben, cleo]", 1)
    .replace("vendors:", ROTATION + "vendors:", 1)
    .replace("# Contacts\n", '# Contacts\n\n## Core\n\n{{ escalation_ladder("core") }}\n', 1)
)

# File-style URLs (one .html per page) and no web fonts, as the reference handbook: a copy on
# disk that reads nothing from the network.
ROTA_MKDOCS_YML = (MKDOCS_YML.replace("  - search\n", "  - search\n  - offline\n", 1)
                   .replace("  name: material\n", "  name: material\n  font: false\n", 1))


def make_rota_site(root: Path, files: dict[str, str] | None = None) -> Path:
    """The sitekit handbook with the rotation above (and the offline plugin)."""
    return make_site(root, {"mkdocs.yml": ROTA_MKDOCS_YML, "docs/contacts.md": ROTA_CONTACTS,
                            **(files or {})})
