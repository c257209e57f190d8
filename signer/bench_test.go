package signer_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/signer"
)

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
	l    *signer.Ledger
	lic  string
	used int
	n    int
}

func (is *issuer) next(b *testing.B) signer.IssueRequest {
	if is.lic == "" || is.used == codec.MaxSeats {
		li, err := is.l.NewLicence(rand.Reader, signer.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry})
		if err != nil {
			b.Fatal(err)
		}
		is.lic, is.used = li.Key, 0
	}
	is.used++
	is.n++
	return signer.IssueRequest{Licence: is.lic, Machine: uid(is.n)}
}

func benchIssue(b *testing.B, l *signer.Ledger) {
	ks := fixedKeys(b)
	is := &issuer{l: l, n: 1 << 22}
	for b.Loop() {
		if _, err := l.Issue(ks, is.next(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssue is one durable issue (one transaction, fsync) into an
// empty ledger.
func BenchmarkIssue(b *testing.B) {
	l := openLedger(b, b.TempDir())
	l.AddProduct(signer.Product{ID: "umenu"})
	benchIssue(b, l)
}

// BenchmarkIssueBatch is per code, 200 codes per transaction.
func BenchmarkIssueBatch(b *testing.B) {
	l := openLedger(b, b.TempDir())
	l.AddProduct(signer.Product{ID: "umenu"})
	ks := fixedKeys(b)
	is := &issuer{l: l}
	const batch = 200
	for b.Loop() {
		rows := make([]signer.BatchRow, batch)
		for i := range rows {
			rows[i].Request = is.next(b)
		}
		if err := l.IssueBatch(ks, rows, batch, nil); err != nil {
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
		path = b.TempDir() + "/million.db"
	}
	l, err := signer.Open(path, signer.Options{Now: clock})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Product("umenu"); err != nil {
		l.AddProduct(signer.Product{ID: "umenu"})
		fill(b, path, 1_000_000)
	}
	benchIssue(b, l)
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
