"""Offline data of the understanding package (see derive_data.py for where it comes from)."""
