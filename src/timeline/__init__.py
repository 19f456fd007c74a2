"""timeline: a sourced, dated log of events kept as plain JSON Lines."""

__version__ = "0.1.0"
