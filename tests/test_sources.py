from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from dedup.config import Settings
from dedup.errors import InputError
from dedup.models import Skipped
from dedup.sources import Source, Text, _read_all, decode, discover, display_path, html_to_text, read_text


def _write(path: Path, data: str | bytes = "some words here") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    _write(root / "b.txt")
    _write(root / "a.md")
    _write(root / "page.html", "<p>hi</p>")
    _write(root / "notes.csv")
    _write(root / "image.png", b"\x89PNG")
    _write(root / ".hidden.txt")
    _write(root / ".git" / "config.txt")
    _write(root / ".cache" / "x.txt")
    _write(root / "sub" / "a.txt")
    _write(root / "sub" / "deeper" / "z.rst")
    _write(root / "drafts" / "draft.txt")
    _write(root / "sub" / "drafts" / "also.txt")
    return root


def _displays(sources: list[Source]) -> list[str]:
    return [s.display for s in sources]


def test_discover_default_includes_recursive_sorted(corpus: Path) -> None:
    found = discover(["corpus"], Settings(), corpus.parent)
    assert _displays(found) == [
        "corpus/a.md",
        "corpus/b.txt",
        "corpus/drafts/draft.txt",
        "corpus/page.html",
        "corpus/sub/a.txt",
        "corpus/sub/deeper/z.rst",
        "corpus/sub/drafts/also.txt",
    ]
    for source in found:
        assert Path(source.path).is_file()
        assert Path(source.path) == corpus.parent / source.display


def test_discover_skips_hidden_files_and_folders(corpus: Path) -> None:
    found = _displays(discover(["corpus"], Settings(include=("*",), record_format="text"), corpus.parent))
    assert not any("/." in d for d in found)
    assert "corpus/notes.csv" in found
    assert "corpus/image.png" in found


def test_discover_include_patterns(corpus: Path) -> None:
    found = discover(["corpus"], Settings(include=("*.txt",)), corpus.parent)
    assert _displays(found) == [
        "corpus/b.txt",
        "corpus/drafts/draft.txt",
        "corpus/sub/a.txt",
        "corpus/sub/drafts/also.txt",
    ]
    only_sub = discover(["corpus"], Settings(include=("sub/*.txt",)), corpus.parent)
    assert _displays(only_sub) == ["corpus/sub/a.txt", "corpus/sub/drafts/also.txt"]


def test_discover_exclude_folder_and_file_patterns(corpus: Path) -> None:
    settings = Settings(exclude=("drafts", "b.*"))
    found = _displays(discover(["corpus"], settings, corpus.parent))
    assert found == [
        "corpus/a.md",
        "corpus/page.html",
        "corpus/sub/a.txt",
        "corpus/sub/deeper/z.rst",
    ]
    by_path = _displays(discover(["corpus"], Settings(exclude=("sub/*",)), corpus.parent))
    assert not any(d.startswith("corpus/sub/") for d in by_path)
    assert "corpus/drafts/draft.txt" in by_path
    # A trailing slash names a folder, as in .gitignore.
    slashed = _displays(discover(["corpus"], Settings(exclude=("drafts/", "sub/deeper/")), corpus.parent))
    assert "corpus/drafts/draft.txt" not in slashed and "corpus/sub/drafts/also.txt" not in slashed
    assert "corpus/sub/deeper/z.rst" not in slashed and "corpus/sub/a.txt" in slashed


def test_display_paths_as_the_user_typed_them(corpus: Path) -> None:
    cwd = corpus.parent
    assert _displays(discover(["corpus/sub"], Settings(), cwd))[0] == "corpus/sub/a.txt"
    assert _displays(discover(["./corpus/sub/"], Settings(), cwd))[0] == "corpus/sub/a.txt"
    assert _displays(discover(["."], Settings(), corpus / "sub"))[0] == "a.txt"
    assert _displays(discover(["corpus/drafts/../sub//"], Settings(), cwd))[0] == "corpus/sub/a.txt"
    inner = discover(["../sub/deeper"], Settings(), corpus / "drafts")
    assert _displays(inner) == ["../sub/deeper/z.rst"]
    absolute = discover([str(corpus / "sub" / "deeper")], Settings(), Path("/"))
    assert _displays(absolute) == [(corpus / "sub" / "deeper" / "z.rst").as_posix()]


def test_display_path_helper() -> None:
    assert display_path("corpus", "sub/a.txt") == "corpus/sub/a.txt"
    assert display_path("./corpus/", "a.txt") == "corpus/a.txt"
    assert display_path(".", "a.txt") == "a.txt"
    assert display_path("corpus/../other/x.txt") == "other/x.txt"


def test_file_named_directly_is_scanned_whatever_its_suffix(corpus: Path) -> None:
    found = discover(["corpus/image.png"], Settings(), corpus.parent)
    assert _displays(found) == ["corpus/image.png"]
    # A record file's suffix makes it records, unless told it is one document.
    found = discover(["corpus/notes.csv"], Settings(record_format="text"), corpus.parent)
    assert _displays(found) == ["corpus/notes.csv"]
    hidden = discover(["corpus/.hidden.txt"], Settings(), corpus.parent)
    assert _displays(hidden) == ["corpus/.hidden.txt"]


def test_file_named_directly_can_be_excluded(corpus: Path) -> None:
    assert discover(["corpus/notes.csv"], Settings(exclude=("*.csv",)), corpus.parent) == []


def test_each_file_listed_once(corpus: Path) -> None:
    found = discover(["corpus/sub", "corpus", "corpus/sub/a.txt"], Settings(), corpus.parent)
    displays = _displays(found)
    assert len(displays) == len(set(displays)) == 7
    assert len({Path(s.path).resolve() for s in found}) == 7
    assert displays == sorted(displays)


def test_missing_path_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does-not-exist"):
        discover(["does-not-exist"], Settings(), tmp_path)


def test_broken_symlink_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "docs" / "real.txt")
    os.symlink(tmp_path / "nowhere.txt", tmp_path / "docs" / "broken.txt")
    assert _displays(discover(["docs"], Settings(), tmp_path)) == ["docs/real.txt"]


def test_empty_folder_gives_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert discover(["empty"], Settings(), tmp_path) == []


# ---- decoding ----------------------------------------------------------------------------------


def _source(path: Path) -> Source:
    return Source(path, path.name)


def test_read_utf8(tmp_path: Path) -> None:
    data = "Café “quoted” — naïve".encode()
    text = read_text(_source(_write(tmp_path / "a.txt", data)), 1000)
    assert isinstance(text, Text)
    assert text.text == "Café “quoted” — naïve"
    assert text.encoding == "utf-8"
    assert text.content_hash == hashlib.sha256(data).hexdigest()
    assert text.source.display == "a.txt"


def test_read_utf8_with_bom(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + "Grüße".encode()
    text = read_text(_source(_write(tmp_path / "a.txt", data)), 1000)
    assert isinstance(text, Text)
    assert text.text == "Grüße"
    assert text.encoding == "utf-8"
    assert text.content_hash == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_read_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    data = bom + "Привет, мир. Hello world.".encode(codec)
    text = read_text(_source(_write(tmp_path / "a.txt", data)), 1000)
    assert isinstance(text, Text)
    assert text.text == "Привет, мир. Hello world."
    assert text.encoding == "utf-16"


def test_decode_utf32_with_bom() -> None:
    assert decode("hello".encode("utf-32")) == ("hello", "utf-32")


def test_cp1252_fallback(tmp_path: Path) -> None:
    data = b"caf\xe9 \x93quoted\x94"
    assert decode(data) == ("café “quoted”", "cp1252")
    text = read_text(_source(_write(tmp_path / "old.txt", data)), 1000)
    assert isinstance(text, Text)
    assert text.encoding == "cp1252"
    assert text.text == "café “quoted”"


def test_undecodable_bytes() -> None:
    # 0x81 is undefined in Windows-1252 and invalid UTF-8.
    reason = decode(b"abc \x81 def")
    assert isinstance(reason, str)
    assert reason.startswith("undecodable")


@pytest.mark.parametrize(
    "data",
    [
        b"text with a \x00 NUL byte",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"\x7fELF\x02\x01\x01\x00\x00\x00",
        bytes(range(1, 32)) * 10 + b"mostly control bytes",
    ],
)
def test_binary_is_skipped(tmp_path: Path, data: bytes) -> None:
    assert decode(data) == "binary"
    result = read_text(_source(_write(tmp_path / "x.txt", data)), 10_000)
    assert result == Skipped("x.txt", "binary")


def test_whitespace_controls_and_a_stray_control_byte_are_still_text() -> None:
    # Form feeds and escapes are allowed freely; one bell in ~1 KB is tolerated.
    data = b"page one\x0c page two \x1b[1m bold \x1b[0m. " * 30 + b"ding\x07 " + b"words " * 20
    decoded = decode(data)
    assert isinstance(decoded, tuple)
    assert decoded[1] == "utf-8"
    assert "\x07" in decoded[0]


def test_many_stray_control_bytes_are_binary() -> None:
    assert decode(b"ding\x07 " * 3 + b"x" * 100) == "binary"


@pytest.mark.parametrize("data", [b"", b"   \n\t \r\n", "\ufeff".encode(), "  \n".encode("utf-16")])
def test_empty_and_whitespace_only(tmp_path: Path, data: bytes) -> None:
    result = read_text(_source(_write(tmp_path / "e.txt", data)), 1000)
    assert result == Skipped("e.txt", "empty")


def test_a_stray_windows_1252_byte_leaves_the_utf8_text_intact(tmp_path: Path) -> None:
    french = "Le conseil a voté la réouverture de la bibliothèque. "
    data = french.encode("utf-8") + b"It\x92s the end."  # a curly apostrophe pasted from Word
    assert decode(data) == (french + "It\u2019s the end.", "utf-8+cp1252")
    # The copy is found whole inside the original with the stray byte, not as mojibake.
    from dedup import compare

    (tmp_path / "a.txt").write_bytes((french * 8).encode("utf-8"))
    (tmp_path / "b.txt").write_bytes((french * 8).encode("utf-8") + b"It\x92s the end.")
    pair = compare(tmp_path / "a.txt", tmp_path / "b.txt").pair
    assert pair.a_in_b == 1.0


def test_decode_empty_reason() -> None:
    assert decode(b"") == "empty"
    assert decode(b" \n ") == "empty"


def test_too_large(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.txt", b"x" * 11)
    result = read_text(_source(path), 10)
    assert isinstance(result, Skipped)
    assert result.path == "big.txt"
    assert result.reason.startswith("too large")
    assert "11 bytes" in result.reason
    exactly = read_text(_source(path), 11)
    assert isinstance(exactly, Text)


def test_unreadable_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    result = read_text(Source(folder, "folder.txt"), 10**9)
    assert isinstance(result, Skipped)
    assert result.path == "folder.txt"
    assert result.reason.startswith("unreadable")


def test_unreadable_missing_file(tmp_path: Path) -> None:
    result = read_text(Source(tmp_path / "gone.txt", "gone.txt"), 1000)
    assert isinstance(result, Skipped)
    assert result.reason.startswith("unreadable")


@pytest.mark.parametrize("told", [0, 1, 70_000, 99_842, 99_843, 99_844, 300_000])
def test_read_all_reads_to_the_end_whatever_size_it_was_told(tmp_path: Path, told: int) -> None:
    # The size comes from fstat before the read: the file's own size (99,843 bytes), or that of a
    # file that grew since, shrank since, or whose size says nothing (0, as for files under /proc).
    # It is read to its end either way, and only that.
    data = bytes(range(256)) * 390 + b"end"
    assert len(data) == 99_843
    path = _write(tmp_path / "grown.txt", data)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert _read_all(fd, told) == data
        assert os.read(fd, 1) == b""
    finally:
        os.close(fd)


def test_read_text_keeps_line_ends_and_bytes_as_written(tmp_path: Path) -> None:
    data = b"first line\r\nsecond line\rthird\n" * 5000
    text = read_text(_source(_write(tmp_path / "crlf.txt", data)), len(data))
    assert isinstance(text, Text)
    assert text.text == data.decode("ascii")
    assert text.content_hash == hashlib.sha256(data).hexdigest()


# ---- HTML ----------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html>
<head>
  <title>Library &amp; Archive</title>
  <style>body { color: red; }</style>
  <script>var hidden = "do not show";</script>
  <meta charset="utf-8">
</head>
<body>
  <nav><ul><li>Home</li><li>About</li></ul></nav>
  <h1>Riverside  library   reopens</h1>
  <p>The library&nbsp;reopened on <b>Tuesday</b> &mdash; after &#8220;years&#8221; of work.</p>
  <script type="text/javascript">document.write("nope");</script>
  <noscript>enable scripts</noscript>
  <div>Second<br>line</div>
  <p>Caf&eacute; &lt;open&gt;</p>
</body>
</html>
"""


def test_html_to_text_visible_text_only() -> None:
    text = html_to_text(PAGE)
    assert text.splitlines() == [
        "Library & Archive",
        "Home",
        "About",
        "Riverside library reopens",
        "The library reopened on Tuesday — after “years” of work.",
        "Second",
        "line",
        "Café <open>",
    ]
    for hidden in ("color", "hidden", "nope", "enable scripts", "<b>", "charset"):
        assert hidden not in text


def test_read_text_reduces_html_files(tmp_path: Path) -> None:
    path = _write(tmp_path / "page.HTML", PAGE)
    text = read_text(Source(path, "page.HTML"), 100_000)
    assert isinstance(text, Text)
    assert text.text.splitlines()[0] == "Library & Archive"
    assert "var hidden" not in text.text
    assert text.content_hash == hashlib.sha256(PAGE.encode()).hexdigest()


def test_html_markup_in_txt_file_is_kept(tmp_path: Path) -> None:
    path = _write(tmp_path / "page.txt", "<p>hello</p>")
    text = read_text(Source(path, "page.txt"), 1000)
    assert isinstance(text, Text)
    assert text.text == "<p>hello</p>"


def test_html_with_only_hidden_content_is_empty(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.htm", "<html><script>alert(1)</script><style>p{}</style></html>")
    assert read_text(Source(path, "s.htm"), 1000) == Skipped("s.htm", "empty")


def test_inline_tags_do_not_split_lines() -> None:
    assert html_to_text("<p>one <i>two</i> <a href='#'>three</a></p><p>four</p>") == ("one two three\nfour")


def test_html_without_head_end_tag_keeps_body() -> None:
    # HTML lets </head> be left out: <body> ends the head (this once dropped the whole body).
    markup = "<html><head><title>T</title><body><p>Hello there</p></body></html>"
    assert html_to_text(markup) == "T\nHello there"


def test_html_source_line_breaks_inside_a_block_are_spaces() -> None:
    # A paragraph wrapped in the markup is one line of text (this once cut attributions short).
    markup = "<p>Reprinted from The\n   Algemeiner</p>\n<p>Body text here.</p>"
    assert html_to_text(markup) == "Reprinted from The Algemeiner\nBody text here."


def test_html_pre_keeps_its_lines() -> None:
    assert html_to_text("<pre>first line\nsecond line</pre><p>wrapped\ntext</p>") == (
        "first line\nsecond line\nwrapped text"
    )


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_html_crlf_line_breaks_inside_a_block_are_spaces(newline: str) -> None:
    markup = f"<p>Reprinted from The{newline}   Algemeiner</p>{newline}<p>Body text here.</p>"
    assert html_to_text(markup) == "Reprinted from The Algemeiner\nBody text here."


def _bytes_name(folder: Path, name: bytes) -> Path:
    """A path whose name is not valid UTF-8 (Linux file names are bytes)."""
    return Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))


@pytest.mark.skipif(os.name != "posix", reason="file names as bytes are a POSIX matter")
def test_names_that_are_not_utf8_are_skipped_with_a_reason(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    _write(root / "fine.txt")
    try:
        _write(_bytes_name(root, b"bad\xff.txt"))
        _write(_bytes_name(root, b"sub\xfe") / "x.txt")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    skipped: list[Skipped] = []
    found = discover(["corpus"], Settings(), tmp_path, skipped)
    assert _displays(found) == ["corpus/fine.txt"]
    assert skipped == [
        Skipped("corpus/bad\\xff.txt", "file name is not valid UTF-8"),
        Skipped("corpus/sub\\xfe/x.txt", "file name is not valid UTF-8"),
    ]
    named: list[Skipped] = []
    assert discover([os.fsdecode(b"corpus/bad\xff.txt")], Settings(), tmp_path, named) == []
    assert named == [Skipped("corpus/bad\\xff.txt", "file name is not valid UTF-8")]


@pytest.mark.skipif(os.name != "posix", reason="file names as bytes are a POSIX matter")
def test_a_corpus_with_a_name_that_is_not_utf8_scans_and_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from click.testing import CliRunner

    from dedup.cli import cli

    story = "The council voted on Tuesday to reopen the riverside library after two years. " * 5
    _write(tmp_path / "a.txt", story)
    try:
        _write(_bytes_name(tmp_path, b"copy\xff.txt"), story)
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    _write(tmp_path / "b.txt", story)
    monkeypatch.chdir(tmp_path)
    for args in (["scan", ".", "--json"], ["scan", ".", "--json", "--index"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        report = json.loads(result.stdout_bytes.decode("utf-8"))  # valid UTF-8, valid JSON
        assert [p["a"] + " " + p["b"] for p in report["pairs"]] == ["a.txt b.txt"]
        assert report["skipped"] == [{"path": "copy\\xff.txt", "reason": "file name is not valid UTF-8"}]
        assert "skipped copy\\xff.txt: file name is not valid UTF-8" in result.stderr


def test_markup_that_python_cannot_parse_still_gives_its_text(tmp_path: Path) -> None:
    # html.parser raises AssertionError on "<![" followed by a keyword it does not know.
    assert html_to_text("<p>Intro</p><![ x") == "Intro\n<![ x"
    assert html_to_text("<p>a</p><![foo[ bar ]]><p>b</p>") == "a\n<![foo[ bar ]]>\nb"
    assert html_to_text("<p>a<![CDATA[x]]>b</p>") == "ab"  # a known section is parsed as before
    page = _write(tmp_path / "page.html", "<p>Council reopens library</p><![ broken")
    text = read_text(Source(page, "page.html"), 1000)
    assert isinstance(text, Text)
    assert text.text == "Council reopens library\n<![ broken"


def test_a_page_the_parser_fails_on_is_skipped_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dedup.sources

    def fails(markup: str) -> str:
        raise ValueError("bad markup")

    monkeypatch.setattr(dedup.sources, "html_to_text", fails)
    page = _write(tmp_path / "page.html", "<p>x</p>")
    assert read_text(Source(page, "page.html"), 1000) == Skipped("page.html", "unparsable HTML (bad markup)")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_to_a_file_is_that_file_once(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    _write(root / "b-story.txt")
    (root / "a-link.txt").symlink_to(root / "b-story.txt")
    (root / "c-link.txt").symlink_to(root / "b-story.txt")
    found = _displays(discover(["corpus"], Settings(), tmp_path))
    assert found == ["corpus/a-link.txt"]
    # Named directly, in either order, the same name is kept.
    for order in (["corpus/c-link.txt", "corpus/b-story.txt"], ["corpus/b-story.txt", "corpus/c-link.txt"]):
        assert _displays(discover(order, Settings(), tmp_path)) == ["corpus/b-story.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_named_directly_is_an_input_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(InputError, match="not a file or folder: pipe.txt"):
        discover(["pipe.txt"], Settings(), tmp_path)
    _write(tmp_path / "a.txt")
    assert _displays(discover(["."], Settings(), tmp_path)) == ["a.txt"]  # in a folder: passed over


def test_unreadable_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root may read any folder, so the refusal is made by hand.
    root = tmp_path / "corpus"
    _write(root / "a.txt")
    _write(root / "locked" / "b.txt")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(os.path.normpath(path)) in ("locked", "shut"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    skipped: list[Skipped] = []
    assert _displays(discover(["corpus"], Settings(), tmp_path, skipped)) == ["corpus/a.txt"]
    assert skipped == [Skipped("corpus/locked/", "unreadable folder (Permission denied)")]
    (tmp_path / "shut").mkdir()
    with pytest.raises(InputError, match="cannot read folder shut: Permission denied"):
        discover(["shut"], Settings(), tmp_path)
