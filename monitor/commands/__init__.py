"""Click command groups of the monitor CLI (registered lazily in monitor.cli.LAZY_COMMANDS)."""
