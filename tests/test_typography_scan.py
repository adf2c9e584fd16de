"""A scan does not split a copy on how its apostrophes were typed (issue 18)."""

from __future__ import annotations

from pathlib import Path

from conftest import SHARED, needs_shared

from dedup import Settings, scan

STORY = (
    "MILLTOWN'S OWNER SELLS THE OLD PLANT\n\n"
    "Harbour Mills Ltd said it had agreed to sell the town's old textile plant to a group of "
    "local investors, ending the company's forty years on the river. The buyers didn't give a "
    "price, but the mill's workers were told their jobs would be kept for at least two years. "
    "Tomorrow's meeting of the council will decide whether the site's water rights pass to the "
    "new owners, a spokeswoman for the town said. She said the council wasn't expected to object.\n"
)


def _variants() -> dict[str, str]:
    return {
        "straight.txt": STORY,
        "double.txt": STORY.replace("'", '"'),  # '"' typed for every apostrophe
        "curly.txt": STORY.replace("'", "\u2019"),  # not ASCII: the regex tokenizer's path
        "missing.txt": STORY.replace("'", ""),
        "backtick.txt": STORY.replace("'", "`"),
    }


def test_copies_differing_only_in_apostrophes_are_identical(tmp_path: Path) -> None:
    for name, text in _variants().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = scan([tmp_path], Settings(jobs=1))
    names = sorted(_variants())
    found = {tuple(sorted((Path(p.a).name, Path(p.b).name))): p.relation for p in report.pairs}
    # Copies of one text are each paired with the first of them in path order.
    assert found == {(names[0], name): "identical" for name in names[1:]}


def test_a_changed_word_still_keeps_a_copy_from_being_identical(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(STORY.replace("'", '"').replace("forty", "fifty"), encoding="utf-8")
    (pair,) = scan([tmp_path], Settings(jobs=1)).pairs
    assert pair.relation == "near-duplicate"


@needs_shared()
def test_reuters_story_with_quote_marks_for_apostrophes_is_identical_to_its_repeat(tmp_path: Path) -> None:
    # Reuters-21578 NEWID 230 writes "country"s" and "don"t"; its repeat, 240, has apostrophes.
    docs = SHARED / "data" / "reuters21578" / "docs"
    for newid in ("230", "240"):
        (tmp_path / f"{newid}.txt").write_bytes((docs / f"{newid}.txt").read_bytes())
    assert '"s' in (tmp_path / "230.txt").read_text(encoding="utf-8")
    (pair,) = scan([tmp_path], Settings(jobs=1)).pairs
    assert pair.relation == "identical"


@needs_shared()
def test_reuters_repeats_that_drop_a_ticker_are_identical(tmp_path: Path) -> None:
    # NEWID 1704, 8875 and 1629 carry "<GM>", "<GM>" and "<AMO>" in their titles; their repeats
    # 1712, 8900 and 1641 do not, and are otherwise the same words.
    docs = SHARED / "data" / "reuters21578" / "docs"
    for first, repeat in (("1704", "1712"), ("8875", "8900"), ("1629", "1641")):
        folder = tmp_path / first
        folder.mkdir()
        for newid in (first, repeat):
            (folder / f"{newid}.txt").write_bytes((docs / f"{newid}.txt").read_bytes())
        assert "<" in (folder / f"{first}.txt").read_text(encoding="utf-8").splitlines()[0]
        (pair,) = scan([folder], Settings(jobs=1)).pairs
        assert pair.relation == "identical"
