"""Identifier columns found and refused or dropped; patient ids pseudonymized."""
