"""Problems found in an uploaded file, each with its line number, reported all at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LineError:
    """One problem of a file: its line (0 for the file as a whole) and what is wrong, and for a
    bundle of several files, which file."""

    line: int
    message: str
    file: str = ""

    def __str__(self) -> str:
        if self.file:
            return f"{self.file}, line {self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"
        return f"Line {self.line}: {self.message}" if self.line else self.message


class LineErrors(Exception):
    """A file rejected as a whole; `errors` lists every problem with its line number."""

    what = "file"

    def __init__(self, errors: list[LineError]):
        super().__init__(f"{len(errors)} problem(s) in the {self.what}")
        self.errors = errors
