"""Faulty servers the suite must catch, and conformant variations it must not flag."""
