"""A report page in a real browser: headless Chromium renders it offline, the charts are
visible in the screenshot, and the page logs nothing to the console (no error, no CSP
violation). `make test` installs Debian's chromium where it is missing
(tests/install_chromium.sh); without it these tests are skipped and say why."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from analysis.cli import cli

BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless Chromium here: run `sh tests/install_chromium.sh` "
                                                       "as root (Debian package chromium) to enable the browser tests")


def screenshot(page: Path, png: Path, profile: Path, *, height: int = 3000) -> list[str]:
    """Render ``page`` to ``png``; returns the console lines Chromium logged for it."""
    result = subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         f"--screenshot={png}", f"--window-size=1100,{height}", page.as_uri()],
        capture_output=True, text=True, timeout=180)
    assert png.exists(), result.stderr[-2000:]
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def test_console_messages_are_caught(tmp_path):
    """The check below can fail: a page that logs an error is seen."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); missing();</script>", encoding="utf-8")
    console = screenshot(page, tmp_path / "bad.png", tmp_path / "profile", height=300)
    assert any("boom" in line for line in console) and any("missing" in line for line in console)


def test_report_renders_with_visible_charts_and_a_quiet_console(sample_db_path, tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "report", "--at", "2016-W51",
                                      "--out", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    png = tmp_path / "report.png"
    console = screenshot(tmp_path / "reports" / "2016-W51" / "index.html", png, tmp_path / "profile")
    assert console == []
    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert (pixels.min(axis=2) < 240).mean() > 0.03, "the page looks blank"

    def near(colour: str) -> int:
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(pixels - rgb).sum(axis=2) < 30).sum())

    # the bars and areas of the charts, in the Okabe–Ito colours of French and Arabic
    assert near("#0072B2") > 2000 and near("#009E73") > 2000
