#!/usr/bin/env bash
# Builds libactkit and everything over it into OUTDIR (docs/native.md):
#
#   bash native/build.sh OUTDIR
#
# OUTDIR/libactkit.so, actkit.h   the library and its header (Linux x86_64)
# OUTDIR/verify-c                 native/examples/verify.c
# OUTDIR/Actkit.dll               the .NET binding (Mono's mcs; also compiled against
#                                 .NET Framework 4.6.2's reference assemblies, as a check)
# OUTDIR/verify-dotnet.exe        native/dotnet/examples/Verify.cs (run with mono)
# OUTDIR/actkit.dll               Windows x64, when x86_64-w64-mingw32-gcc is here
# OUTDIR/nuget/                   the NuGet package's layout, with Actkit.nuspec
#
# Needs Go and gcc; Mono (mcs) for the .NET part and MinGW for the DLL,
# each skipped with a note when missing unless ACTKIT_REQUIRE_ALL=1 (CI).
# ACTKIT_WINDOWS=0 leaves the DLL out (go test ./native/ does: CI builds
# it in a step of its own).
set -euo pipefail
if [ $# -ne 1 ]; then
	echo "usage: bash native/build.sh OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mkdir -p "$1"
out=$(cd "$1" && pwd)
require_all=${ACTKIT_REQUIRE_ALL:-0}
missing() {
	if [ "$require_all" = 1 ]; then
		echo "build.sh: $1 is required (ACTKIT_REQUIRE_ALL=1)" >&2
		exit 1
	fi
	echo "build.sh: skipping $2: $1 not found" >&2
}

cd "$root"
gen="$out/.generated"
mkdir -p "$gen"

# The library. cgo writes its own header beside it; it is not shipped,
# but compiled together with the hand-written one: any declaration that
# disagrees with an export is a "conflicting types" error here.
CGO_ENABLED=1 go build -buildmode=c-shared -o "$out/libactkit.so" ./native
mv "$out/libactkit.h" "$gen/libactkit.h"
cp "$here/actkit.h" "$out/actkit.h"
printf '#include "actkit.h"\n#include "libactkit.h"\n' > "$gen/headers.c"
gcc -std=c11 -Wall -Werror -fsyntax-only -I "$out" -I "$gen" "$gen/headers.c"
# Every exported actkit_ symbol is declared in the header, and the reverse.
nm -D --defined-only "$out/libactkit.so" | awk '$3 ~ /^actkit_/ {print $3}' | sort > "$gen/exports.txt"
grep -o 'actkit_[a-z_]*(' "$here/actkit.h" | tr -d '(' | grep -v '^actkit_abi_check$' | sort -u > "$gen/declared.txt"
if ! diff -u "$gen/declared.txt" "$gen/exports.txt"; then
	echo "build.sh: actkit.h and the library's exports differ (above)" >&2
	exit 1
fi

# The C example.
gcc -std=c99 -Wall -Wextra -Werror -O2 -I "$out" -o "$out/verify-c" "$here/examples/verify.c" \
	-L "$out" -lactkit -Wl,-rpath,'$ORIGIN'

# The .NET binding and its example.
if command -v mcs >/dev/null; then
	mcs -nologo -target:library -optimize+ -warnaserror+ -nowarn:1591 -out:"$out/Actkit.dll" \
		-r:System.Runtime.Serialization.dll -doc:"$out/Actkit.xml" "$here"/dotnet/src/*.cs
	mcs -nologo -optimize+ -warnaserror+ -out:"$out/verify-dotnet.exe" -r:"$out/Actkit.dll" "$here/dotnet/examples/Verify.cs"
	# The .NET Framework claim, as far as Mono allows: the binding and the
	# example compile against the reference assemblies of .NET Framework
	# 4.6.2 (Mono's 4.6.2-api), so they use no API a 4.6.2 add-in host
	# lacks. (Mono has no netstandard2.0 reference assembly to compile
	# against: its netstandard.dll is a facade over its own mscorlib.)
	if [ -d /usr/lib/mono/4.6.2-api ]; then
		mcs -nologo -sdk:4.6.2 -target:library -warnaserror+ -nowarn:1591 -out:"$gen/Actkit-net462.dll" \
			-r:System.Runtime.Serialization.dll "$here"/dotnet/src/*.cs
		mcs -nologo -sdk:4.6.2 -warnaserror+ -out:"$gen/verify-dotnet-net462.exe" -r:"$gen/Actkit-net462.dll" \
			"$here/dotnet/examples/Verify.cs"
	else
		missing /usr/lib/mono/4.6.2-api "the check against .NET Framework 4.6.2's reference assemblies"
	fi
else
	missing mcs "the .NET binding"
fi

# Windows x64, cross-built. Running it needs Windows; here its exports are
# checked against the header.
if [ "${ACTKIT_WINDOWS:-1}" = 0 ]; then
	echo "build.sh: skipping the Windows DLL: ACTKIT_WINDOWS=0" >&2
elif command -v x86_64-w64-mingw32-gcc >/dev/null; then
	# Built in .generated: cgo writes its header as actkit.h beside the DLL.
	CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 CGO_ENABLED=1 \
		go build -buildmode=c-shared -o "$gen/actkit.dll" ./native
	mv "$gen/actkit.dll" "$out/actkit.dll"
	x86_64-w64-mingw32-objdump -p "$out/actkit.dll" | awk '/\[Ordinal\/Name Pointer\] Table/ {t=1; next} t && NF==0 {t=0} t {print $NF}' |
		grep '^actkit_' | sort > "$gen/exports-windows.txt"
	if ! diff -u "$gen/declared.txt" "$gen/exports-windows.txt"; then
		echo "build.sh: actkit.dll's exports differ from actkit.h (above)" >&2
		exit 1
	fi
	x86_64-w64-mingw32-gcc -std=c99 -Wall -Werror -O2 -I "$out" -o "$out/verify-c.exe" "$here/examples/verify.c" "$out/actkit.dll"
else
	missing x86_64-w64-mingw32-gcc "the Windows DLL"
fi

# The NuGet layout: `nuget pack OUTDIR/nuget/Actkit.nuspec` (docs/native.md).
if [ -f "$out/Actkit.dll" ]; then
	n="$out/nuget"
	rm -rf "$n"
	mkdir -p "$n/lib/netstandard2.0" "$n/runtimes/linux-x64/native"
	cp "$out/Actkit.dll" "$out/Actkit.xml" "$n/lib/netstandard2.0/"
	cp "$out/libactkit.so" "$n/runtimes/linux-x64/native/"
	if [ -f "$out/actkit.dll" ]; then
		mkdir -p "$n/runtimes/win-x64/native"
		cp "$out/actkit.dll" "$n/runtimes/win-x64/native/"
	fi
	cp "$here/dotnet/Actkit.nuspec" "$here/dotnet/Actkit.targets" "$n/"
fi
echo "built into $out"
