package abi_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/actkit/actkit/native/internal/abi"
	"github.com/actkit/actkit/verify"
)

// The benchmarks pair the ABI's Go side with the raw Go call it wraps,
// on the first Ed25519 vector (a typical code: one seat, dated expiry,
// four features) at the system clock, as a product calls it. The
// bindings' figures come from native/bench.sh, which runs
// BenchmarkBaselineGoVerify in the same run as the C, .NET and Python
// loops: goals C ≤ 1.3x, .NET and Python ≤ 2x of it.

func typicalVector(b *testing.B) (keyring, licence, uid, code string) {
	f := loadVectors(b, vectorFiles[0])
	g := f.TestGroups[0]
	tc := g.Tests[0]
	if tc.Result != "valid" {
		b.Fatal("first vector is not valid")
	}
	return g.Keyring, tc.LicenceKey, tc.MachineUID, tc.Code
}

// BenchmarkBaselineGoVerify is verify.Keyring.Verify, what a Go product
// calls: the bound for every binding.
func BenchmarkBaselineGoVerify(b *testing.B) {
	text, lic, uid, code := typicalVector(b)
	kr, err := verify.ParseKeyring(text)
	if err != nil {
		b.Fatal(err)
	}
	bind := verify.Binding{Product: kr.Product(), LicenceKey: lic, MachineUID: uid}
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		if _, err := kr.Verify(code, bind, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's CPU time (user and system, every thread) in
// nanoseconds: on a machine shared with other work, the wall clock also
// counts the time others held the CPU, and native/bench.sh compares CPU
// time in every language.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkABIVerify is the Go side of actkit_verify: the handle lookup
// and the terms' JSON on top of the baseline.
func BenchmarkABIVerify(b *testing.B) {
	text, lic, uid, code := typicalVector(b)
	h, e := abi.ParseKeyring(text, 0)
	if e != nil {
		b.Fatal(e)
	}
	defer abi.Close(h)
	b.ReportAllocs()
	for b.Loop() {
		if _, r, e := abi.Verify(h, nil, lic, uid, code, abi.Now); e != nil || r != nil {
			b.Fatal(e, r)
		}
	}
}
