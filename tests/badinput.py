"""A corpus of bad input, generated at test time.

Each case is a file (or link) that a real corpus folder may one day hold:
broken, hostile or merely odd. `write_cases(folder, secret)` creates them
and returns {file name: expected outcome}, where the outcome is 'error'
(a clear reason in `problems`), 'ok' (read correctly) or 'either'.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

LETTER = ("Den Haag, 12 mei 2023\n\nGeachte Voorzitter,\n\nHet kabinet informeert uw Kamer over café-beleid "
          "en de afhankelijkheid van China voor lithium. Uw Kamer wordt later dit jaar geïnformeerd.\n")


def _pdf(pages: int = 1, text: str = "Geachte Voorzitter, dit is een brief over lithium.", encrypt: str | None = None,
         image_only: bool = False) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    for i in range(pages):
        if image_only:
            for k in range(20):
                c.rect(50 + k * 10, 400 + k * 5, 30, 30, fill=1)
        else:
            c.drawString(72, 720, f"{text} Pagina {i + 1}.")
        c.showPage()
    c.save()
    return buf.getvalue()


def write_cases(folder: Path, secret: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    good_pdf = _pdf()
    cases: dict[str, tuple[bytes, str]] = {
        "leeg.txt": (b"", "error"),
        "nul-bytes.pdf": (b"", "error"),
        "afgekapt.pdf": (good_pdf[: len(good_pdf) // 3], "error"),
        "kapotte-xref.pdf": (good_pdf.replace(b"xref", b"xrfe").replace(b"startxref", b"startxrfe"), "either"),
        "versleuteld.pdf": (_pdf(encrypt="geheim"), "error"),
        "alleen-afbeelding.pdf": (_pdf(image_only=True), "error"),
        "lang-600-paginas.pdf": (_pdf(pages=600), "ok"),
        "pdf-bom.pdf": (b"%PDF-1.4\n1 0 obj\n" + b"[" * 200_000 + b"]" * 200_000 + b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
                        "error"),
        "rommel.txt": (os.urandom(8192), "error"),
        "latin1.txt": (LETTER.encode("cp1252"), "ok"),
        "dubbel-gecodeerd.txt": (LETTER.encode("utf-8").decode("latin-1").encode("utf-8"), "ok"),
        "xxe.xml": (f'<?xml version="1.0"?>\n<!DOCTYPE kamerstuk [<!ENTITY x SYSTEM "file://{secret}">]>\n'
                    f"<kamerstuk><al>&x;</al></kamerstuk>\n".encode(), "error"),
        "billion-laughs.xml": (('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                                + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                                          for i in range(1, 10))
                                + ']>\n<kamerstuk><al>&lol9;</al></kamerstuk>\n').encode(), "error"),
        "script.html": (b"<html><head><title>Brief</title><script>alert('x')</script></head><body>"
                        b"<p>Geachte Voorzitter, hierbij informeer ik uw Kamer over lithium uit China.</p>"
                        b"<script>document.write('kwaad')</script></body></html>", "ok"),
        "naam met spaties 'enkel' en \"dubbel\".txt": (LETTER.encode(), "ok"),
        "regel\neinde.txt": (LETTER.encode(), "ok"),
        "brief-..%2F..%2Fetc.txt": (LETTER.encode(), "ok"),
        "groot-50mb.txt": ((LETTER * (50 * 1024 * 1024 // len(LETTER) + 1)).encode()[: 50 * 1024 * 1024], "error"),
    }
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    (folder / "link-naar-buiten.txt").symlink_to(secret)
    expected = {name: outcome for name, (_, outcome) in cases.items()}
    expected["link-naar-buiten.txt"] = "error"
    return expected
