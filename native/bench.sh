#!/usr/bin/env bash
# Measures verify through each binding next to the raw Go call, in one
# run, on the first Ed25519 vector (a typical code) at the system clock:
#
#   bash native/bench.sh OUTDIR [ROUNDS] [N]
#
# OUTDIR is what native/build.sh built. Each round runs, one after the
# other, BenchmarkBaselineGoVerify (verify.Keyring.Verify), the C loop
# over actkit_verify, the .NET loop (Mono) and the Python loop, N calls
# each. Each measures its process's CPU time (all threads: Go's runtime,
# Mono's JIT and GC count), not the wall clock, which on a shared machine
# also counts the time other processes held the CPU; the figure is each
# one's median over the rounds. Goals: C ≤ 1.3x, .NET and Python ≤ 2x.
set -euo pipefail
if [ $# -lt 1 ]; then
	echo "usage: bash native/bench.sh OUTDIR [ROUNDS] [N]" >&2
	exit 2
fi
out=$(cd "$1" && pwd)
rounds=${2:-5}
n=${3:-2000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gcc -std=c99 -O2 -I "$out" -o "$work/abi-test" "$here/tests/abi_test.c" -L "$out" -lactkit -lpthread -Wl,-rpath,"$out"
mcs -nologo -optimize+ -out:"$work/tests-dotnet.exe" -r:"$out/Actkit.dll" -r:System.Runtime.Serialization.dll "$here/dotnet/tests/Tests.cs"
cp "$out/Actkit.dll" "$out/libactkit.so" "$work/"
(cd "$root" && go test -c -o "$work/abi.test" ./native/internal/abi)
/usr/bin/python3 - "$root/testvectors/activation_code_ed25519.json" "$work" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["testGroups"][0]
t = g["tests"][0]
open(sys.argv[2] + "/keyring", "w").write(g["keyring"])
open(sys.argv[2] + "/args", "w").write(" ".join([t["licenceKey"], t["machineUid"], t["code"]]))
PY
read -r lic uid code < "$work/args" || true # no newline at the end
kr="$work/keyring"

for r in $(seq "$rounds"); do
	(cd "$root/native/internal/abi" && "$work/abi.test" -test.run '^$' -test.bench 'BaselineGoVerify$' -test.benchtime "${n}x") |
		awk '/^BenchmarkBaselineGoVerify/ {for (i = 1; i < NF; i++) if ($(i+1) == "cpu-ns/op") print int($i)}' >> "$work/go"
	"$work/abi-test" bench "$kr" "$lic" "$uid" "$code" "$n" >> "$work/c"
	mono "$work/tests-dotnet.exe" bench "$kr" "$lic" "$uid" "$code" "$n" >> "$work/dotnet"
	ACTKIT_LIBRARY="$out/libactkit.so" PYTHONPATH="$root/python" /usr/bin/python3 "$root/python/tests/bench_verify.py" "$kr" "$lic" "$uid" "$code" "$n" >> "$work/python"
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
base=$(median "$work/go")
echo "verify of a typical Ed25519 activation code (115 symbols), $rounds rounds x $n calls, medians of process CPU time per call:"
printf '%-28s %10s ns/op\n' "Go verify.Keyring.Verify" "$base"
for b in c dotnet python; do
	m=$(median "$work/$b")
	case $b in c) name="C actkit_verify" goal=1.3 ;; dotnet) name=".NET Keyring.Verify (Mono)" goal=2 ;; python) name="Python Keyring.verify" goal=2 ;; esac
	awk -v name="$name" -v m="$m" -v base="$base" -v goal="$goal" 'BEGIN {
		r = m / base; printf "%-28s %10d ns/op  %.2fx  (goal <= %sx%s)\n", name, m, r, goal, (r <= goal ? "" : ", MISSED")}'
done
echo "rounds (ns/op): go $(tr '\n' ' ' < "$work/go")| c $(tr '\n' ' ' < "$work/c")| dotnet $(tr '\n' ' ' < "$work/dotnet")| python $(tr '\n' ' ' < "$work/python")"
