"""The monitor: local financial risk monitoring for a city finance bureau."""

from pathlib import Path

__version__ = "0.1.0"

# Jinja templates: monitor/templates in an installed wheel (pyproject maps the folder there),
# else the repository's top-level templates/ folder.
_PACKAGE = Path(__file__).resolve().parent
TEMPLATES_DIR = _PACKAGE / "templates" if (_PACKAGE / "templates").is_dir() else _PACKAGE.parent / "templates"
