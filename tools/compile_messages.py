"""Compile every `.po` under `pondok_sheets/locale` into the `.mo` that `gettext` reads.

Written here, standard library only, so neither the runtime nor a developer needs GNU gettext
or Babel: `python tools/compile_messages.py` (or `--check` in CI: exit 1 when a `.mo` is stale).
"""
from __future__ import annotations

import argparse
import ast
import struct
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "pondok_sheets" / "locale"
MO_MAGIC = 0x950412DE


def parse_po(text: str) -> dict[str, str]:
    """Read a `.po` file into the mapping a `.mo` stores (plural forms joined by NUL)."""
    catalogue: dict[str, str] = {}
    entry: dict[str, list[str]] = {}
    field = ""
    fuzzy = False

    def finish() -> None:
        nonlocal entry, fuzzy
        if "msgid" in entry and not fuzzy:
            key = "".join(entry["msgid"])
            if "msgid_plural" in entry:
                key += "\0" + "".join(entry["msgid_plural"])
                forms = sorted(k for k in entry if k.startswith("msgstr["))
                value = "\0".join("".join(entry[k]) for k in forms)
            else:
                value = "".join(entry.get("msgstr", []))
            if value.replace("\0", ""):  # an untranslated entry must fall back to English, not to ""
                catalogue[key] = value
        entry, fuzzy = {}, False

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            entry[field].append(ast.literal_eval(line))  # PO strings use C escapes, which Python's match
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid" and "msgid" in entry:
            finish()
        field = keyword
        entry[field] = [ast.literal_eval(rest)]
    finish()
    return catalogue


def build_mo(catalogue: dict[str, str]) -> bytes:
    """Lay the catalogue out in GNU's `.mo` format (little-endian, no hash table)."""
    keys = sorted(catalogue)  # gettext's readers may binary-search, so originals are sorted
    ids = [k.encode("utf-8") for k in keys]
    strs = [catalogue[k].encode("utf-8") for k in keys]
    count = len(keys)
    header_size = 7 * 4
    originals_at = header_size
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    tables: list[int] = []
    data = b""
    for blob in ids + strs:
        tables += [len(blob), data_at + len(data)]
        data += blob + b"\0"
    header = struct.pack("<7I", MO_MAGIC, 0, count, originals_at, translations_at, 0, 0)
    return header + struct.pack(f"<{len(tables)}I", *tables) + data


def main(argv: list[str] | None = None) -> int:
    """Compile (or with --check, verify) every catalogue; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a .mo differs from its .po")
    args = parser.parse_args(argv)
    stale = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        compiled = build_mo(parse_po(po.read_text(encoding="utf-8")))
        if args.check:
            if not mo.exists() or mo.read_bytes() != compiled:
                stale.append(mo)
            continue
        mo.write_bytes(compiled)
        print(f"{po.relative_to(LOCALE)} -> {mo.name}")
    for mo in stale:
        print(f"stale: {mo} (run python tools/compile_messages.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
