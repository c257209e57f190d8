"""python3 bench_verify.py KEYRING_FILE LICENCE MACHINE_UID CODE N

Prints the process CPU nanoseconds per Keyring.verify call (native/bench.sh)."""

import sys
import time
from pathlib import Path

import actkit

path, lic, uid, code, n = sys.argv[1:]
kr = actkit.Keyring.parse(Path(path).read_text(encoding="utf-8"))
kr.verify(code, lic, uid)  # load the library, warm up
start = time.process_time_ns()
for _ in range(int(n)):
    kr.verify(code, lic, uid)
print((time.process_time_ns() - start) // int(n))
