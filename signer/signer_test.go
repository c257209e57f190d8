package signer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// The signer's behaviour against every backend is the conformance suite
// (ledger/ledgertest); here: its example, hostile batch files and the
// benchmarks, on SQLite.

var ctx = context.Background()

func service(t testing.TB, path string) (*signer.Service, *sqlite.Store) {
	t.Helper()
	store, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return signer.New(store, ledgertest.Keys(), signer.Options{}), store
}

func Example() {
	dir, _ := os.MkdirTemp("", "actkit-example")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "ledger.db"), sqlite.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	keys := keygen.NewKeyset() // in practice: the keystore's keys (home.Keys)
	keys.Add(rand.Reader, "umenu", codec.Ed25519, time.Now())
	svc := signer.New(store, keys, signer.Options{})

	ctx := context.Background()
	svc.AddProduct(ctx, "umenu", "", []string{"export", "api"})
	lic, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry, Features: []string{"api"}})

	first, _ := svc.Issue(ctx, licensing.IssueRequest{Licence: lic.Display, Machine: "11GZP-ZZRR5-00000-00005"})
	again, _ := svc.Issue(ctx, licensing.IssueRequest{Licence: lic.Display, Machine: "11GZP-ZZRR5-00000-00005"})
	fmt.Println(first.Serial, again.Reissued, again.Code == first.Code)

	_, err = svc.Issue(ctx, licensing.IssueRequest{Licence: lic.Display, Machine: "1R8FX-57RR5-00000-0000K"})
	var refusal *licensing.Refusal
	if errors.Is(err, licensing.ErrSeatLimit) && errors.As(err, &refusal) {
		fmt.Println(licensing.ReasonCode(err), len(refusal.Holders))
	}
	fmt.Println(svc.VerifyState(ctx))
	// Output:
	// 1 true true
	// seat-limit 1
	// <nil>
}

// TestHostileBatchFiles: damaged or hostile CSV files are refused, or
// every one of their rows is refused; nothing is issued and nothing
// panics.
func TestHostileBatchFiles(t *testing.T) {
	svc, _ := service(t, filepath.Join(t.TempDir(), "ledger.db"))
	svc.AddProduct(ctx, "umenu", "", nil)
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 5, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"empty": "", "1 MB line": strings.Repeat("a", 1<<20), "NUL": "licence,machine\n\x00,\x00\n",
		"invalid UTF-8": "licence,machine\n\xff\xfe,x\n", "bare quote": "licence,machine\n\"a\"b,c\n",
		"huge field":     "licence,machine\n" + strings.Repeat("A", 2048) + ",x\n",
		"negative lease": "licence,machine,lease\n" + li.Display + "," + ledgertest.UID(1) + ",-3\n",
	} {
		_, rows, err := signer.ReadBatch(strings.NewReader(in))
		if err != nil {
			continue
		}
		if err := svc.IssueBatch(ctx, rows, 10, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range rows {
			if r.Issued != nil || r.Err == nil {
				t.Errorf("%s: row %d issued", name, r.Line)
			}
		}
	}
	if got, _ := svc.Licence(ctx, li.Display); got.InUse != 0 {
		t.Fatalf("hostile files took %d seats", got.InUse)
	}
}

// Goals: batched issuing within 3x of BaselineEd25519Sign per code;
// issuing into a ledger of a million activations within 1.5x of issuing
// into an empty one (BenchmarkIssue vs BenchmarkIssueMillion).

func BenchmarkBaselineEd25519Sign(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	msg := make([]byte, 120) // an activation code's signed message
	for b.Loop() {
		ed25519.Sign(priv, msg)
	}
}

// issuer hands out fresh (licence, machine) pairs, adding licences as
// seats run out.
type issuer struct {
	svc  *signer.Service
	lic  string
	used int
	n    int
}

func (is *issuer) next(b *testing.B) licensing.IssueRequest {
	if is.lic == "" || is.used == codec.MaxSeats {
		li, err := is.svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry})
		if err != nil {
			b.Fatal(err)
		}
		is.lic, is.used = li.Display, 0
	}
	is.used++
	is.n++
	return licensing.IssueRequest{Licence: is.lic, Machine: ledgertest.UID(is.n)}
}

func benchIssue(b *testing.B, svc *signer.Service) {
	is := &issuer{svc: svc, n: 1 << 20}
	for b.Loop() {
		if _, err := svc.Issue(ctx, is.next(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssue is one durable issue (one transaction, fsync) into an
// empty ledger.
func BenchmarkIssue(b *testing.B) {
	svc, _ := service(b, filepath.Join(b.TempDir(), "ledger.db"))
	svc.AddProduct(ctx, "umenu", "", nil)
	benchIssue(b, svc)
}

// BenchmarkIssueBatch is per code, 200 codes per transaction.
func BenchmarkIssueBatch(b *testing.B) {
	svc, _ := service(b, filepath.Join(b.TempDir(), "ledger.db"))
	svc.AddProduct(ctx, "umenu", "", nil)
	is := &issuer{svc: svc}
	const batch = 200
	for b.Loop() {
		rows := make([]signer.BatchRow, batch)
		for i := range rows {
			rows[i].Request = is.next(b)
		}
		if err := svc.IssueBatch(ctx, rows, batch, nil); err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/code")
}

// BenchmarkIssueMillion issues into a ledger that already holds a million
// activations (built once with raw inserts; kept in ACTKIT_BENCH_LEDGER if
// set, so repeated runs reuse it).
func BenchmarkIssueMillion(b *testing.B) {
	path := os.Getenv("ACTKIT_BENCH_LEDGER")
	if path == "" {
		path = filepath.Join(b.TempDir(), "million.db")
	}
	svc, _ := service(b, path)
	if _, err := svc.Product(ctx, "umenu"); err != nil {
		svc.AddProduct(ctx, "umenu", "", nil)
		fill(b, path, 1_000_000)
	}
	benchIssue(b, svc)
}

// fill inserts n live activations over n/50000 licences directly.
func fill(b *testing.B, path string, n int) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, _ := db.Begin()
	lic, _ := tx.Prepare("INSERT INTO licences(key, display, product, seats, in_use, expires, features, customer, status, created) VALUES (?, ?, 'umenu', 65535, 0, NULL, 0, '', 'active', '2026-01-01T00:00:00Z')") // the trigger counts the seats
	act, _ := tx.Prepare("INSERT INTO activations(licence, machine, seats, key_id, issued, expires, features, created) VALUES (?, ?, 1, 'ffff', 1000, NULL, 0, '2026-01-01T00:00:00Z')")
	var key string
	for i := range n {
		if i%50000 == 0 {
			key = fmt.Sprintf("FILL%020d", i)
			if _, err := lic.Exec(key, key); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := act.Exec(key, "M"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
