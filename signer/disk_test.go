package signer_test

import (
	"crypto/rand"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/signer"
)

// TestFullDiskRefusesAndLosesNothing fills the ledger to a page limit,
// which SQLite reports exactly as a full disk (SQLITE_FULL): issuing then
// fails with no code, and every earlier record is intact.
func TestFullDiskRefusesAndLosesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	l, err := signer.Open(path, signer.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ks := fixedKeys(t)
	l.AddProduct(signer.Product{ID: "umenu"})
	li, _ := l.NewLicence(rand.Reader, signer.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry})
	var pages int
	raw, _ := sql.Open("sqlite", path)
	raw.QueryRow("PRAGMA page_count").Scan(&pages)
	raw.Close()
	l.Close()

	// Reopen with room for only a few more pages.
	l, err = signer.Open(path, signer.WithPragmasForTest(signer.Options{Now: clock}, "max_page_count("+itoa(pages+3)+")"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var issued []signer.Issued
	var full error
	for i := 0; i < 5000 && full == nil; i++ {
		is, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(i)})
		if err != nil {
			if is.Code != "" {
				t.Fatal("a code was returned with an error")
			}
			full = err
			break
		}
		issued = append(issued, is)
	}
	if full == nil || !strings.Contains(full.Error(), "full") {
		t.Fatalf("never hit the limit, or another error: %v", full)
	}
	if len(issued) == 0 {
		t.Fatal("the limit left no room at all: the test proves nothing")
	}
	if err := l.IntegrityCheck(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.VerifyChain(); err != nil {
		t.Fatal(err)
	}
	got, _ := l.Licence(li.Key)
	if got.InUse != len(issued) {
		t.Fatalf("%d codes issued, %d seats recorded", len(issued), got.InUse)
	}
	// Every code returned before the disk filled is still there.
	for _, is := range issued {
		again, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: is.Machine})
		if err != nil && !strings.Contains(err.Error(), "full") {
			t.Fatal(err)
		}
		if err == nil && (again.Serial != is.Serial || again.Code != is.Code) {
			t.Fatalf("serial %d changed after the disk filled", is.Serial)
		}
	}
	t.Logf("%d codes before the disk was full: %v", len(issued), full)
}

func itoa(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}

// TestHostileBatchFiles: damaged or hostile CSV files are refused, or
// every one of their rows is refused; nothing is issued and nothing
// panics.
func TestHostileBatchFiles(t *testing.T) {
	l, ks, li := setup(t, 5)
	for name, in := range map[string]string{
		"empty": "", "1 MB line": strings.Repeat("a", 1<<20), "NUL": "licence,machine\n\x00,\x00\n",
		"invalid UTF-8": "licence,machine\n\xff\xfe,x\n", "bare quote": "licence,machine\n\"a\"b,c\n",
		"huge field":     "licence,machine\n" + strings.Repeat("A", 4096) + ",x\n",
		"negative lease": "licence,machine,lease\n" + li.Key + "," + uid(1) + ",-3\n",
	} {
		_, rows, err := signer.ReadBatch(strings.NewReader(in))
		if err != nil {
			continue
		}
		if err := l.IssueBatch(ks, rows, 10, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range rows {
			if r.Issued != nil || r.Err == nil {
				t.Errorf("%s: row %d issued", name, r.Line)
			}
		}
	}
	if got, _ := l.Licence(li.Key); got.InUse != 0 {
		t.Fatalf("hostile files took %d seats", got.InUse)
	}
}
