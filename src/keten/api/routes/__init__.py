"""Route modules; each defines ``router``."""
