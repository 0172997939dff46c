"""The command layer: every ``monitor <name>`` command, in ``monitor/commands/<name>.py``.

Commands parse arguments, call the domain modules' plain functions and print; they are
registered lazily in :data:`monitor.cli.LAZY_COMMANDS`. The shared :class:`Context` and
``pass_ctx`` live in :mod:`monitor.commands.context`. Only this package and
:mod:`monitor.cli` use click (tests/test_layers.py checks it).
"""
