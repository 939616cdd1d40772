"""The dashboard's static files: the vendored chart library is the release VENDOR.sha256 names (`make vendor`
fetches it again), the page loads nothing from elsewhere, and every file the server serves exists."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

from handlers.dashboard_api import FONT_FILES, STATIC_FILES

FOLDER = resources.files("views") / "dashboard"


def test_the_vendored_library_is_the_released_one():
    lines = [
        line.split()
        for line in (FOLDER / "VENDOR.sha256").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert len(lines) == 2
    for digest, name in lines:
        assert hashlib.sha256((FOLDER / name).read_bytes()).hexdigest() == digest, name
    assert "MIT License" in (FOLDER / "uPlot-LICENSE.txt").read_text()


def test_the_page_loads_only_its_own_files():
    page = (FOLDER / "index.html").read_text() + (FOLDER / "app.css").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "url(http" not in page and "@import" not in page
    assert 'fetch("http' not in (FOLDER / "app.js").read_text()
    for name in STATIC_FILES:
        assert (FOLDER / name).is_file(), name
    for name in FONT_FILES:
        assert (resources.files("views") / "fonts" / name).is_file(), name
