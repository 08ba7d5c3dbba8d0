"""Fill msgstr for given msgids in a .po file (and drop fuzzy flags): po_fill.py FILE MSGID=TEXT ..."""

from __future__ import annotations

import re
import sys
from pathlib import Path

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _msgid_of(block: str) -> str:
    text, inside = "", False
    for line in block.split("\n"):
        if line.startswith("msgid "):
            inside = True
        elif not line.startswith('"'):
            inside = False
        if inside:
            text += "".join(_STRING.findall(line))
    return text.replace('\\"', '"')


def fill(path: Path, translations: dict[str, str]) -> list[str]:
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    done = []
    for i, block in enumerate(blocks):
        for msgid, text in translations.items():
            if _msgid_of(block) != msgid:
                continue
            lines = [ln for ln in block.split("\n") if not ln.startswith("#| ")]
            lines = [re.sub(r",\s*fuzzy", "", ln) if ln.startswith("#,") else ln for ln in lines]
            lines = [ln for ln in lines if ln.strip() not in {"#", "#,"}]
            body = "\n".join(lines)
            value = text.replace('"', '\\"')
            if "msgstr[0]" in body:
                body = re.sub(r'msgstr\[0\] ".*"(\n".*")*', f'msgstr[0] "{value}"', body)
            else:
                body = re.sub(r'msgstr ".*"(\n".*")*', f'msgstr "{value}"', body)
            blocks[i] = body
            done.append(msgid)
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return done


if __name__ == "__main__":
    pairs = dict(arg.split("=", 1) for arg in sys.argv[2:])
    print(f"filled {len(fill(Path(sys.argv[1]), pairs))} of {len(pairs)}")
