"""cxhub: a connected Customer Experience Management hub."""

__version__ = "0.1.0"
