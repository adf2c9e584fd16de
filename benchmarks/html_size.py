"""How big the HTML report of a large scan gets, how long it takes to write, and how long Chromium
takes to open it and one of its pairs.

Scans a corpus from ``benchmarks/gencorpus.py`` (seed 7; about one planted pair per ten documents,
so 200,000 documents give about 20,000 pairs), renders the page, and prints its size by part: the
overview data, the pairs' spans and the documents' texts. With ``--browser`` it opens the page in
headless Chromium (Debian's chromium and chromium-driver) and times the overview and the last pair.

    python benchmarks/html_size.py                      # 200,000 documents, corpus in benchmarks/work
    python benchmarks/html_size.py --docs 20000 --browser
    python benchmarks/html_size.py --corpus /tmp/corpus --browser
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))

import gencorpus  # noqa: E402

from dedup.atomic import atomic_write_text  # noqa: E402
from dedup.pipeline import scan  # noqa: E402
from dedup.render.html import render  # noqa: E402

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]

OPEN_PAIR = """
const [number, done] = arguments;
// The page's own listener, added first, draws the pair before this one runs.
addEventListener("hashchange", () => done(document.querySelectorAll(".column .span").length), {once: true});
location.hash = "#pair-" + number;
"""


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parts(page: str) -> dict[str, int]:
    """Bytes of the page by part: overview data, spans (``s<N>`` blocks), texts (``t<N>``), the rest."""
    sizes = {"overview data": 0, "spans": 0, "texts": 0}
    for found in re.finditer(r'<script type="application/json" id="([a-z0-9-]+)">.*?</script>', page, re.S):
        name = found.group(1)
        part = "overview data" if name == "dedup-data" else "spans" if name[0] == "s" else "texts"
        sizes[part] += len(found.group(0).encode("utf-8"))
    sizes["page, style and script"] = len(page.encode("utf-8")) - sum(sizes.values())
    return sizes


def open_in_chromium(page: Path, last_pair: int) -> None:
    """Time loading the page to its first overview page, and opening the last pair."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='dedup-chromium-')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        driver.set_page_load_timeout(600)
        started = time.perf_counter()
        driver.get(page.resolve().as_uri())
        rows = driver.execute_script("return document.querySelectorAll('tr.pair').length")
        print(f"chromium: overview shown in {time.perf_counter() - started:.2f} s ({rows} pair rows drawn)")
        heap = driver.execute_script("return performance.memory.usedJSHeapSize")
        print(f"chromium: JavaScript heap after loading {heap / 1e6:.1f} MB")
        started = time.perf_counter()
        spans = driver.execute_async_script(OPEN_PAIR, last_pair)
        seconds = time.perf_counter() - started
        print(f"chromium: pair {last_pair} shown side by side in {seconds:.3f} s ({spans} spans)")
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000, help="documents to generate (default 200,000)")
    parser.add_argument("--corpus", type=Path, help="a corpus gencorpus.py wrote (default: generate one)")
    parser.add_argument("--out", type=Path, default=BENCHMARKS / "work" / "report.html")
    parser.add_argument("--browser", action="store_true", help="also open the page in headless Chromium")
    args = parser.parse_args()
    corpus = args.corpus or BENCHMARKS / "work" / f"corpus-{args.docs}"
    if not corpus.is_dir():
        print(f"generating {args.docs:,} documents into {corpus} ...", file=sys.stderr)
        gencorpus.generate(corpus, args.docs, 7, force=True)
    started = time.perf_counter()
    report = scan([corpus], keep_texts=True)
    seconds = time.perf_counter() - started
    print(
        f"scan: {len(report.documents):,} documents, {len(report.pairs):,} pairs in {seconds:.1f} s; "
        f"peak memory {peak_mb():,.0f} MB"
    )
    started = time.perf_counter()
    page = render(report)
    rendered = time.perf_counter() - started
    started = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, page)
    written = time.perf_counter() - started
    print(
        f"render: {rendered:.1f} s; write: {written:.1f} s; {len(report.texts):,} texts in the page; "
        f"peak memory {peak_mb():,.0f} MB"
    )
    total = len(page.encode("utf-8"))
    print(
        f"page: {total / 1e6:.1f} MB ({total:,} bytes), {total / max(1, len(report.pairs)):,.0f} bytes a pair"
    )
    for name, size in parts(page).items():
        print(f"  {name}: {size / 1e6:.1f} MB ({size / total:.0%})")
    del page
    if args.browser:
        open_in_chromium(args.out, len(report.pairs) - 1)


if __name__ == "__main__":
    main()
