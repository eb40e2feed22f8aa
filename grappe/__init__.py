"""Grappe: innovation clusters and the public co-funding of their collaborative R&D."""
