"""Deterministic synthetic corpus with planted relatives, for dedup's speed and recall benchmarks.

Writes N documents of English-like pseudo-text to OUT_DIR, one ``.txt`` file each, 1,000 per folder
(``OUT_DIR/000/000000.txt`` ... ``OUT_DIR/099/099999.txt``), and records what was planted in the
sibling file ``OUT_DIR.planted.json`` (outside OUT_DIR, so a scan never reads it); its path is printed.

    python benchmarks/gencorpus.py /tmp/corpus --docs 100000
    python benchmarks/gencorpus.py /tmp/corpus --docs 2000 --seed 7 --force
    dedup scan /tmp/corpus --json > /tmp/pairs.json

A document is a title line, a blank line and paragraphs (1-6 sentences; blank lines between them) of
sentences of 8-35 words with capitalised starts, commas and end punctuation. Lengths are lognormal,
about 600 words on average. Words are drawn independently with Zipf-Mandelbrot frequencies over
50,000 word types: about 150 common English words, then numbers and pronounceable pseudo-words (some
capitalised like names). The vocabulary is the same for every seed. Two unrelated documents share on
average about 4e-5 word 5-shingles.

About 10% of the documents are relatives of an ordinary document (its original), equally many of each
kind; every original has exactly one relative and is never a relative itself:

- ``light-edit``: the original with 1-3% of its words replaced and 1-4 typos;
- ``appended``: the original plus a "RELATED:" heading line and an article of 30-100% of its length;
- ``truncated``: the first 40-80% of the original, cut at a sentence end;
- ``moved-paragraphs``: the original's paragraphs in another order;
- ``passage``: an unrelated document with 60-150 words of the original inserted as a paragraph.

Originals have at least 20 sentences (so at least 3 paragraphs). Separately, groups of 20-50 ordinary
documents (neither originals nor relatives; about 10% of the corpus) each carry one boilerplate line of
20-40 words, a site header or footer: they are the negative case, recorded under
``boilerplate_groups`` and never as pairs.

The planted file::

    {"generator": "benchmarks/gencorpus.py", "version": 1, "seed": 7, "docs": N,
     "layout": "...", "files_per_folder": 1000, "words": ..., "mean_words": ...,
     "kinds": {"light-edit": n, ...},
     "pairs": [{"a": "012/012345.txt", "b": "034/034567.txt", "kind": "appended"}, ...],
     "boilerplate_groups": [{"position": "footer", "text": "...", "docs": ["000/000017.txt", ...]}]}

In a pair, ``a`` is the original (the source of a passage) and ``b`` its relative; paths are relative
to OUT_DIR with "/" separators; pairs are sorted by (a, b), groups by their first document. The same
seed and N give byte-identical files (randomness comes only from PCG64 uniform floats and Python's
``random`` for the vocabulary).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]

VERSION = 1
FILES_PER_FOLDER = 1000
CHUNK_DOCS = 2000  # documents generated per batch; fixed, so output never depends on machine or memory

VOCAB_SIZE = 50_000
VOCAB_SEED = 20_240_607  # the vocabulary is the language: the same for every --seed
ZIPF_EXPONENT = 1.1  # Zipf-Mandelbrot p(rank) ~ (rank + ZIPF_OFFSET) ** -ZIPF_EXPONENT: "the" is 6%,
ZIPF_OFFSET = 1.5  # the 100 commonest words half of all text, as in English
ZIPF_TABLE = 1 << 22  # sampling table entries: the rarest word (p ~ 1.1e-6) still gets 5

MEAN_WORDS = 600.0
LENGTH_SIGMA = 0.6  # lognormal spread of document lengths
MIN_SENTENCES = 3
MAX_SENTENCES = 1500
SENTENCE_MIN, SENTENCE_MAX = 8, 35
COMMA_RATE = 0.05
PARAGRAPH_SIZES = np.array([1, 2, 3, 4, 5, 6])
PARAGRAPH_WEIGHTS = np.array([0.22, 0.26, 0.22, 0.15, 0.10, 0.05])

RELATIVE_SHARE = 0.10
KINDS = ("light-edit", "appended", "truncated", "moved-paragraphs", "passage")
ORIGINAL_MIN_SENTENCES = 20  # with paragraphs of at most 6 sentences: at least 3 paragraphs
BOILERPLATE_SHARE = 0.10
GROUP_MIN, GROUP_MAX = 20, 50

# Word forms: a token code is word * FORMS + form; each form is the word plus what follows it.
PLAIN, CAP, COMMA, STOP = 0, 1, 2, 3  # STOP, STOP+1, STOP+2: ". " "? " "! "; +3 for paragraph ends
FORMS = 9
SUFFIXES = (" ", " ", ", ", ". ", "? ", "! ", ".\n\n", "?\n\n", "!\n\n")
PARAGRAPH_END = STOP + 3

_COMMON = """
the of and to a in is that for it was on with as he be at by this had not are but from or have an
they which one you were her all she there would their we him been has when who will more no if out
so said what up its about into than them can only other new some could time these two may then do
first any my now such like our over man me even most made after also did many before must through
back years where much your way well down should because each just those people how too little state
good very make world still own see men work long get here between both life being under never day
same another know while last might us great old year off come since against go came right used take
three it's don't didn't can't won't he's
"""
_ONSETS = "b c d f g h j k l m n p r s t v w y z bl br ch cl cr dr fl fr gl gr pl pr sc sh sk sl sm sn sp"
_VOWELS = "a e i o u a e i o u a e i o ai ea ee ie oa oo ou y"
_CODAS = "b ck d ff g l ll m n nd ng nk nt p r rd rn rt s ss st t th x"
FUNCTION_WORDS = _COMMON.split()
ONSETS = _ONSETS.split() + ["st", "str", "sw", "th", "tr", "tw", "wh", "qu"] + [""] * 6
VOWELS = _VOWELS.split()
CODAS = _CODAS.split() + [""] * 14
NUMBERS = [str(n) for n in range(1, 101)] + [str(year) for year in range(1950, 2026)]
WORD_ENDINGS = ["s", "ed", "ing", "er", "ly", "tion", "ment", "ness", "al", "ous"] + [""] * 20


_UNPRONOUNCEABLE = re.compile(r"(.)\1\1|[aeiouy]{3}|[^aeiouy]{4}|^[^aeiouy]+$|^[aeiouy]+$|yy")


@dataclass(frozen=True)
class Vocabulary:
    """Word types by frequency rank, with their capitalised forms and token-code strings."""

    words: list[str]
    capitals: list[str]
    forms: list[str]  # forms[word * FORMS + form]
    table: I32  # Zipf sampling table: a uniform index into it gives a word


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The fixed vocabulary: common English words, then numbers and pseudo-words, shorter ones first."""
    r = random.Random(VOCAB_SEED)
    seen = set(FUNCTION_WORDS)
    pseudo: list[str] = []
    while len(pseudo) < VOCAB_SIZE - len(FUNCTION_WORDS) - len(NUMBERS):
        syllables = r.choices((1, 2, 3, 4), weights=(28, 42, 22, 8))[0]
        parts = [r.choice(ONSETS) + r.choice(VOWELS) for _ in range(syllables)]
        last = len(parts) - 1
        parts = [p + r.choice(CODAS) if i == last or r.random() < 0.3 else p for i, p in enumerate(parts)]
        word = "".join(parts) + r.choice(WORD_ENDINGS)
        if len(word) >= 2 and word not in seen and not _UNPRONOUNCEABLE.search(word):
            seen.add(word)
            pseudo.append(word)
    keyed = sorted((len(w) + 4 * r.random(), i) for i, w in enumerate(pseudo))
    ranked = [pseudo[i] for _, i in keyed]
    ranked = [w.capitalize() if i >= 400 and r.random() < 0.08 else w for i, w in enumerate(ranked)]
    for number in NUMBERS:
        ranked.insert(r.randrange(200, 20_000), number)
    words = FUNCTION_WORDS + ranked
    capitals = [w[0].upper() + w[1:] for w in words]
    forms = [
        (capitals[i] if f == CAP else words[i]) + SUFFIXES[f] for i in range(len(words)) for f in range(FORMS)
    ]
    weights = 1.0 / (np.arange(1, len(words) + 1, dtype=np.float64) + ZIPF_OFFSET) ** ZIPF_EXPONENT
    counts = np.maximum(1, np.rint(weights / weights.sum() * ZIPF_TABLE)).astype(np.int64)
    table = np.repeat(np.arange(len(words), dtype=np.int32), counts)
    return Vocabulary(words, capitals, forms, table)


def _sentence_lengths() -> tuple[I64, npt.NDArray[np.float64]]:
    """Sentence lengths 8-35 and their cumulative probabilities (gamma-shaped, mean about 19)."""
    lengths = np.arange(SENTENCE_MIN, SENTENCE_MAX + 1, dtype=np.int64)
    x = (lengths - SENTENCE_MIN + 1).astype(np.float64)
    weights = x**2 * np.exp(-x / 4.0)
    return lengths, np.cumsum(weights) / weights.sum()


SENTENCE_LENGTHS, SENTENCE_CDF = _sentence_lengths()
MEAN_SENTENCE = float(np.sum(SENTENCE_LENGTHS * np.diff(SENTENCE_CDF, prepend=0.0)))
PARAGRAPH_CDF = np.cumsum(PARAGRAPH_WEIGHTS) / PARAGRAPH_WEIGHTS.sum()


def _pick(rng: np.random.Generator, cdf: npt.NDArray[np.float64], n: int) -> I64:
    """``n`` indices drawn from a discrete distribution given by its cumulative probabilities."""
    idx: I64 = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)
    return idx


def _draw_words(rng: np.random.Generator, n: int) -> I32:
    """``n`` word ids with Zipf frequencies."""
    table = vocabulary().table
    out: I32 = table[(rng.random(n) * len(table)).astype(np.int64)]
    return out


def _layout(rng: np.random.Generator, sentences: I64) -> tuple[I32, I64]:
    """Token codes for documents of the given sentence counts, and each document's start offset."""
    total = int(sentences.sum())
    lengths = SENTENCE_LENGTHS[_pick(rng, SENTENCE_CDF, total)]
    sentence_start = np.concatenate([[0], np.cumsum(lengths)])
    doc_sentence = np.concatenate([[0], np.cumsum(sentences)])
    # Paragraph ends: a stream of paragraph sizes across the batch, cut again at every document end.
    sizes = PARAGRAPH_SIZES[_pick(rng, PARAGRAPH_CDF, total)]
    ends = np.cumsum(sizes) - 1
    paragraph_end = np.zeros(total, dtype=bool)
    paragraph_end[ends[ends < total]] = True
    paragraph_end[doc_sentence[1:] - 1] = True
    words = int(sentence_start[-1])
    forms = np.where(rng.random(words) < COMMA_RATE, COMMA, PLAIN).astype(np.int32)
    forms[sentence_start[:-1]] = CAP
    punct = np.searchsorted([0.93, 0.985], rng.random(total), side="right")
    forms[sentence_start[1:] - 1] = STOP + punct + 3 * paragraph_end
    codes: I32 = _draw_words(rng, words) * FORMS + forms
    offsets: I64 = sentence_start[doc_sentence]
    return codes, offsets


def _titles(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` title lines of 4-11 capitalised words."""
    caps = vocabulary().capitals
    lengths = (4 + rng.random(n) * 8).astype(np.int64)
    ids = _draw_words(rng, int(lengths.sum())).tolist()
    bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    return [" ".join(caps[w] for w in ids[bounds[i] : bounds[i + 1]]) for i in range(n)]


def _body(codes: I32) -> str:
    """The paragraphs of a document, without trailing blank lines."""
    return "".join(map(vocabulary().forms.__getitem__, codes.tolist())).rstrip()


def _document(title: str, body: str, header: str | None = None, footer: str | None = None) -> str:
    """A whole file's text: title, optional header, body, optional footer."""
    parts = [title, "\n\n"]
    if header:
        parts += [header, "\n\n"]
    parts.append(body)
    if footer:
        parts += ["\n\n", footer]
    parts.append("\n")
    return "".join(parts)


def _sentence_counts(rng: np.random.Generator, n: int) -> I64:
    """Sentences per document: lognormal lengths (mean ~MEAN_WORDS words) over the mean sentence."""
    u1, u2 = rng.random(n), rng.random(n)
    normal = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
    mu = np.log(MEAN_WORDS) - LENGTH_SIGMA**2 / 2
    target = np.exp(mu + LENGTH_SIGMA * normal)
    counts: I64 = np.clip(np.rint(target / MEAN_SENTENCE), MIN_SENTENCES, MAX_SENTENCES).astype(np.int64)
    return counts


def _boilerplate(rng: np.random.Generator, footer: bool) -> str:
    """One site header or footer line of 20-40 words."""
    vocab = vocabulary()
    size = int(20 + rng.random() * 21)
    site = " ".join(vocab.capitals[1000 + int(rng.random() * 20_000)] for _ in range(2))
    frame = f"Copyright {2000 + int(rng.random() * 25)} {site}." if footer else f"{site} |"
    ids = _draw_words(rng, size - len(frame.split())).tolist()
    cut = 3 + int(rng.random() * (len(ids) - 6))
    first = " ".join([vocab.capitals[ids[0]], *(vocab.words[w] for w in ids[1:cut])])
    second = " ".join([vocab.capitals[ids[cut]], *(vocab.words[w] for w in ids[cut + 1 :])])
    return f"{frame} {first}. {second}."


def _typo(word: str, r1: float, r2: float) -> str:
    """``word`` with one typo: two letters swapped, one dropped, one doubled or one replaced."""
    i = 1 + int(r2 * (len(word) - 2))  # never the first letter, never past the last
    kind = int(r1 * 4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :] if i + 1 < len(word) else word[:i]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    letter = "etaoinshrdlu"[int(r2 * 1000) % 12]
    return word[:i] + (letter if letter != word[i] else "z") + word[i + 1 :]


def _light_edit(rng: np.random.Generator, codes: I32) -> str:
    """1-3% of the words replaced by others, and 1-4 typos."""
    vocab = vocabulary()
    codes = codes.copy()
    n = len(codes)
    count = max(1, round(n * (0.01 + 0.02 * rng.random())))
    where = np.argsort(rng.random(n), kind="stable")[:count]
    new = _draw_words(rng, count).astype(np.int32)
    old = codes[where] // FORMS
    new = np.where(new == old, (new + 1) % len(vocab.words), new)
    codes[where] = new * FORMS + codes[where] % FORMS
    pieces = [vocab.forms[c] for c in codes.tolist()]
    typos = 1 + int(rng.random() * 4)
    for p in np.argsort(rng.random(n), kind="stable")[: 8 * typos].tolist():
        word_id, form = divmod(int(codes[p]), FORMS)
        word = vocab.capitals[word_id] if form == CAP else vocab.words[word_id]
        if len(word) >= 4 and word.isalpha():
            pieces[p] = _typo(word, rng.random(), rng.random()) + SUFFIXES[form]
            typos -= 1
            if typos == 0:
                break
    return "".join(pieces).rstrip()


def _truncated(rng: np.random.Generator, codes: I32) -> I32:
    """The first 40-80% of the words, cut back to the last sentence end before that point."""
    cut = int(len(codes) * (0.4 + 0.4 * rng.random()))
    ends = np.flatnonzero(codes % FORMS >= STOP)
    before = ends[ends < cut]
    end = int(before[-1] if len(before) else ends[0])
    out: I32 = codes[: end + 1]
    return out


def _paragraphs(codes: I32) -> list[I32]:
    """The document's paragraphs (each ends with a paragraph-end form)."""
    ends = np.flatnonzero(codes % FORMS >= PARAGRAPH_END) + 1
    return np.split(codes, ends[:-1])


def _moved(rng: np.random.Generator, codes: I32) -> I32:
    """The same paragraphs in another order."""
    paragraphs = _paragraphs(codes)
    order = np.argsort(rng.random(len(paragraphs)), kind="stable")
    if np.array_equal(order, np.arange(len(paragraphs))):
        order = order[::-1]
    out: I32 = np.concatenate([paragraphs[i] for i in order.tolist()])
    return out


def _with_passage(rng: np.random.Generator, host: I32, source: I32) -> I32:
    """``host`` with a passage of 60-150 words of ``source`` inserted as a paragraph of its own."""
    size = min(int(60 + rng.random() * 91), len(source))
    starts = np.concatenate([[0], np.flatnonzero(source % FORMS >= STOP) + 1])
    starts = starts[starts <= len(source) - size]
    start = int(starts[int(rng.random() * len(starts))]) if len(starts) else 0
    passage = source[start : start + size].copy()
    passage[0] = passage[0] // FORMS * FORMS + CAP
    passage[-1] = passage[-1] // FORMS * FORMS + PARAGRAPH_END
    gaps = np.concatenate([[0], np.flatnonzero(host % FORMS >= PARAGRAPH_END) + 1])
    at = int(gaps[int(rng.random() * len(gaps))])
    out: I32 = np.concatenate([host[:at], passage, host[at:]])
    return out


@dataclass
class Plan:
    """Who is what: originals, relatives and their kinds, boilerplate groups."""

    sentences: I64
    relative_of: dict[int, tuple[int, str]] = field(default_factory=dict)  # relative -> (original, kind)
    originals: set[int] = field(default_factory=set)
    boiler_of: dict[int, int] = field(default_factory=dict)  # document -> group
    groups: list[tuple[bool, str, list[int]]] = field(default_factory=list)  # (footer, text, docs)


def _plan(seed: int, docs: int) -> Plan:
    """Lengths of every document, and which are originals, relatives and in boilerplate groups."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0])))
    plan = Plan(_sentence_counts(rng, docs))
    relatives = int(round(docs * RELATIVE_SHARE)) if docs >= 2 else 0
    relatives = min(relatives, docs // 2)
    # Originals: long enough documents first, in random order; relatives: any others, in random order.
    short = plan.sentences < ORIGINAL_MIN_SENTENCES
    originals = np.lexsort((rng.random(docs), short))[:relatives]
    rest = np.setdiff1d(np.arange(docs), originals)
    copies = rest[np.argsort(rng.random(len(rest)), kind="stable")[:relatives]]
    for j, (orig, copy) in enumerate(zip(originals.tolist(), copies.tolist(), strict=True)):
        plan.relative_of[copy] = (orig, KINDS[j % len(KINDS)])
    plan.originals = set(originals.tolist())
    plain = np.setdiff1d(rest, copies)
    plain = plain[np.argsort(rng.random(len(plain)), kind="stable")]
    wanted = round(docs * BOILERPLATE_SHARE / ((GROUP_MIN + GROUP_MAX) / 2))
    taken = 0
    for g in range(wanted):
        size = int(GROUP_MIN + rng.random() * (GROUP_MAX - GROUP_MIN + 1))
        if taken + size > len(plain):
            break
        members = sorted(plain[taken : taken + size].tolist())
        taken += size
        footer = bool(rng.random() < 0.5)
        plan.groups.append((footer, _boilerplate(rng, footer), members))
        for d in members:
            plan.boiler_of[d] = g
    return plan


def relpath(index: int, docs: int) -> str:
    """Where document ``index`` of ``docs`` lives, relative to the corpus folder."""
    digits = max(6, len(str(max(docs - 1, 0))))
    return f"{index // FILES_PER_FOLDER:0{digits - 3}d}/{index:0{digits}d}.txt"


def planted_path(out_dir: Path) -> Path:
    """The planted-pairs file of a corpus folder: its sibling ``<name>.planted.json``."""
    out = out_dir.resolve()
    return out.with_name(out.name + ".planted.json")


def _prepare(out_dir: Path, force: bool) -> None:
    """Make ``out_dir`` empty; with ``force``, remove a previous corpus (numbered folders only)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} is not a folder")
    if out_dir.exists() and any(out_dir.iterdir()):
        entries = list(out_dir.iterdir())
        if not force:
            raise FileExistsError(f"{out_dir} is not empty (use --force to replace a generated corpus)")
        if not all(e.is_dir() and e.name.isdigit() for e in entries):
            raise FileExistsError(f"{out_dir} holds files this generator did not write; not removing it")
        for e in entries:
            shutil.rmtree(e)
    out_dir.mkdir(parents=True, exist_ok=True)


def generate(out_dir: Path, docs: int, seed: int = 7, *, force: bool = False) -> Path:
    """Write the corpus to ``out_dir`` and its planted pairs next to it; return the planted.json path."""
    if docs < 1:
        raise ValueError("docs must be at least 1")
    out_dir = Path(out_dir)
    _prepare(out_dir, force)
    plan = _plan(seed, docs)
    for folder in sorted({relpath(i, docs).split("/")[0] for i in range(0, docs, FILES_PER_FOLDER)}):
        (out_dir / folder).mkdir()
    kept: dict[int, tuple[str, I32]] = {}
    hosts = {d for d, (_, kind) in plan.relative_of.items() if kind == "passage"}
    words = 0

    def write(index: int, text: str) -> None:
        (out_dir / relpath(index, docs)).write_bytes(text.encode("utf-8"))

    for chunk, c0 in enumerate(range(0, docs, CHUNK_DOCS)):
        c1 = min(docs, c0 + CHUNK_DOCS)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 1, chunk])))
        codes, offsets = _layout(rng, plan.sentences[c0:c1])
        titles = _titles(rng, c1 - c0)
        for j, i in enumerate(range(c0, c1)):
            doc = codes[offsets[j] : offsets[j + 1]]
            if i in plan.originals or i in hosts:
                kept[i] = (titles[j], doc.copy())
            if i in plan.relative_of:
                continue
            header = footer = None
            if i in plan.boiler_of:
                is_footer, line, _ = plan.groups[plan.boiler_of[i]]
                footer, header = (line, None) if is_footer else (None, line)
            line = header or footer or ""
            words += len(doc) + len(titles[j].split()) + len(line.split()) - line.count(" | ")
            write(i, _document(titles[j], _body(doc), header, footer))

    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 2])))
    pairs = []
    for i in sorted(plan.relative_of):
        orig, kind = plan.relative_of[i]
        title, source = kept[orig]
        if kind == "light-edit":
            text = _document(title, _light_edit(rng, source))
        elif kind == "appended":
            extra = max(2, round(len(source) * (0.3 + 0.7 * rng.random()) / MEAN_SENTENCE))
            more, _ = _layout(rng, np.array([extra], dtype=np.int64))
            related = f"RELATED:\n{_titles(rng, 1)[0]}"  # the heading on a line of its own, then a title
            text = _document(title, _body(source) + "\n\n" + related + "\n\n" + _body(more))
        elif kind == "truncated":
            text = _document(title, _body(_truncated(rng, source)))
        elif kind == "moved-paragraphs":
            text = _document(title, _body(_moved(rng, source)))
        else:
            host_title, host = kept[i]
            text = _document(host_title, _body(_with_passage(rng, host, source)))
        words += len(text.split())
        write(i, text)
        pairs.append({"a": relpath(orig, docs), "b": relpath(i, docs), "kind": kind})

    pairs.sort(key=lambda p: (p["a"], p["b"]))
    groups = [
        {
            "position": "footer" if footer else "header",
            "text": text,
            "docs": [relpath(d, docs) for d in members],
        }
        for footer, text, members in plan.groups
    ]
    groups.sort(key=lambda g: g["docs"][0])
    kinds = {k: sum(1 for p in pairs if p["kind"] == k) for k in KINDS}
    record = {
        "generator": "benchmarks/gencorpus.py",
        "version": VERSION,
        "seed": seed,
        "docs": docs,
        "layout": f"FOLDER/INDEX.txt, {FILES_PER_FOLDER} documents per folder",
        "files_per_folder": FILES_PER_FOLDER,
        "words": words,
        "mean_words": round(words / docs, 1),
        "kinds": kinds,
        "pairs": pairs,
        "boilerplate_groups": groups,
    }
    target = planted_path(out_dir)
    target.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    """Command line: ``gencorpus.py OUT_DIR --docs N [--seed 7] [--force]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the documents into (empty or new)")
    parser.add_argument("--docs", type=int, required=True, help="number of documents")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--force", action="store_true", help="replace a corpus this script wrote before")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        target = generate(args.out_dir, args.docs, args.seed, force=args.force)
    except (FileExistsError, ValueError) as exc:
        parser.exit(2, f"gencorpus: {exc}\n")
    record = json.loads(target.read_text(encoding="utf-8"))
    print(
        f"{args.docs} documents ({record['mean_words']} words on average), {len(record['pairs'])} planted "
        f"pairs, {len(record['boilerplate_groups'])} boilerplate groups in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    print(target)


if __name__ == "__main__":
    main()
