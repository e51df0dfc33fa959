"""ISO 14083 / GLEC calculations: pure functions over tables, no I/O."""
