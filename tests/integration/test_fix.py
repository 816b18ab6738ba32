"""`opsbook check --fix`: mojibake repaired in place, and nothing else touched."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from opsbook.cli import main
from opsbook.fix import fix_text

DAMAGED = "âš ï¸ **Read this first**\r\nSteps â†’ done âœ…\r\n"
REPAIRED = "⚠️ **Read this first**\r\nSteps → done ✅\r\n"


def test_fix_text_repairs_spans_only() -> None:
    text, changes = fix_text("Keep café and naïve; fix Ã©tÃ© and â€œquotesâ€.\n")
    assert text == "Keep café and naïve; fix été and “quotes”.\n"
    assert [(c.line, c.before, c.after) for c in changes] == [
        (1, "Ã©", "é"), (1, "Ã©", "é"), (1, "â€œ", "“"), (1, "â€", "”")]


def test_lost_bytes_and_mac_roman() -> None:
    assert fix_text("â”Œâ”€â”\n")[0] == "┌─┐\n"  # ┐ lost its last byte (0x90)
    assert fix_text("No ack ‚Üí page\n")[0] == "No ack → page\n"
    assert fix_text("Don'ts âŒ\n")[0] == "Don'ts ❌\n"


def test_check_fix_repairs_in_place_and_keeps_every_other_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "guide.md"
    page.write_bytes(b"\xef\xbb\xbf# Guide\r\n\r\n" + DAMAGED.encode() + b"Last line, no newline")
    assert main(["check", "--fix", "--select", "OB501", str(page)]) == 0
    assert page.read_bytes() == (
        b"\xef\xbb\xbf# Guide\r\n\r\n" + REPAIRED.encode() + b"Last line, no newline")
    err = capsys.readouterr().err
    assert "guide.md:3" in err and "'âš ï¸' → '⚠️'" in err and "guide.md:4" in err
    # Idempotent: a second run finds and changes nothing.
    before = page.read_bytes()
    assert main(["check", "--fix", "--select", "OB501", str(page)]) == 0
    assert page.read_bytes() == before
    assert "fixed" not in capsys.readouterr().err


def test_without_fix_nothing_is_written(tmp_path: Path) -> None:
    page = tmp_path / "guide.md"
    page.write_text("# Guide\n\nâœ… done\n", encoding="utf-8")
    assert main(["check", str(page)]) == 1
    assert page.read_text(encoding="utf-8") == "# Guide\n\nâœ… done\n"


def test_not_utf8_is_reported_and_left_alone(tmp_path: Path) -> None:
    page = tmp_path / "latin.md"
    page.write_bytes(b"# Caf\xe9 \xe2\x9c\n")
    assert main(["check", "--fix", str(page)]) == 1
    assert page.read_bytes() == b"# Caf\xe9 \xe2\x9c\n"


def test_unwritable_file_gives_a_diagnostic(tmp_path: Path) -> None:
    page = tmp_path / "guide.md"
    page.write_text("# Guide\n\nâœ… done\n", encoding="utf-8")
    # A file-size limit of 8 bytes makes writing the repaired copy fail (EFBIG), even as root.
    result = subprocess.run(
        [sys.executable, "-c", "from opsbook.cli import main; raise SystemExit(main())",
         "check", "--fix", str(page)],
        capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (8, 8)),
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "guide.md:3" in result.stderr and "could not write" in result.stderr
    assert page.read_text(encoding="utf-8") == "# Guide\n\nâœ… done\n"
    assert [p.name for p in tmp_path.iterdir()] == ["guide.md"]


def test_help_says_what_fix_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    assert "OB501" in capsys.readouterr().out
