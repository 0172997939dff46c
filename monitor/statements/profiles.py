"""Bank profiles: one TOML file each, naming what recognition cannot guess for a bank's export.

Shipped examples live in ``monitor/statements/profiles/``; an operator's own in
``<instance_dir>/profiles/`` (same name: the operator's wins). Keys (all optional)::

    name = "citic_counter"                 # default: the file name
    description = "…"
    [match]
    header = ["交易日期", "柜员流水"]        # header words that must all be present
    filename = "中信对账单_*"                # a glob on the file name
    [read]
    encoding = "gb18030"                   # utf-8, utf-8-sig, gb18030
    delimiter = "|"                        # ",", "\\t", "|", ";"
    date_format = "%Y.%m.%d"               # strptime format of the date (or date-time) column
    amount_unit = "万元"                    # or "元", "分"
    currency = "CNY"
    [columns]                              # header word -> role (see monitor.statements.aliases)
    "柜员流水" = "txn_id"
    [owner]
    account_from = "preamble"              # "preamble", "filename" or "fixed"
    filename_pattern = '_(\\d{12,22})_'    # group 1 is the owner account (account_from = "filename")
    account = "…"                          # account_from = "fixed"
    name = "…"
    institution = "…"                      # USCC of the institution the statements belong to
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from monitor.statements.aliases import HEADER_ALIASES
from monitor.statements.errors import ProfileError

SHIPPED_DIR = Path(__file__).with_name("profiles")
KNOWN_SECTIONS = {"name", "description", "match", "read", "columns", "owner"}


@dataclass
class Profile:
    name: str
    path: Path
    description: str = ""
    match_header: list[str] = field(default_factory=list)
    match_filename: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    date_format: str | None = None
    amount_unit: str | None = None
    currency: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    account_from: str = "preamble"
    filename_pattern: str | None = None
    account: str | None = None
    owner_name: str | None = None
    institution: str | None = None

    def extra_aliases(self) -> dict[str, list[tuple[str, int]]]:
        """Header word -> ``[(role, -1)]``: a profile's words outrank the built-in aliases."""
        from monitor.statements.recognise import norm_label

        return {norm_label(word): [(role, -1)] for word, role in self.columns.items()}


def load_profile(path: Path) -> Profile:
    """Parse one profile file; a bad key or role is an error naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read profile: {exc}", path=path) from None
    unknown = set(data) - KNOWN_SECTIONS
    if unknown:
        raise ProfileError(f"unknown profile key(s): {', '.join(sorted(unknown))}", path=path,
                             hint=f"known keys: {', '.join(sorted(KNOWN_SECTIONS))}")
    match, read, owner = data.get("match", {}), data.get("read", {}), data.get("owner", {})
    columns = {str(k): str(v) for k, v in data.get("columns", {}).items()}
    for word, role in columns.items():
        if role not in HEADER_ALIASES:
            raise ProfileError(f"column {word!r}: unknown role {role!r}", path=path,
                                 hint=f"roles: {', '.join(HEADER_ALIASES)}")
    delimiter = read.get("delimiter")
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    if read.get("amount_unit") not in (None, "元", "万元", "分"):  # another unit would be read as 元
        raise ProfileError(f"read.amount_unit must be 元, 万元 or 分, not {read.get('amount_unit')!r}", path=path)
    account_from = owner.get("account_from", "preamble")
    if account_from not in ("preamble", "filename", "fixed"):
        raise ProfileError(f"owner.account_from must be preamble, filename or fixed, not {account_from!r}",
                             path=path)
    return Profile(
        name=data.get("name", path.stem), path=path, description=data.get("description", ""),
        match_header=list(match.get("header", [])), match_filename=match.get("filename"),
        encoding=read.get("encoding"), delimiter=delimiter, date_format=read.get("date_format"),
        amount_unit=read.get("amount_unit"), currency=read.get("currency"), columns=columns,
        account_from=account_from, filename_pattern=owner.get("filename_pattern"),
        account=owner.get("account"), owner_name=owner.get("name"), institution=owner.get("institution"))


def available(instance_dir: Path | None = None) -> dict[str, Profile]:
    """All profiles by name: the shipped ones, then the operator's (which replace same-named ones)."""
    found: dict[str, Profile] = {}
    folders = [SHIPPED_DIR] + ([Path(instance_dir) / "profiles"] if instance_dir else [])
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                profile = load_profile(path)
                found[profile.name] = profile
    return found


def get(name: str, instance_dir: Path | None = None) -> Profile:
    """The profile called ``name`` (or a path to a profile file)."""
    if name.endswith(".toml") and Path(name).is_file():
        return load_profile(Path(name))
    profiles = available(instance_dir)
    if name not in profiles:
        raise ProfileError(f"no bank profile named {name!r}",
                             hint=f"known: {', '.join(profiles) or 'none'}; see `monitor profiles list`")
    return profiles[name]


def pick(path: Path, header: list[str], profiles: dict[str, Profile]) -> Profile | None:
    """The profile whose header signature (and file-name glob, if any) fits best; ``None`` if none fits."""
    from monitor.statements.recognise import norm_label

    labels = {norm_label(h) for h in header if h}
    best, best_size = None, 0
    for profile in profiles.values():
        if not profile.match_header and not profile.match_filename:
            continue
        if profile.match_filename and not fnmatch.fnmatch(path.name, profile.match_filename):
            continue
        wanted = {norm_label(h) for h in profile.match_header}
        if wanted <= labels and len(wanted) + bool(profile.match_filename) > best_size:
            best, best_size = profile, len(wanted) + bool(profile.match_filename)
    return best
