"""Certificates: build.py (untrusted producer) and check.py (standard-library checker).

This package __init__ imports nothing, so that the checker can run without third-party
modules.
"""
