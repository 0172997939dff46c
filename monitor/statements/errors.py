"""The reader's error: names the file, line and column, and the profile setting that would fix it."""

from __future__ import annotations

from pathlib import Path

from monitor.errors import InputError


class StatementError(InputError):
    """A statement that cannot be read or does not add up: the file failed (exit code 1)."""

    exit_code = 1

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None,
                 column: str | None = None, hint: str | None = None, code: str | None = None):
        self.message, self.path, self.line, self.column, self.hint = message, path, line, column, hint
        super().__init__(self._text(), code=code or "statement_error", line=line, column=column)

    def _text(self) -> str:
        where = str(self.path) if self.path else ""
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f" column {self.column!r}"
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def at(self, path: Path | str) -> "StatementError":
        """The same error naming ``path`` (raised deep down, where the file was not known)."""
        if self.path is None:
            self.path = path
            self.args = (self._text(),)
        return self

    def __str__(self) -> str:
        return self._text()


class ProfileError(StatementError):
    """A bank profile that is missing or malformed: a usage error (exit code 2)."""

    exit_code = 2
