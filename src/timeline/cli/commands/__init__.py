"""One module per command: options in, one call into the core, one render, one exit code."""
