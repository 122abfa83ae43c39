"""The pages people open, in a real browser (Debian's headless chromium): visible Dutch text,
rendered charts, and screenshots kept in artifacts/screenshots/ for the CI run."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from datasette.utils import tilde_encode

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=5000", "--window-size=1280,1800"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed here (`make test` installs it "
                                                          "with apt-get when it runs as root); browser tests skipped")


def browse(url: str, profile: Path, shot: str) -> str:
    """The DOM after scripts ran, and a screenshot of the page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    common = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run(common + ["--dump-dom", url], capture_output=True, text=True, timeout=90).stdout
    subprocess.run(common + [f"--screenshot={SHOTS / shot}", url], capture_output=True, timeout=90)
    assert (SHOTS / shot).stat().st_size > 10_000, f"screenshot of {url} is empty"
    return dom


def visible(dom: str) -> str:
    """Text a reader sees: no scripts, styles or tags."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


def test_home_page(seed_site, tmp_path):
    dom = browse(seed_site + "/", tmp_path, "home.png")
    text = visible(dom)
    assert "Verlopen en bijna verlopen toezeggingen" in text and "Moties die nog open staan" in text
    assert "Kuzu" in text
    # chart.js drew the commitments-per-quarter chart (served locally)
    assert re.search(r'<canvas id="kb-quarters"[^>]*(?:width|style)=', dom), "the chart did not render"


def test_document_page(seed_site, tmp_path):
    text = visible(browse(seed_site + "/-/brief/" + quote("000_58daee204d757405.txt", safe=""), tmp_path, "document.png"))
    assert "Kabinetsaanpak" in text or "kabinetsaanpak" in text
    assert "Voetnoten" in text and "Kamerstuk 36 200 V, nr. 50." in text


def test_motion_page(seed_site, tmp_path):
    text = visible(browse(seed_site + "/-/motie/kst-36200-V-50", tmp_path, "motie.png"))
    assert "Motie kst-36200-V-50" in text and "Kuzu" in text and "afgedaan" in text


def test_commitments_page(seed_site, tmp_path):
    text = visible(browse(seed_site + "/-/toezeggingen", tmp_path, "toezeggingen.png"))
    assert "Toezeggingen aan de Kamer" in text and "verlopen" in text
    assert "Voortgangsrapportage" in text


def test_document_row_page(seed_site, tmp_path):
    doc = "000_58daee204d757405.txt"
    text = visible(browse(f"{seed_site}/kb/documents/{tilde_encode(doc)}", tmp_path, "row-document.png"))
    assert "Tekst van het document" in text and "Voetnoten" in text
    assert "Kamerstuk 36 200 V, nr. 50." in text and "Kuzu" in text


def test_motions_table(seed_site, tmp_path):
    text = visible(browse(f"{seed_site}/kb/motions", tmp_path, "motions.png"))
    assert "Moties" in text and "kst-36200-V-50" in text


def test_commitments_query(seed_site, tmp_path):
    text = visible(browse(f"{seed_site}/kb/toezeggingen_termijn?onderwerp=", tmp_path, "toezeggingen_termijn.png"))
    assert "2023-12-31" in text and "verlopen" in text  # the overdue Q4 2023 progress report
    assert "Resultaat" in text and "This data as" not in text
