"""Durations as people write them: "5m", "< 15 minutes", "Within 1 hour", "Next business day".

The frontmatter accepts a strict form (``5m``, ``1h``, ``1d``, ``90d``, ``next business day``);
free text found in pages is normalised by :func:`parse_loose_duration`, which understands what
real handbooks write in their tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MINUTES_PER_UNIT = {
    "s": 1 / 60,
    "sec": 1 / 60,
    "second": 1 / 60,
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "d": 1440,
    "day": 1440,
    "w": 10080,
    "wk": 10080,
    "week": 10080,
}

BUSINESS_DAY_MINUTES = 1440


@dataclass(frozen=True)
class Duration:
    """A span of time in minutes. ``business_day`` marks "next business day", which is not a
    fixed number of minutes: it equals only itself, and sorts like one day."""

    minutes: float
    text: str
    business_day: bool = False

    def same_as(self, other: Duration) -> bool:
        if self.business_day or other.business_day:
            return self.business_day == other.business_day
        return abs(self.minutes - other.minutes) < 1e-9

    def __str__(self) -> str:
        return self.text

    @property
    def canonical(self) -> str:
        """Short normalised form used in messages: 0m, 15m, 1h, 1d, next business day."""
        if self.business_day:
            return "next business day"
        return format_minutes(self.minutes)


def format_minutes(minutes: float) -> str:
    if minutes == 0:
        return "immediately"
    for unit, size in (("w", 10080), ("d", 1440), ("h", 60), ("m", 1)):
        if minutes >= size and minutes % size == 0:
            return f"{int(minutes // size)}{unit}"
    return f"{minutes:g}m"


_STRICT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_BUSINESS_DAY = re.compile(
    r"next\s+business\s+day|next\s+working\s+day|1\s+business\s+day|"
    r"(?:siguiente|próximo)\s+día\s+hábil|próximo\s+dia\s+útil|jour\s+ouvré\s+suivant|"
    r"nächsten?\s+(?:Werk|Arbeits)tag", re.I)


def parse_duration(value: str) -> Duration | None:
    """Parse the strict frontmatter form; None when it is not one."""
    text = value.strip()
    if _BUSINESS_DAY.fullmatch(text):
        return Duration(BUSINESS_DAY_MINUTES, text, business_day=True)
    match = _STRICT.match(text.lower())
    if not match:
        return None
    number, unit = match.groups()
    return Duration(float(number) * MINUTES_PER_UNIT[unit], text)


_UNIT_WORDS = (
    r"(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w)"
)
# The same units as Portuguese, Spanish, French, German and Italian handbooks write them, and
# Japanese ones (which need no word boundary): each to its English unit.
_FOREIGN_UNITS = {
    "minuto": "minute", "minutos": "minute", "minuten": "minute", "minuti": "minute",
    "hora": "hour", "horas": "hour", "heure": "hour", "heures": "hour", "stunde": "hour",
    "stunden": "hour", "std": "hour", "ore": "hour",
    "día": "day", "días": "day", "dia": "day", "dias": "day", "jour": "day", "jours": "day",
    "tag": "day", "tage": "day", "tagen": "day", "giorni": "day",
    "semana": "week", "semanas": "week", "semaine": "week", "semaines": "week",
    "woche": "week", "wochen": "week",
    "分": "minute", "時間": "hour", "日": "day", "週間": "week",
}
_FOREIGN_AMOUNT = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:("
    + "|".join(sorted((unit for unit in _FOREIGN_UNITS if unit[0] < "\u3000"), key=len,
                      reverse=True))
    + r")\b|(分|時間|日|週間))", re.I)
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(" + _UNIT_WORDS + r")\b", re.I)
_IMMEDIATE = re.compile(r"\b(immediate(?:ly)?|instant(?:ly)?|asap|right away|inmediat[oa]|"
                        r"imediat[oa]|immédiat(?:ement)?|sofort|umgehend|subito|"
                        r"immediatamente)\b|即時|直ちに|即座", re.I)
_DAILY = re.compile(r"\b(daily|once a day|every day)\b", re.I)
_HOURLY = re.compile(r"\b(hourly|every hour)\b", re.I)
_WEEKLY = re.compile(r"\b(weekly|every week)\b", re.I)
_UNIT_ALONE = re.compile(
    r"\b(?:within|every|per|one)\s+(an?\s+|one\s+)?(hour|day|minute|week)\b", re.I
)


def parse_loose_duration(value: str) -> Duration | None:
    """Normalise a duration written in prose or a table cell.

    An explicit amount wins over a keyword, so ``Immediate (< 5 minutes)`` is five minutes.
    Returns None for cells that state no time ("Required", "Optional", "Best effort").
    """
    text = value.strip().strip("*_` ")
    if not text:
        return None
    if _BUSINESS_DAY.search(text):
        return Duration(BUSINESS_DAY_MINUTES, text, business_day=True)
    match = _AMOUNT.search(text)
    foreign = _FOREIGN_AMOUNT.search(text)
    if foreign and (match is None or foreign.start() <= match.start()):
        unit = _FOREIGN_UNITS[(foreign.group(2) or foreign.group(3)).lower()]
        return Duration(float(foreign.group(1)) * MINUTES_PER_UNIT[unit], text)
    if match:
        number, unit = match.groups()
        unit_key = unit.lower().rstrip("s") if len(unit) > 1 else unit.lower()
        if unit_key not in MINUTES_PER_UNIT:
            unit_key = unit_key[0]
        return Duration(float(number) * MINUTES_PER_UNIT[unit_key], text)
    if _IMMEDIATE.search(text):
        return Duration(0, text)
    if _HOURLY.search(text):
        return Duration(60, text)
    if _DAILY.search(text):
        return Duration(1440, text)
    if _WEEKLY.search(text):
        return Duration(10080, text)
    alone = _UNIT_ALONE.search(text)
    if alone:
        return Duration(MINUTES_PER_UNIT[alone.group(2).lower()], text)
    return None
