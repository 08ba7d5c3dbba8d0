"""Pure PDF renderers of the documents the back office issues: each takes a frozen dataclass of
plain values and returns the PDF's bytes. No ORM, no clock (the issue time is an argument);
the only I/O is reading the two IPAex font files."""
