"""The store: a log's lines, read and written safely. Bytes and files only; no events, no output.

- ``lines``: one physical line (``RawLine``) and reading a stream line by line;
- ``decoding``: one line's bytes as a JSON object, and a JSON array split into lines;
- ``files``: opening, locking, appending and rewriting a log (the locking protocol);
- ``scan``: finding the lines that hold given bytes, a block at a time;
- ``sources``: a path, standard input or a git ``REV:PATH``, read as lines;
- ``parallel``: a large file cut into line-aligned ranges, read on every core.
"""
