// Command benchreport runs actkit's benchmarks, each beside the baseline
// that bounds it, and writes docs/benchmarks.md. Run it from the module
// root:
//
//	go run ./tools/benchreport [-pg URL] [-before REV]
//
// It takes four minutes on an idle machine, longer on a busy one (the
// load section waits for an idle machine before each run): it builds a
// ledger of a million activations, and the load section (load.go) runs tools/ledgerload and
// tools/apiload on SQLite and on a fresh PostgreSQL database (with their
// pgbench anchors), and the SQLite benchmarks and apiload again on the
// tree as it was at -before, so that "no slower than before" is judged
// in the same run; then tools/siteload (issue 24: one site licence, fresh
// and with 50,000 machines, beside its anchors; about four minutes more).
// -only load -o FILE writes the load sections alone, -only site the
// site section alone, for working on them.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
)

// result is the median of a benchmark's runs.
type result struct {
	nsPerOp, bytesPerOp, allocsPerOp float64
	extra                            map[string]float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func runBench(pkg, pattern string, count int, env ...string) map[string]result {
	return runBenchIn(".", pkg, pattern, count, env...)
}

// runBenchIn runs benchmarks in the module at dir (the tree as it was at
// -before, for the load section).
func runBenchIn(dir, pkg, pattern string, count int, env ...string) map[string]result {
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchmem", "-count", strconv.Itoa(count), pkg}
	fmt.Fprintf(os.Stderr, "benchreport: (in %s) go %s\n", dir, strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fail("go test %s: %v\n%s", pkg, err, out)
	}
	samples := map[string][]map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		vals := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				vals[f[i+1]] = v
			}
		}
		samples[m[1]] = append(samples[m[1]], vals)
	}
	res := map[string]result{}
	for name, runs := range samples {
		med := func(unit string) float64 {
			var xs []float64
			for _, r := range runs {
				if v, ok := r[unit]; ok {
					xs = append(xs, v)
				}
			}
			if len(xs) == 0 {
				return 0
			}
			sort.Float64s(xs)
			return xs[len(xs)/2]
		}
		r := result{nsPerOp: med("ns/op"), bytesPerOp: med("B/op"), allocsPerOp: med("allocs/op"), extra: map[string]float64{}}
		for unit := range runs[0] {
			if unit != "ns/op" && unit != "B/op" && unit != "allocs/op" {
				r.extra[unit] = med(unit)
			}
		}
		res[name] = r
	}
	return res
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchreport: "+format+"\n", args...)
	os.Exit(1)
}

func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func verdict(ratio, goal float64) string {
	if ratio <= goal {
		return "met"
	}
	return "**missed**"
}

// buildSize builds a package stripped and returns its size in bytes.
func buildSize(dir, pkg, out string) int64 {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		fail("build %s: %v\n%s", pkg, err, b)
	}
	st, err := os.Stat(out)
	if err != nil {
		fail("%v", err)
	}
	return st.Size()
}

func writeModule(dir, src string) {
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module baseline\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
}

func machineName() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			mem = fmt.Sprintf(", %.0f GiB memory", kb/1024/1024)
		}
	}
	return fmt.Sprintf("%s, %d logical CPUs%s, %s/%s, %s", model, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// codeLengths signs a typical licence with both algorithms.
func codeLengths() (ed, hm int) {
	b := codec.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "19DSX-5JRR5-00000-0000E"}
	p := codec.Payload{Issued: codec.DayOf(time.Now()), Expires: codec.DayOf(time.Now().AddDate(1, 0, 0)), Seats: 1, Features: 0b1011, Serial: 4242}
	n := func(alg codec.Algorithm) int {
		k, err := keygen.Generate(bytes.NewReader(make([]byte, 32)), "umenu", alg, time.Now(), nil)
		if err != nil {
			fail("%v", err)
		}
		c, err := codec.Sign(k, b, p)
		if err != nil {
			fail("%v", err)
		}
		return len(strings.ReplaceAll(c, "-", ""))
	}
	return n(codec.Ed25519), n(codec.HMACSHA256)
}

func main() {
	out := flag.String("o", "docs/benchmarks.md", "file to write")
	only := flag.String("only", "", "'load': run and write only the load sections (to another -o); 'site': only issue 24's site-licence section")
	pg := flag.String("pg", "", "PostgreSQL server for the load section (default $ACTKIT_TEST_POSTGRES, else the tools' default)")
	before := flag.String("before", defaultBefore, "git revision whose tree is the SQLite baseline of the load section")
	flag.Parse()
	if _, err := os.Stat("go.mod"); err != nil {
		fail("run from the module root: go run ./tools/benchreport")
	}
	tmp, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(tmp)
	switch *only {
	case "":
	case "load":
		if *out == "docs/benchmarks.md" {
			fail("-only load writes a partial report: name another file with -o")
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# Benchmarks (load section only)\n\nMachine: %s.\n\n", machineName())
		loadSection(&b, tmp, *pg, *before)
		siteSection(&b, *pg)
		write(*out, b.String())
		return
	case "site":
		if *out == "docs/benchmarks.md" {
			fail("-only site writes a partial report: name another file with -o")
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# Benchmarks (site section only)\n\nMachine: %s.\n\n", machineName())
		siteSection(&b, *pg)
		write(*out, b.String())
		return
	default:
		fail("-only %q: only 'load' or 'site'", *only)
	}

	v := runBench("./verify", "VerifyEd25519|VerifyDelegated|BaselineEd25519Verify|VerifyHMAC|BaselineHMACSHA256", 8)
	s := runBench("./signer", "BaselineEd25519Sign|IssueBatch|Issue$|IssueMillion", 4, "ACTKIT_BENCH_LEDGER="+filepath.Join(tmp, "million.db"))
	m := runBench("./machine", "MachineUID", 6)

	hello := filepath.Join(tmp, "hello")
	writeModule(hello, "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n")
	helloSize := buildSize(hello, ".", filepath.Join(tmp, "hello.bin"))
	wd, _ := os.Getwd()
	embedSize := buildSize(wd, "./examples/embed", filepath.Join(tmp, "embed.bin"))
	prims := filepath.Join(tmp, "prims")
	writeModule(prims, `package main

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"time"
)

func main() {
	ok := ed25519.Verify(ed25519.PublicKey(make([]byte, 32)), []byte(os.Args[0]), make([]byte, 64))
	m := hmac.New(sha256.New, []byte(os.Args[0]))
	fmt.Println(ok, m.Sum(nil), time.Now())
}
`)
	primSize := buildSize(prims, ".", filepath.Join(tmp, "prims.bin"))
	edLen, hmLen := codeLengths()

	get := func(rs map[string]result, name string) result {
		r, ok := rs[name]
		if !ok {
			fail("benchmark %s did not run", name)
		}
		return r
	}
	ved, bed := get(v, "BenchmarkVerifyEd25519"), get(v, "BenchmarkBaselineEd25519Verify")
	vdel, vsup := get(v, "BenchmarkVerifyDelegated"), get(v, "BenchmarkVerifyDelegatedSupplied")
	vh, bh := get(v, "BenchmarkVerifyHMAC"), get(v, "BenchmarkBaselineHMACSHA256")
	sign, batch := get(s, "BenchmarkBaselineEd25519Sign"), get(s, "BenchmarkIssueBatch")
	iss, mil := get(s, "BenchmarkIssue"), get(s, "BenchmarkIssueMillion")
	uid, uidFix := get(m, "BenchmarkMachineUID"), get(m, "BenchmarkMachineUIDFixture")
	perCode := batch.extra["ns/code"]

	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nGenerated by `go run ./tools/benchreport` on %s.\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "Machine: %s.\n\n", machineName())
	b.WriteString("Each figure is the median of several runs, next to the baseline measured in the same run. The machine is a shared 2-core VM: expect a few percent of noise.\n\n")
	b.WriteString("| measure | actkit | baseline | ratio | goal | |\n|---|---:|---:|---:|---:|---|\n")
	row := func(what, a, base string, ratio, goal float64) {
		fmt.Fprintf(&b, "| %s | %s | %s | %.2fx | %.2fx | %s |\n", what, a, base, ratio, goal, verdict(ratio, goal))
	}
	row("Ed25519 code verification vs raw `ed25519.Verify` (same message length)", dur(ved.nsPerOp), dur(bed.nsPerOp), ved.nsPerOp/bed.nsPerOp, 1.10)
	row("code under a delegation the keyring embeds (a typed portal code) vs raw `ed25519.Verify`", dur(vdel.nsPerOp), dur(bed.nsPerOp), vdel.nsPerOp/bed.nsPerOp, 1.10)
	row("code with the certificate of an online answer (chain cached) vs raw `ed25519.Verify`", dur(vsup.nsPerOp), dur(bed.nsPerOp), vsup.nsPerOp/bed.nsPerOp, 1.10)
	row("HMAC code verification vs raw HMAC-SHA256", dur(vh.nsPerOp), dur(bh.nsPerOp), vh.nsPerOp/bh.nsPerOp, 3)
	row("batched issuing per code (200 per transaction) vs raw Ed25519 signing", dur(perCode), dur(sign.nsPerOp), perCode/sign.nsPerOp, 3)
	row("one durable issue into a ledger of 1,000,000 activations vs an empty ledger", dur(mil.nsPerOp), dur(iss.nsPerOp), mil.nsPerOp/iss.nsPerOp, 1.5)
	row("verifier-only program, stripped, vs hello world", fmt.Sprintf("%.2f MB", float64(embedSize)/1e6), fmt.Sprintf("%.2f MB", float64(helloSize)/1e6), float64(embedSize)/float64(helloSize), 1.3)
	b.WriteString("\n| measure | value | goal | |\n|---|---:|---:|---|\n")
	fmt.Fprintf(&b, "| allocations per HMAC verification | %.0f (%.0f B) | 0 | %s |\n", vh.allocsPerOp, vh.bytesPerOp, map[bool]string{true: "met", false: "**missed**"}[vh.allocsPerOp == 0])
	fmt.Fprintf(&b, "| allocations per Ed25519 verification | %.0f (%.0f B) | | |\n", ved.allocsPerOp, ved.bytesPerOp)
	fmt.Fprintf(&b, "| machine UID collection, this machine (in process) | %s | < 5 ms | %s |\n", dur(uid.nsPerOp), map[bool]string{true: "met", false: "**missed**"}[uid.nsPerOp < 5e6])
	fmt.Fprintf(&b, "| machine UID collection, fixture tree (baseline: the recipe alone) | %s | | |\n", dur(uidFix.nsPerOp))
	fmt.Fprintf(&b, "| verifier-only program vs a program calling only `ed25519.Verify`, HMAC, `fmt`, `time` | %.2fx (%.2f MB) | | |\n", float64(embedSize)/float64(primSize), float64(primSize)/1e6)
	fmt.Fprintf(&b, "| typical Ed25519 code (1 seat, dated expiry, 4 features, serial 4242) | %d symbols | ≤ 115 | %s |\n", edLen, map[bool]string{true: "met", false: "**missed**"}[edLen <= 115])
	fmt.Fprintf(&b, "| typical HMAC code | %d symbols | ≤ 48 | %s |\n", hmLen, map[bool]string{true: "met", false: "**missed**"}[hmLen <= 48])
	fmt.Fprintf(&b, "| one durable issue (empty ledger, fsync per commit) | %s | | |\n", dur(iss.nsPerOp))
	b.WriteString(`
## What bounds the misses

- **HMAC verification and its allocations.** The MAC itself is a few hundred
  nanoseconds; parsing the typed text (check symbols over every group) and
  base58-decoding it cost about as much again each. The remaining
  allocations are inside ` + "`github.com/mr-tron/base58`" + ` (its ` + "`Decode`" + ` returns a new
  slice, and needs a contiguous string of the symbols), which the verifier
  must use; a zero-allocation decoder would mean writing our own base58,
  which this project does not do. A product verifies a code a handful of
  times per run, so this is not felt; it is reported, not hidden.
- **Ed25519 verification** is within a few percent of the raw primitive:
  the primitive is 97% of the time (see the CPU profile in the notes). On
  this noisy shared machine single runs swing by ±5%.
- **Batched issuing** reads a licence's terms once per transaction, then
  runs three SQL statements per code (live-activation lookup, insert, whose
  trigger keeps the licence's seat counter, and the audit entry), and signs
  a durable batch on every core. Each statement costs 15-30 µs in the
  pure-Go SQLite, so the ratio sits near the goal and moves with this VM's
  noise.
- **A million activations** make the B-tree deeper and the WAL pages per
  commit larger, but a single durable issue is dominated by its fsync, whose
  time on this VM varies from run to run by more than the ledger's size
  changes it (runs have given ratios from about 0.6x to 1.5x). The seat
  check reads one counter row and the live-activation lookup one index
  entry, so neither grows with the ledger.
- **Binary size**: most of the difference from hello world is the
  cryptography itself (the primitives-only program above); actkit's own
  code (codec, verify, base58) adds the rest.
`)
	loadSection(&b, tmp, *pg, *before)
	siteSection(&b, *pg)
	write(*out, b.String())
}

func write(path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Fprintln(os.Stderr, "benchreport: wrote", path)
}
