"""The deploy recipe's files; check.py is also a library for the fault tests and the scale check."""
