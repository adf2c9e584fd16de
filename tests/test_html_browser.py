"""The HTML report in a real browser: headless Chromium (Debian's chromium and chromium-driver)
driven by Selenium. These tests fail, saying what to install, when Chromium is missing.

``DEDUP_UPDATE_SCREENSHOT=1 python -m pytest tests/test_html_browser.py`` rewrites
docs/html-report.png, the README's picture of the report.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, deadline
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from dedup.atomic import atomic_write_text
from dedup.models import Cluster, Document, Pair, Report
from dedup.pipeline import scan
from dedup.render.html import render

ORIGINAL = "samples/iran-russia-pact_original.txt"
REPRINT = "samples/iran-russia-pact_reprint.txt"
LIBRARY = "samples/riverside-library-reopens.txt"
LIBRARY_EDITED = "samples/riverside-library-reopens_edited.html"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these three Chromium reaches out at start-up, and on a closed network waits for it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]
SECONDS = 60
"""Longest a test may take (a hung browser fails the test instead of the suite)."""

OWN_TEXT = """
return Array.from(arguments[0].childNodes)
  .filter((node) => node.nodeType === Node.TEXT_NODE || node.tagName === "MARK")
  .map((node) => node.textContent).join("");
"""
TOP_IN_VIEW = """
const [node, column] = arguments;
const box = column.getBoundingClientRect(), top = node.getBoundingClientRect().top;
return top >= box.top && top < box.bottom;
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the module, with a fresh profile."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(
            "the HTML report's browser tests need Chromium and its driver; on Debian or Ubuntu: "
            "apt-get install -y chromium chromium-driver",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    with tempfile.TemporaryDirectory(prefix="dedup-chromium-") as profile:
        for flag in [*FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        with deadline(SECONDS):
            session = webdriver.Chrome(options=options, service=Service(driver))
        session.set_page_load_timeout(SECONDS)
        session.set_script_timeout(SECONDS)
        try:
            yield session
        finally:
            with deadline(SECONDS):
                session.quit()


@pytest.fixture(scope="module")
def samples_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    """A scan of samples/ with its texts, and its HTML page."""
    report = scan(["samples/"], keep_texts=True, cwd=ROOT)  # paths as the README shows them
    page = tmp_path_factory.mktemp("html") / "samples.html"
    atomic_write_text(page, render(report))
    return report, page


def open_page(browser: WebDriver, page: Path, fragment: str = "") -> None:
    browser.get(page.as_uri() + fragment)
    if fragment:
        browser.refresh()  # a file URL that differs only in its fragment does not reload
    assert browser.execute_script("return document.body.dataset.ready") == "true"


def pair_number(report: Report, a: str, b: str) -> int:
    return next(i for i, pair in enumerate(report.pairs) if (pair.a, pair.b) == (a, b))


def own_text(browser: WebDriver, node: WebElement) -> str:
    """A span's text from the document, without the tags and links the page adds."""
    return str(browser.execute_script(OWN_TEXT, node))


def test_overview_shows_clusters_pairs_and_the_original(
    browser: WebDriver, samples_report: tuple[Report, Path]
) -> None:
    report, page = samples_report
    with deadline(SECONDS):
        open_page(browser, page)
        clusters = browser.find_elements(By.CSS_SELECTOR, "section.cluster")
        assert len(clusters) == len(report.clusters) == 2
        rows = browser.find_elements(By.CSS_SELECTOR, "tr.pair")
        assert len(rows) == 6
        reprint_row = next(row for row in rows if ORIGINAL in row.text and REPRINT in row.text)
        assert "CONTAINED" in reprint_row.text
        assert "97% of A is in B" in reprint_row.text
        assert "attribution 'The Algemeiner'" in reprint_row.text  # the summary
        assert f"original, a guess: A, {ORIGINAL}" in reprint_row.text
        marked = browser.find_element(By.CSS_SELECTOR, ".members li:has(.original)")
        assert marked.text.startswith(ORIGINAL)
        # The relation filter keeps the two overlaps only.
        browser.find_element(By.CSS_SELECTOR, "#relation option[value=overlap]").click()
        rows = browser.find_elements(By.CSS_SELECTOR, "tr.pair")
        assert len(rows) == 2 and all("OVERLAP" in row.text for row in rows)


def test_reprint_additions_and_the_moved_caption_are_labelled(
    browser: WebDriver, samples_report: tuple[Report, Path]
) -> None:
    report, page = samples_report
    number = pair_number(report, ORIGINAL, REPRINT)
    text_a, text_b = report.texts[ORIGINAL], report.texts[REPRINT]
    with deadline(SECONDS):
        open_page(browser, page)
        row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "tr.pair") if REPRINT in r.text)
        row.find_element(By.LINK_TEXT, "side by side").click()
        assert browser.execute_script("return location.hash") == f"#pair-{number}"
        column_b = browser.find_element(By.ID, "text-b")
        attribution = column_b.find_element(By.CSS_SELECTOR, ".span.divergent.lab-attribution")
        assert own_text(browser, attribution).strip() == "Reprinted from The Algemeiner"
        tag = attribution.find_element(By.CSS_SELECTOR, ".tag").get_attribute("textContent")
        assert tag == "attribution" + "names the source 'The Algemeiner'"  # label, then evidence
        related = column_b.find_element(By.CSS_SELECTOR, ".span.divergent.lab-related")
        assert own_text(browser, related).startswith("RELATED:")
        assert related.find_element(By.CSS_SELECTOR, ".tag").text.startswith("related")
        # Each highlighted span holds exactly the text the explanation gives it, in a colour of its own.
        pair = report.pairs[number]
        assert pair.explanation is not None
        colours = set()
        for side, spans, text in (
            ("a", pair.explanation.spans_a, text_a),
            ("b", pair.explanation.spans_b, text_b),
        ):
            for span in spans:
                node = browser.find_element(By.CSS_SELECTOR, f"#text-{side} .span[data-start='{span.start}']")
                assert own_text(browser, node) == text[span.start : span.end]
                if span.label:
                    assert f"lab-{span.label}" in str(node.get_attribute("class"))
                    colours.add((span.label, node.value_of_css_property("background-color")))
        labels = {label for label, _ in colours}
        assert {"attribution", "related", "caption", "boilerplate", "dateline", "junk"} <= labels
        assert len({colour for _, colour in colours}) == len(labels)
        # The caption moved: marked in both texts, with its label.
        for side in "ab":
            caption = browser.find_element(By.CSS_SELECTOR, f"#text-{side} .span.shared.moved.lab-caption")
            assert own_text(browser, caption).startswith("Russian President Vladimir Putin meets")
            assert caption.find_element(By.CSS_SELECTOR, ".tag").text.startswith("caption · moved")
            assert caption.value_of_css_property("outline-style") == "dashed"


def test_a_jump_from_a_shared_span_lands_on_its_counterpart(
    browser: WebDriver, samples_report: tuple[Report, Path]
) -> None:
    report, page = samples_report
    number = pair_number(report, ORIGINAL, REPRINT)
    explanation = report.pairs[number].explanation
    assert explanation is not None
    body = max((s for s in explanation.spans_a if s.kind == "shared"), key=lambda s: s.words)
    caption = next(s for s in explanation.spans_b if s.label == "caption")
    with deadline(SECONDS):
        open_page(browser, page, f"#pair-{number}")
        for here, there, span in (("a", "b", body), ("b", "a", caption)):
            column = browser.find_element(By.ID, f"text-{there}")
            counterpart = column.find_element(By.CSS_SELECTOR, f".span[data-start='{span.other_start}']")
            browser.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight", column)
            assert not browser.execute_script(TOP_IN_VIEW, counterpart, column)
            link = browser.find_element(
                By.CSS_SELECTOR, f"#text-{here} .span[data-start='{span.start}'] > a.jump"
            )
            link.click()
            assert browser.execute_script(TOP_IN_VIEW, counterpart, column)
            assert browser.switch_to.active_element == counterpart
            assert "target" in str(counterpart.get_attribute("class"))
            assert (
                own_text(browser, counterpart)
                == report.texts[REPRINT if there == "b" else ORIGINAL][span.other_start : span.other_end]
            )
        assert len(browser.find_elements(By.CSS_SELECTOR, ".span.target")) == 1


def test_edits_inside_shared_text_are_marked_in_both_texts(
    browser: WebDriver, samples_report: tuple[Report, Path]
) -> None:
    report, page = samples_report
    number = pair_number(report, LIBRARY, LIBRARY_EDITED)
    explanation = report.pairs[number].explanation
    assert explanation is not None
    edits = [edit for span in explanation.spans_a for edit in span.edits]
    assert edits
    text_a = report.texts[LIBRARY]
    with deadline(SECONDS):
        open_page(browser, page, f"#pair-{number}")
        marks = browser.find_elements(By.CSS_SELECTOR, "#text-a mark.edit")
        shown = [m.get_attribute("textContent") for m in marks]
        assert shown == [text_a[e.a_start : e.a_end] for e in edits if e.a_end > e.a_start]
        in_b = browser.find_elements(By.CSS_SELECTOR, "#text-b .edit")
        assert len(in_b) == len(edits)  # words dropped in B: a mark where they stood


HOSTILE = [
    "<script>window.pwned = 'script'; alert(1)</script>",
    "<img src=x onerror=\"window.pwned = 'img'; alert(2)\">",
    "<a href=\"javascript:window.pwned='link'\">click me</a>",
    "</script><script>window.pwned = 'breakout'</script><!--",
    "<svg onload=\"window.pwned = 'svg'\"></svg> &lt;b&gt; &amp; \u202eevil",
]


def test_markup_in_documents_and_names_is_shown_as_text_and_never_runs(
    browser: WebDriver, tmp_path: Path
) -> None:
    story = " ".join(
        f"The council met on day {i} to discuss the bridge and the new road plan." for i in range(40)
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plain.txt").write_text(f"{HOSTILE[0]}\n\n{story}\n\n{HOSTILE[1]}\n", encoding="utf-8")
    name = "<img src=y onerror=\"window.pwned='name'\">.txt"
    (corpus / name).write_text(f"{HOSTILE[2]}\n\n{story}\n\n{HOSTILE[3]}\n\n{HOSTILE[4]}\n", encoding="utf-8")
    report = scan([corpus], keep_texts=True)
    assert len(report.pairs) == 1
    page = tmp_path / "hostile.html"
    atomic_write_text(page, render(report))
    with deadline(SECONDS):
        for fragment in ("", "#pair-0"):
            open_page(browser, page, fragment)
            with pytest.raises(NoAlertPresentException):
                browser.switch_to.alert.text  # noqa: B018  (reading it is the check)
            assert browser.execute_script("return window.pwned === undefined")
            for selector in ("img", "svg", "iframe", "a[href^='javascript']", "[onerror]", "[onload]"):
                assert browser.find_elements(By.CSS_SELECTOR, selector) == [], selector
            scripts = browser.find_elements(By.CSS_SELECTOR, "script:not([type='application/json'])")
            assert len(scripts) == 1  # the page's own
            assert str(scripts[0].get_attribute("textContent")).startswith("// The HTML report's viewer")
            shown = browser.find_element(By.ID, "app").get_attribute("textContent") or ""
            assert name in shown  # the name, as text
        # Each document whole in its column, markup and all, as the text it is.
        for side, pair_path in (("a", report.pairs[0].a), ("b", report.pairs[0].b)):
            spans = browser.find_elements(By.CSS_SELECTOR, f"#text-{side} .span")
            assert "".join(own_text(browser, span) for span in spans) == report.texts[pair_path]
        assert all(any(p in text for text in report.texts.values()) for p in HOSTILE)


def test_a_large_report_is_drawn_a_page_at_a_time(browser: WebDriver, tmp_path: Path) -> None:
    documents, pairs, clusters = [], [], []
    for i in range(60):
        a, b = f"docs/{i:04d}-a.txt", f"docs/{i:04d}-b.txt"
        documents += [Document(a, "0" * 64, 100, "utf-8"), Document(b, "1" * 64, 100, "utf-8")]
        relation = "overlap" if i % 10 == 0 else "near-duplicate"
        pairs.append(Pair(a, b, relation, 0.9, 0.95, 0.95, 90, 95, 95, 60))
        clusters.append(Cluster((a, b), None, "no attribution line tells source from copy"))
    report = Report(tuple(documents), tuple(pairs), tuple(clusters), (), {})
    page = tmp_path / "large.html"
    atomic_write_text(page, render(report))
    with deadline(SECONDS):
        open_page(browser, page)

        def shown() -> tuple[str, list[str]]:
            where = browser.find_element(By.CSS_SELECTOR, ".where").text
            rows = browser.find_elements(By.CSS_SELECTOR, "tr.pair td.path:nth-child(2)")
            return where, [row.text for row in rows]

        where, rows = shown()
        assert where == "page 1 of 3 · 60 clusters, 60 pairs shown"
        assert rows == [f"docs/{i:04d}-a.txt" for i in range(25)]
        browser.find_element(By.XPATH, "//button[text()='next →']").click()
        assert shown() == (
            "page 2 of 3 · 60 clusters, 60 pairs shown",
            [f"docs/{i:04d}-a.txt" for i in range(25, 50)],
        )
        browser.find_element(By.ID, "query").send_keys("0042")
        assert shown() == ("page 1 of 1 · 1 clusters, 1 pairs shown", ["docs/0042-a.txt"])
        browser.find_element(By.CSS_SELECTOR, "#relation option[value=overlap]").click()
        assert shown()[1] == []
        browser.find_element(By.ID, "query").clear()
        browser.find_element(By.ID, "query").send_keys("-a")
        assert shown()[1] == [f"docs/{i:04d}-a.txt" for i in range(0, 60, 10)]
        browser.find_element(By.LINK_TEXT, "side by side").click()
        assert "The texts of this pair are not in this report." in browser.find_element(By.ID, "app").text


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_screenshot_of_the_reprint(
    browser: WebDriver, samples_report: tuple[Report, Path], tmp_path: Path
) -> None:
    report, page = samples_report
    number = pair_number(report, ORIGINAL, REPRINT)
    with deadline(SECONDS):
        open_page(browser, page, f"#pair-{number}")
        # Show the reprint's additions: its column scrolled to the attribution line.
        attribution = browser.find_element(By.CSS_SELECTOR, "#text-b .lab-attribution")
        browser.find_element(By.CSS_SELECTOR, "#text-a .lab-caption > a.jump").click()
        browser.execute_script(
            "arguments[0].scrollIntoView({block: 'center'}); window.scrollTo(0, 0)", attribution
        )
        shot: Any = browser.get_screenshot_as_png()
    assert png_size(shot) == tuple(browser.execute_script("return [innerWidth, innerHeight]"))
    (tmp_path / "html-report.png").write_bytes(shot)
    if os.environ.get("DEDUP_UPDATE_SCREENSHOT"):
        (ROOT / "docs" / "html-report.png").write_bytes(shot)
    committed = ROOT / "docs" / "html-report.png"
    assert png_size(committed.read_bytes()) >= (800, 600), "the README's picture is a real screenshot"
