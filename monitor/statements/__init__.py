"""Bank statements and custody transfer files as banks export them → normalised transfer rows.

Pure functions, no database: :func:`read_statement` recognises the encoding, delimiter, header,
preamble and footer of a file (or follows a bank profile), reads dates, amounts and directions, checks
the running balance and the footer totals, and returns a :class:`Statement`.
"""

from monitor.statements.errors import StatementError
from monitor.statements.reader import Row, Statement, parse_amount, read_statement

__all__ = ["Row", "Statement", "StatementError", "parse_amount", "read_statement"]
