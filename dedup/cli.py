"""The ``dedup`` command: parse options, load config, call the library, render, exit.

Only this module imports click. Library errors become one-line messages with exit code 2.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path
from typing import Any, TypeVar

import click

from dedup import __version__
from dedup.errors import EXIT_INTERRUPTED, EXIT_USAGE, DedupError
from dedup.errors import InputError as InputError_

F = TypeVar("F", bound=Callable[..., Any])


def settings_options(fn: F) -> F:
    """Options shared by every command that scans: each maps to a Settings field."""
    options = [
        click.option(
            "--include",
            multiple=True,
            metavar="GLOB",
            help="Scan only files matching GLOB inside folders (repeatable; replaces the "
            "default *.txt *.text *.md *.markdown *.rst *.html *.htm).",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Leave out files and folders matching GLOB (repeatable).",
        ),
        click.option("--shingle-size", type=int, help="Words per shingle. [default: 5]"),
        click.option(
            "--near-duplicate",
            type=float,
            metavar="J",
            help="Jaccard similarity for near-duplicate. [default: 0.8]",
        ),
        click.option(
            "--contained",
            type=float,
            metavar="C",
            help="Share of a document found in the other for contained. [default: 0.9]",
        ),
        click.option(
            "--overlap-words",
            type=int,
            metavar="N",
            help="Words in a shared passage, common wording included, for overlap. [default: 30]",
        ),
        click.option(
            "--specific-words",
            type=int,
            metavar="N",
            help="Words in a shared passage without common wording for overlap. [default: 15]",
        ),
        click.option(
            "--overlap-share",
            type=float,
            metavar="S",
            help="Share of a document that makes a shorter specific passage an overlap. [default: 0.2]",
        ),
        click.option(
            "--common-docs",
            type=int,
            metavar="N",
            help="Different texts a shingle must be in to count as common wording. [default: 3]",
        ),
        click.option(
            "--boilerplate-docs",
            type=int,
            metavar="N",
            help="Documents a shingle must be in to count as boilerplate. [default: 10]",
        ),
        click.option(
            "--boilerplate-share",
            type=float,
            metavar="S",
            help="...when such shared text is less than S of those documents. [default: 0.3]",
        ),
        click.option("--num-perm", type=int, help="MinHash permutations per passage window. [default: 32]"),
        click.option("--seed", type=int, help="MinHash seed. [default: 1]"),
        click.option(
            "--window", type=int, metavar="N", help="Shingles per LSH passage window. [default: 20]"
        ),
        click.option(
            "--lsh-threshold",
            type=float,
            metavar="J",
            help="Window similarity the LSH aims at. [default: 0.25]",
        ),
        click.option(
            "--max-bytes", type=int, metavar="N", help="Skip files larger than N bytes. [default: 20000000]"
        ),
        click.option(
            "--jobs", "-j", type=int, metavar="N", help="Worker processes; 0 = one per core. [default: 0]"
        ),
        click.option(
            "--index-dir",
            "index",
            metavar="DIR",
            help="Folder of the persistent index. [default: .dedup]",
        ),
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="pyproject.toml to read [tool.dedup] from. [default: the nearest one "
            "at or above the current folder]",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def load_settings(config_path: Path | None, overrides: dict[str, Any]) -> Any:
    """Settings from [tool.dedup] (explicit file, or found upward from here) and the flags."""
    from dedup.config import Settings, build_settings, find_pyproject, load_pyproject, paths_from_folder

    if config_path is not None and not config_path.is_file():
        raise click.BadParameter(f"no such file: {config_path}", param_hint="--config")
    path = config_path or find_pyproject(Path.cwd())
    config = load_pyproject(path) if path else {}
    if path and config:
        # A project that configures dedup keeps its index and baseline beside its pyproject.toml,
        # wherever in it a command runs.
        config = paths_from_folder(
            {"index": Settings.index, "baseline": Settings.baseline, **config}, path.parent, Path.cwd()
        )
    for key in ("include", "exclude"):
        overrides[key] = tuple(overrides[key]) or None
    return build_settings(config, overrides)


class InputFailure(click.ClickException):
    """A library error shown as one line; every library error is a usage or input error."""

    exit_code = EXIT_USAGE


class DedupGroup(click.Group):
    """Maps the library's errors to click's one-line error and exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DedupError as exc:
            raise InputFailure(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            raise  # the reader left: nothing more to say to it (see main)
        except OSError as exc:
            # The output could not be written (a full disk, say): exit 1 would read as "pairs found".
            where = f"{exc.filename}: " if exc.filename else ""
            raise InputFailure(f"{where}{exc.strerror or exc}") from exc
        except Exception as exc:
            if os.environ.get("DEDUP_DEBUG"):
                raise
            raise InputFailure(
                f"unexpected {type(exc).__name__}: {exc} (a bug in dedup; DEDUP_DEBUG=1 shows where)"
            ) from exc


@click.group(
    cls=DedupGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="dedup")
def cli() -> None:
    """Find near-duplicate and reprinted documents in folders of text, and explain every match.

    Exit codes: 0 nothing found, 1 pairs found, 2 usage or input error.
    """


class _Warnings:
    """Warnings and the progress bar on stderr, through the terminal renderer, which is imported
    (with rich, a fifth of start-up) only when there is something to draw."""

    def __init__(self) -> None:
        self._err: Any = None

    def _console(self) -> Any:
        from dedup.render import terminal

        if self._err is None:
            self._err = terminal.console(stderr=True)
        return self._err

    def __call__(self, message: str) -> None:
        from dedup.render import terminal

        terminal.warn(self._console(), message)

    def progress_bar(self, wanted: bool) -> AbstractContextManager[Callable[[str, int, int], None] | None]:
        """The progress callback of a scan, or None when ``wanted`` is false."""
        if not wanted:
            return nullcontext(None)
        from dedup.render import terminal

        return terminal.progress_bar(self._console())


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.option("--no-progress", is_flag=True, help="Never draw a progress bar.")
@click.option("--explain", is_flag=True, help="Show every pair in full, as `dedup compare` does.")
@click.option("--timings", is_flag=True, help="Print the seconds of each stage on stderr, as JSON.")
@click.option(
    "--index", "use_index", is_flag=True, help="Read unchanged documents from the index (--index-dir)."
)
@click.option("--baseline", metavar="FILE", help="Report only pairs not accepted in this baseline file.")
@settings_options
def scan(
    paths: tuple[str, ...],
    as_json: bool,
    no_progress: bool,
    explain: bool,
    timings: bool,
    use_index: bool,
    config_path: Path | None,
    **overrides: Any,
) -> None:
    """Find identical, near-duplicate, contained and overlapping documents under PATHS.

    Folders are scanned recursively for text files (.txt .md .html ...); hidden folders are
    skipped. Unreadable, binary, empty and undecodable files are skipped with a warning.

    Example:

    \b
        dedup scan samples/
        dedup scan corpus/ --json > pairs.json
        dedup scan corpus/ --include '*.txt' --exclude drafts --contained 0.9
    """
    from dedup.pipeline import scan as run_scan

    with_baseline = overrides.get("baseline") is not None
    settings = load_settings(config_path, overrides)
    warn = _Warnings()
    with warn.progress_bar(not no_progress) as progress:
        report = run_scan(
            paths,
            settings,
            progress=progress,
            keep_texts=explain and not as_json,
            use_index=use_index,
            warn=warn,
        )
    if with_baseline:
        report = _without_accepted(report, settings)
    for skipped in report.skipped:
        warn(f"skipped {skipped.path}: {skipped.reason}")
    if timings:
        import json

        stages = {stage: round(seconds, 4) for stage, seconds in report.timings.items()}
        click.echo("timings: " + json.dumps({**stages, "total": round(report.seconds, 4)}), err=True)
    if not report.documents:
        warn("no documents to compare under " + " ".join(paths))
    if as_json:
        from dedup.render.json import chunks

        for chunk in chunks(report):
            click.echo(chunk, nl=False)
    else:
        from dedup.render import terminal

        terminal.render(report, terminal.console(), explain=explain)
    sys.exit(report.return_code)


@cli.command()
@click.argument("file_a", type=click.Path(path_type=str))
@click.argument("file_b", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@settings_options
def compare(file_a: str, file_b: str, as_json: bool, config_path: Path | None, **overrides: Any) -> None:
    """Compare two documents in full: numbers, what differs, and the aligned text.

    Shared text is marked '=', shared text that moved '~', text only in A '-', only in B '+',
    and an edit inside shared text '*'; each difference is labelled (boilerplate, caption,
    attribution, related, dateline, byline, junk, repeated, content). Exit code 1 when the two
    are a pair, 0 when not.

    Example:

    \b
        dedup compare samples/iran-russia-pact_original.txt samples/iran-russia-pact_reprint.txt
        dedup compare a.txt b.txt --json
    """
    from dedup.pipeline import compare as run_compare
    from dedup.render import terminal

    settings = load_settings(config_path, overrides)
    result = run_compare(file_a, file_b, settings)
    if as_json:
        from dedup.render.json import dumps

        click.echo(dumps(result), nl=False)
    else:
        terminal.render_comparison(result, terminal.console())
    sys.exit(result.return_code)


def _without_accepted(report: Any, settings: Any) -> Any:
    """The report less the pairs accepted in the baseline file (clusters rebuilt from the rest)."""
    import dataclasses

    from dedup.baseline import load_baseline, new_pairs, relative_to
    from dedup.cluster import clusters

    path = Path(settings.baseline)
    if not path.is_file():  # named on purpose, so a typo must not silently accept nothing
        raise InputError_(f"baseline file not found: {path}")
    accepted = load_baseline(path)
    pairs = new_pairs(report.pairs, report.documents, accepted, relative_to(path, Path.cwd()))
    attributions = {d.path: d.attribution for d in report.documents}
    return dataclasses.replace(report, pairs=tuple(pairs), clusters=clusters(pairs, attributions))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@settings_options
def index(paths: tuple[str, ...], config_path: Path | None, **overrides: Any) -> None:
    """Build or refresh the persistent index of the documents under PATHS.

    The index (folder --index-dir, default .dedup/, git-ignored by a .gitignore inside it) keeps each
    document's shingles and fingerprints keyed by path and content hash; a refresh re-reads only
    added and changed files and forgets deleted ones.

    Example:

    \b
        dedup index articles/
        dedup scan articles/ --index
    """
    import time

    from dedup.pipeline import build_index
    from dedup.render import terminal

    settings = load_settings(config_path, overrides)
    err = terminal.console(stderr=True)
    started = time.perf_counter()
    stats, total = build_index(paths, settings, warn=lambda message: terminal.warn(err, message))
    for skipped in stats.skipped:
        terminal.warn(err, f"skipped {skipped.path}: {skipped.reason}")
    click.echo(
        f"index {settings.index}: {total} documents ({stats.added} added, {stats.changed} changed, "
        f"{stats.removed} removed, {stats.unchanged} unchanged) in {time.perf_counter() - started:.1f} s",
        err=True,
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--baseline", metavar="FILE", help="Where to write. [default: .dedup-baseline.json]")
@settings_options
def baseline(paths: tuple[str, ...], config_path: Path | None, **overrides: Any) -> None:
    """Accept every pair found under PATHS: write them to the baseline file (--baseline).

    The hook and `scan --baseline FILE` then report only pairs not in it. Pairs are keyed by the
    sha256 of both files, so edits to other documents leave the file unchanged and a renamed file
    keeps its acceptance. Commit the file.

    Example:

    \b
        dedup baseline articles/
        git add .dedup-baseline.json
    """
    from dedup.baseline import write_baseline
    from dedup.pipeline import scan as run_scan
    from dedup.render import terminal

    settings = load_settings(config_path, overrides)
    err = terminal.console(stderr=True)
    report = run_scan(
        paths, settings, explain_spans=False, use_index=True, warn=lambda message: terminal.warn(err, message)
    )
    for skipped in report.skipped:
        terminal.warn(err, f"skipped {skipped.path}: {skipped.reason}")
    if not report.documents:
        raise InputError_(f"no documents under {' '.join(paths)}: the baseline was left as it was")
    count = write_baseline(Path(settings.baseline), report.pairs, report.documents, Path.cwd())
    click.echo(f"wrote {count} accepted pair{'s' if count != 1 else ''} to {settings.baseline}", err=True)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    metavar="DIR",
    help="Folder of the corpus to compare with (repeatable). [default: corpus in [tool.dedup]]",
)
@settings_options
def hook(files: tuple[str, ...], corpus: tuple[str, ...], config_path: Path | None, **overrides: Any) -> None:
    """Pre-commit check: fail when a changed FILE duplicates a document of the corpus.

    Each file is compared with every document of the corpus folders through the index, not only
    with the other files of this call. Pairs accepted in the baseline file (--baseline) pass. Exit
    code 1 when a new pair is found, 0 otherwise.

    Example:

    \b
        dedup hook articles/new-story.txt --corpus articles
    """
    from dedup.hook import check
    from dedup.render import terminal

    settings = load_settings(config_path, overrides)
    err = terminal.console(stderr=True)
    result = check(files, settings, corpus=corpus, warn=lambda message: terminal.warn(err, message))
    for skipped in result.skipped:
        terminal.warn(err, f"skipped {skipped.path}: {skipped.reason}")
    terminal.render_findings(result, settings.baseline, corpus or settings.corpus, terminal.console())
    sys.exit(result.return_code)


def main() -> None:
    """Entry point of the ``dedup`` console script."""
    # A command runs once and leaves with os._exit. A scan makes no reference cycles, so the
    # cyclic collector could only walk its millions of records for nothing: once the scan hands
    # them back, the first collection took 0.1 s at 100,000 documents (2 runs), before the output.
    gc.disable()
    try:
        cli.main(prog_name="dedup")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        _leave(EXIT_INTERRUPTED)
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            raise
        _leave(done.code or 0)


def _leave(code: int) -> None:
    """Exit with ``code`` once the output is flushed, without tearing the interpreter down, which
    only frees a large scan's records one by one (from the end of the command to the end of the
    process, at 10,000 and 100,000 documents: about 0.05 and 0.07 s with the teardown, 0.03 and
    0.04 s without, over 4 and 2 runs). Nothing the tool writes is left to the teardown: files
    are written and renamed into place, and the index closed, before this."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass  # the reader left, or the stream is closed: nothing more can reach it
    except OSError as exc:
        if code != EXIT_USAGE:  # else the failure was reported already, when a write first failed
            with suppress(OSError, ValueError):
                click.echo(f"Error: {exc.strerror or exc}", err=True)
            code = EXIT_USAGE
    with suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)
