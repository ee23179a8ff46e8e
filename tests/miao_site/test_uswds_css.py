"""The site's USWDS stylesheet (decision 0022): static/css/uswds.css is built
from assets/uswds.scss with only the USWDS parts the templates use, and is
committed so that `make run` needs no build step. These tests keep the
committed file in step with its source and with the templates."""

import gzip
import posixpath
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

CSS = Path(settings.BASE_DIR) / "static" / "css" / "uswds.css"
# The full precompiled USWDS stylesheet the site served before: 527 KB, 60 KB gzipped.
FULL_CSS = (
    Path(settings.BASE_DIR) / "node_modules" / "@uswds" / "uswds" / "dist" / "css" / "uswds.min.css"
)
TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"]
CODE_DIRS = [
    Path(settings.BASE_DIR) / name
    for name in ("waivers", "agencies", "alerts", "outbox", "static/js")
]


def class_names() -> set[str]:
    """Every CSS class named in the templates, the site's scripts and the
    HTML that template tags write (template tags inside the attribute dropped)."""
    names = set()
    files = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]
    files += [path for folder in CODE_DIRS for path in folder.rglob("*.py")]
    files += [path for path in CODE_DIRS[-1].rglob("*.js")]
    attribute = re.compile(r"""class\s*=\s*"([^"]*)"|classList\.\w+\(([^)]*)\)""")
    for path in files:
        for match in attribute.finditer(path.read_text(encoding="utf-8")):
            value = re.sub(r"\{[%{].*?[%}]\}", " ", match.group(1) or match.group(2))
            names.update(
                t for t in re.split(r"[\s,'\"]+", value) if re.fullmatch(r"[a-z][a-z0-9:_-]*", t)
            )
    return names


def defines(css: str, name: str) -> bool:
    escaped = re.escape(name.replace(":", "\\:"))
    return re.search(r"\." + escaped + r"(?![A-Za-z0-9_-])", css) is not None


def test_the_committed_stylesheet_is_built_from_its_sass_source():
    npm = shutil.which("npm")
    assert npm, "npm is needed to build the stylesheet (make install)"
    built = subprocess.run(  # noqa: S603 - npm found on PATH, fixed arguments
        [npm, "run", "--silent", "css"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert built.stdout.strip() == CSS.read_text(encoding="utf-8").strip(), (
        "static/css/uswds.css is out of date: run `make css` and commit it"
    )


def test_the_stylesheet_holds_only_parts_in_use():
    css = CSS.read_bytes()
    assert len(css) < 200_000
    assert len(gzip.compress(css, 9)) < 25_000
    text = css.decode("utf-8")
    # Components no template uses stay out, and so does the utility set.
    for unused in (
        "usa-card",
        "usa-modal",
        "usa-date-picker",
        "usa-combo-box",
        "usa-step-indicator",
        "padding-x-205",
    ):
        assert not defines(text, unused), unused


def test_every_uswds_class_the_templates_use_is_still_styled():
    if not FULL_CSS.exists():
        pytest.fail("node_modules is missing: run `make install`")
    full = FULL_CSS.read_text(encoding="utf-8")
    ours = CSS.read_text(encoding="utf-8")
    names = class_names()
    assert {"usa-banner", "usa-header", "grid-row", "margin-top-2"} <= names
    missing = sorted(name for name in names if defines(full, name) and not defines(ours, name))
    assert missing == [], (
        f"add their USWDS packages to assets/uswds.scss and run `make css`: {missing}"
    )


def test_every_font_and_image_the_stylesheet_names_is_served():
    urls = set(re.findall(r"""url\(["']?([^"')]+)["']?\)""", CSS.read_text(encoding="utf-8")))
    files = {url for url in urls if not url.startswith("data:")}
    assert any("fonts/" in url for url in files) and any("img/" in url for url in files)
    for url in sorted(files):
        path = posixpath.normpath(posixpath.join("css", url))
        assert finders.find(path), f"{url} in css/uswds.css is not a static file"


def test_the_full_uswds_stylesheet_is_not_served():
    """Only USWDS's fonts, images and script are static files; its full
    precompiled stylesheet is neither collected nor reachable."""
    assert FULL_CSS.exists()  # it is in the npm package...
    assert finders.find("uswds/css/uswds.min.css") is None  # ...but not a static file
    assert finders.find("uswds/js/uswds.min.js")
    assert finders.find("uswds/img/usa-icons/search.svg")
    collected = {
        posixpath.join(getattr(storage, "prefix", None) or "", path)
        for finder in finders.get_finders()
        for path, storage in finder.list([])
    }
    assert "uswds/js/uswds.min.js" in collected
    assert not [path for path in collected if path.startswith("uswds/css/")]
