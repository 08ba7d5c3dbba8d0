"""Exit non-zero when a .po catalogue has untranslated or fuzzy entries; list them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def problems(path: Path) -> list[str]:
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        msgid, msgstr, current = "", "", None
        for line in lines:
            if line.startswith("msgid "):
                current = "id"
            elif line.startswith(("msgstr ", "msgstr[")):
                current = "str"
            elif line.startswith("msgid_plural"):
                current = "plural"
            elif not line.startswith('"'):
                continue
            text = "".join(_STRING.findall(line))
            if current == "id":
                msgid += text
            elif current == "str":
                msgstr += text
        if msgid and (fuzzy or not msgstr):
            found.append(msgid)
    return found


if __name__ == "__main__":
    bad = problems(Path(sys.argv[1]))
    for msgid in bad:
        print(f"untranslated: {msgid}")
    sys.exit(1 if bad else 0)
