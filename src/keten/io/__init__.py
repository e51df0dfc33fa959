"""The edge: reading and writing files, validating them into canonical tables."""
