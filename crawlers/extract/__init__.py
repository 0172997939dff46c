"""Pure field-extraction helpers (bytes/HTML in, plain values out; no I/O)."""
