"""Pure import rules: readers, name normalisation, country codes (no Django)."""
