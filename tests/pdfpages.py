"""A PDF as a reader gets it: its pages rendered to pictures by poppler's pdftoppm (saved as
test artefacts) and its text read back with pypdf."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from pypdf import PdfReader

from tests.components import require_component

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DPI = 72


def pictures(pdf: bytes, tmp_path: Path, name: str) -> list[np.ndarray]:
    """The kit's pages as RGB arrays (pdftoppm), also saved as test artefacts."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        require_component("pdftoppm", "install poppler-utils to render the pitch kit")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-png", "-r", str(DPI), str(source), str(tmp_path / name)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob(f"{name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    arrays = []
    for number, page in enumerate(pages, start=1):
        shutil.copy(page, ARTIFACTS / f"{name}-p{number}.png")
        with Image.open(page) as opened:
            arrays.append(np.asarray(opened.convert("RGB"), dtype=np.int16))
    return arrays


def text_of(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
