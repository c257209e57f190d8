"""python -m actkit.verify KEYRING_FILE PRODUCT LICENCE MACHINE_UID CODE

Prints the verified terms as one JSON object on stdout and exits 0;
prints the reason on stderr and exits 1 for a refused code (or a keyring
that cannot be read); exits 2 for bad usage. The contract of every
binding's example (docs/native.md)."""

from __future__ import annotations

import json
import sys

from . import ActkitError, CodeRefused, Keyring


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print("usage: python -m actkit.verify KEYRING_FILE PRODUCT LICENCE MACHINE_UID CODE", file=sys.stderr)
        return 2
    path, product, licence, uid, code = argv
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(1 << 20)
    except (OSError, UnicodeDecodeError) as e:
        print(f"cannot read the keyring file {path}: {e}", file=sys.stderr)
        return 1
    try:
        with Keyring.parse(text) as kr:
            terms = kr.verify(code, licence, uid, product=product)
    except CodeRefused as e:
        print(f"{e.reason}: {e}", file=sys.stderr)
        # The message of a typo already ends "did you mean CODE?": say it once.
        if e.suggestion and e.suggestion not in str(e):
            print(f"did you mean {e.suggestion}", file=sys.stderr)
        return 1
    except ActkitError as e:
        print(f"{e.status_name}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(terms.to_json(), separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
