"""The exceptions dedup raises, and the exit code each one maps to."""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_DUPLICATES = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
"""The reader of the output left (``dedup scan | head``): 128 + SIGPIPE, what a shell reports for a
program that the broken pipe killed, so it never reads as a result."""


class DedupError(Exception):
    """Base class: an error the user can fix, reported in one line without a traceback."""

    exit_code = EXIT_USAGE


class ConfigError(DedupError):
    """A setting, option or ``[tool.dedup]`` key is wrong."""


class InputError(DedupError):
    """A path given on the command line does not exist or holds no documents."""


class WorkerError(DedupError):
    """A worker process stopped before its work was done: killed by the system (for lack of
    memory, say) or by hand."""
