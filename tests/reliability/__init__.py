"""Reliability tests: interrupted runs, exit codes, tamper evidence."""
