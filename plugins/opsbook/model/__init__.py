"""Typed content model: severity matrix, contacts, runbooks, templates."""
