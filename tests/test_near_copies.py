"""Many lightly edited copies of one text: compared through a representative (issue 19)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from conftest import SAMPLES

from dedup import Settings, scan
from dedup.groups import GROUP
from dedup.render.json import dumps

ARTICLE = (SAMPLES / "iran-russia-pact_original.txt").read_text(encoding="utf-8")
OTHER = (SAMPLES / "alpine-glacier-survey.txt").read_text(encoding="utf-8")


def _edited(text: str, seed: int, edits: int) -> str:
    """``text`` with ``edits`` words replaced, deleted or inserted, the same for the same seed."""
    rng = random.Random(seed)
    words = text.split(" ")
    for _ in range(edits):
        at = rng.randrange(len(words))
        choice = rng.random()
        if choice < 0.4:
            words[at] = f"edit{rng.randrange(10**6)}"
        elif choice < 0.7:
            del words[at]
        else:
            words.insert(at, f"added{rng.randrange(10**6)}")
    return " ".join(words)


def _near_copies(folder: Path, n: int, text: str = ARTICLE, prefix: str = "copy") -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(n):
        name = f"{prefix}-{i:03d}.txt"
        (folder / name).write_text(_edited(text, i, 1 + i % 4), encoding="utf-8")
        names.append(name)
    return names


def _names(pairs: object) -> set[tuple[str, str]]:
    return {(Path(p.a).name, Path(p.b).name) for p in pairs}  # type: ignore[attr-defined]


def test_near_copies_are_compared_through_one_of_them(tmp_path: Path) -> None:
    n = 3 * GROUP
    names = _near_copies(tmp_path, n)
    (tmp_path / "glacier.txt").write_text(OTHER, encoding="utf-8")
    report = scan([tmp_path], Settings(jobs=1))
    # All 22,350 pairs among them would each be verified and explained: here about one a copy.
    assert len(report.pairs) < 2 * n, len(report.pairs)
    assert [g.representative for g in report.groups] == [str(tmp_path / names[0])]
    (group,) = report.groups
    assert [Path(m).name for m in group.members] == names
    # Every copy accounted for: paired with the representative, with its own numbers.
    with_first = {b for a, b in _names(report.pairs) if a == names[0]}
    assert with_first == set(names[1:])
    assert all(p.relation == "near-duplicate" for p in report.pairs)
    assert report.stats["groups"] == 1 and report.stats["grouped_documents"] == n
    assert [len(c.members) for c in report.clusters] == [n]
    data = json.loads(dumps(report))
    assert data["groups"] == [
        {"id": 1, "representative": group.representative, "members": list(group.members), "cluster": 1}
    ]


def test_few_near_copies_are_still_paired_every_two(tmp_path: Path) -> None:
    names = _near_copies(tmp_path, 6)
    report = scan([tmp_path], Settings(jobs=1))
    assert report.groups == ()
    assert len(report.pairs) == 15
    assert _names(report.pairs) == {(a, b) for i, a in enumerate(names) for b in names[i + 1 :]}


def test_outsiders_and_members_still_meet(tmp_path: Path) -> None:
    names = _near_copies(tmp_path, 2 * GROUP)
    paragraphs = [p for p in ARTICLE.split("\n") if len(p.split()) > 40]
    # An outsider that quotes a passage every copy holds; another that shares a passage with one
    # member only (appended to it, not to the representative).
    (tmp_path / "quotes.txt").write_text(OTHER + "\n\n" + paragraphs[1], encoding="utf-8")
    unique = _edited(OTHER, 99, 0).replace("glacier", "moraine")
    member = tmp_path / names[7]
    member.write_text(member.read_text(encoding="utf-8") + "\n\n" + unique[:700], encoding="utf-8")
    (tmp_path / "holder.txt").write_text(
        "An unrelated opening about harbour dredging and its costs to the town. " + unique[:700],
        encoding="utf-8",
    )
    report = scan([tmp_path], Settings(jobs=1))
    found = {(Path(p.a).name, Path(p.b).name): p.relation for p in report.pairs}
    assert found[(names[0], "quotes.txt")] == "overlap"
    assert found[(names[7], "holder.txt")] in {"overlap", "contained"}
    assert report.groups and names[7] in {Path(m).name for m in report.groups[0].members}


def test_two_groups_and_a_roundup_of_both(tmp_path: Path) -> None:
    first = _near_copies(tmp_path, GROUP + 20, ARTICLE, "pact")
    second = _near_copies(tmp_path, GROUP + 20, OTHER, "glacier")
    # Sorts before every copy, so it would be the representative of one component of all.
    (tmp_path / "a-roundup.txt").write_text(ARTICLE + "\n\n" + OTHER, encoding="utf-8")
    report = scan([tmp_path], Settings(jobs=1))
    assert [[Path(m).name for m in g.members] for g in report.groups] == [second, first]
    found = {(Path(p.a).name, Path(p.b).name): p.relation for p in report.pairs}
    assert found[("a-roundup.txt", first[0])] == "contained"
    assert found[("a-roundup.txt", second[0])] == "contained"
    assert len(report.pairs) < 6 * (len(first) + len(second))


def test_groups_do_not_depend_on_order_or_workers(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _near_copies(corpus, GROUP + 30)
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", corpus / "reprint.txt")
    one = dumps(scan([corpus], Settings(jobs=1)))
    two = dumps(scan([corpus], Settings(jobs=2)))
    assert one == two
    assert json.loads(one)["groups"]


def test_the_terminal_report_folds_a_group(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dedup.cli import cli

    n = GROUP + 30
    _near_copies(tmp_path, n)
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", tmp_path / "reprint.txt")
    done = CliRunner().invoke(cli, ["scan", str(tmp_path), "--no-progress", "--jobs", "1"])
    assert done.exit_code == 1, done.output
    out = done.output
    assert f"and {n - 1} near-copies" in out
    assert "NEAR-COPIES of" in out and f"{n - 1} documents compared through it" in out
    # The reprint contains every copy: one block for the representative, the rest folded into it.
    assert out.count("CONTAINED") == 1
    assert f"and the same with {n - 1} of the near-copies (contained)" in out
    # --explain shows every pair.
    done = CliRunner().invoke(cli, ["scan", str(tmp_path), "--no-progress", "--jobs", "1", "--explain"])
    assert done.output.count("CONTAINED") == n
