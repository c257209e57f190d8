package signer_test

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/signer"
)

func TestReissueWithNewTermsKeepsTheSeat(t *testing.T) {
	l, ks, li := setup(t, 1)
	first, _ := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(1)})
	later, _ := codec.ParseDay("2028-06-30")
	l.Extend(li.Key, later)
	second, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(1)})
	if err != nil || !second.Reissued || second.Replaced != first.Serial || second.Serial == first.Serial || second.Expires != "2028-06-30" {
		t.Fatalf("%+v %v", second, err)
	}
	got, _ := l.Licence(li.Key)
	if got.InUse != 1 {
		t.Fatalf("in use %d", got.InUse)
	}
}

func TestLeaseAndTransfer(t *testing.T) {
	l, ks, li := setup(t, 1)
	is, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(1), LeaseDays: 30})
	if err != nil || is.Expires != "2026-12-23" {
		t.Fatalf("lease: %+v %v", is, err)
	}
	moved, released, err := l.Transfer(ks, li.Key, uid(1), uid(2))
	if err != nil || released != is.Serial || moved.Machine != uid(2) {
		t.Fatalf("transfer: %+v %d %v", moved, released, err)
	}
	// Transferring from a machine without a seat changes nothing.
	if _, _, err := l.Transfer(ks, li.Key, uid(7), uid(3)); signer.RefusalCode(err) != signer.CodeNotActivated {
		t.Fatalf("got %v", err)
	}
	got, _ := l.Licence(li.Key)
	if got.InUse != 1 || got.Holders[0].Machine != uid(2) {
		t.Fatalf("holders %+v", got.Holders)
	}
	if _, err := l.Release(li.Key, uid(1)); signer.RefusalCode(err) != signer.CodeNotActivated {
		t.Fatalf("double release: %v", err)
	}
}

func TestBatch(t *testing.T) {
	l, ks, li := setup(t, 3)
	in := "licence,machine,site\n" +
		li.Key + "," + uid(1) + ",north\n" +
		li.Key + "," + uid(2) + ",south\n" +
		"UMENU-00000-00000-00000-00001," + uid(3) + ",typo\n" +
		li.Key + "," + uid(4) + ",east\n" +
		li.Key + "," + uid(5) + ",west\n"
	header, rows, err := signer.ReadBatch(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var progress []int
	if err := l.IssueBatch(ks, rows, 2, func(done, total int) { progress = append(progress, done) }); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	signer.WriteBatch(&out, header, rows)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 || !strings.HasSuffix(lines[0], "serial,code,status,error") {
		t.Fatalf("output:\n%s", out.String())
	}
	for i, want := range []string{"issued", "issued", "licence-typo", "issued", "seat-limit"} {
		if !strings.Contains(lines[i+1], ","+want+",") {
			t.Errorf("row %d: %s, want %s", i+1, lines[i+1], want)
		}
	}
	if len(progress) != 3 || progress[2] != 5 {
		t.Errorf("progress %v", progress)
	}
	// Re-running the same file issues nothing twice.
	_, rows2, _ := signer.ReadBatch(strings.NewReader(in))
	l.IssueBatch(ks, rows2, 2, nil)
	got, _ := l.Licence(li.Key)
	if got.InUse != 3 {
		t.Fatalf("re-run took seats: %d in use", got.InUse)
	}
	for i := range rows {
		if rows[i].Issued != nil && (rows2[i].Issued == nil || rows2[i].Issued.Code != rows[i].Issued.Code || !rows2[i].Issued.Reissued) {
			t.Errorf("row %d not re-issued identically", i)
		}
	}
	for _, bad := range []string{"", "foo,bar\n1,2\n", "licence,machine\n\"unterminated\n"} {
		if _, _, err := signer.ReadBatch(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestTamperingIsNamed edits the audit table with raw SQL, as someone with
// the file and a SQLite client could, and checks that verification names
// the first bad entry.
func TestTamperingIsNamed(t *testing.T) {
	cases := []struct {
		name, sql, want string
	}{
		{"changed", "UPDATE audit SET detail = '{\"serial\":99}' WHERE seq = 4", "audit entry 4: was changed"},
		{"deleted", "DELETE FROM audit WHERE seq = 3", "audit entry 3: missing"},
		{"swapped", "UPDATE audit SET seq = CASE seq WHEN 3 THEN 1003 WHEN 4 THEN 3 END WHERE seq IN (3, 4); UPDATE audit SET seq = 4 WHERE seq = 1003", "audit entry 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, ks, li := setup(t, 5)
			for i := range 4 {
				l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(i)})
			}
			if _, _, err := l.VerifyChain(); err != nil {
				t.Fatal(err)
			}
			raw, err := sql.Open("sqlite", l.Path())
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range strings.Split(c.sql, "; ") {
				if _, err := raw.Exec(stmt); err != nil {
					t.Fatal(err)
				}
			}
			raw.Close()
			_, _, err = l.VerifyChain()
			var ce *signer.ChainError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestCheckpointCatchesTruncation(t *testing.T) {
	l, ks, li := setup(t, 5)
	l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(1)})
	active, _ := ks.Active("umenu")
	cp, err := l.Checkpoint(active)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := signer.ParseCheckpoint(cp.String())
	if err != nil || parsed.String() != cp.String() {
		t.Fatalf("parse: %v", err)
	}
	if err := l.VerifyCheckpoint(parsed, ks); err != nil {
		t.Fatal(err)
	}
	l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(2)})
	if err := l.VerifyCheckpoint(parsed, ks); err != nil {
		t.Fatalf("a growing chain fails its checkpoint: %v", err)
	}
	// Deleting the newest entries leaves a valid chain that the checkpoint
	// shows to be short.
	raw, _ := sql.Open("sqlite", l.Path())
	raw.Exec("DELETE FROM audit WHERE seq >= ?", cp.Size)
	raw.Close()
	if _, _, err := l.VerifyChain(); err != nil {
		t.Fatalf("chain after truncation: %v", err)
	}
	if err := l.VerifyCheckpoint(parsed, ks); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("truncation not caught: %v", err)
	}
	forged := parsed
	forged.Size--
	if err := l.VerifyCheckpoint(forged, ks); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Fatalf("altered checkpoint: %v", err)
	}
}

func TestBackupAndNewerSchema(t *testing.T) {
	l, ks, li := setup(t, 5)
	l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(1)})
	dir := t.TempDir()
	bak := filepath.Join(dir, "copy.db")
	if err := l.Backup(bak); err != nil {
		t.Fatal(err)
	}
	if err := l.Backup(bak); signer.RefusalCode(err) != signer.CodeExists {
		t.Fatalf("overwrite: %v", err)
	}
	copyL, err := signer.Open(bak, signer.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if n, _, err := copyL.VerifyChain(); err != nil || n == 0 {
		t.Fatalf("backup chain: %d %v", n, err)
	}
	if got, _ := copyL.Licence(li.Key); got.InUse != 1 {
		t.Fatal("backup lacks the activation")
	}
	copyL.Close()
	raw, _ := sql.Open("sqlite", bak)
	raw.Exec("PRAGMA user_version = 99")
	raw.Close()
	if _, err := signer.Open(bak, signer.Options{}); !errors.Is(err, signer.ErrNewerSchema) {
		t.Fatalf("newer schema: %v", err)
	}
	if _, err := os.Stat(bak); err != nil {
		t.Fatal(err)
	}
}

func TestProductsAndLicenceChanges(t *testing.T) {
	l, _, li := setup(t, 2)
	if _, err := l.AddProduct(signer.Product{ID: "umenu"}); signer.RefusalCode(err) != signer.CodeExists {
		t.Fatalf("duplicate product: %v", err)
	}
	for _, bad := range []signer.Product{{ID: "Bad"}, {ID: "x", Features: []string{"a", "a"}}, {ID: "y", LicencePrefix: "TOO-LONG-PREFIX"}} {
		if _, err := l.AddProduct(bad); signer.RefusalCode(err) != signer.CodeInvalid {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if _, err := l.NewLicence(nil, signer.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry, Features: []string{"nope"}}); signer.RefusalCode(err) != signer.CodeInvalid {
		t.Fatalf("unknown feature: %v", err)
	}
	if _, err := l.NewLicence(nil, signer.LicenceSpec{Product: "ghost", Seats: 1, Expires: codec.NoExpiry}); signer.RefusalCode(err) != signer.CodeUnknownProduct {
		t.Fatalf("unknown product: %v", err)
	}
	got, err := l.SetSeats(li.Key, 5)
	if err != nil || got.Seats != 5 {
		t.Fatal(err)
	}
	list, _ := l.Licences("umenu")
	if len(list) != 1 || list[0].Customer != "ACME Plant 3" || strings.Join(list[0].Features, ",") != "export,api" {
		t.Fatalf("list %+v", list)
	}
	entries, _ := l.Audit(0, 100)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "product.add licence.new licence.seats" {
		t.Fatalf("audit %v", actions)
	}
}

// TestDatabaseRefusesOverIssue goes around the ledger code with raw SQL:
// the schema itself refuses a seat beyond the licence's and a second live
// activation for one machine.
func TestDatabaseRefusesOverIssue(t *testing.T) {
	l, ks, li := setup(t, 1)
	if _, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(1)}); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+l.Path()+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var norm string
	raw.QueryRow("SELECT key FROM licences").Scan(&norm)
	insert := "INSERT INTO activations(licence, machine, seats, key_id, issued, features, created) VALUES (?, ?, 1, 'ffff', 1, 0, 'x')"
	if _, err := raw.Exec(insert, norm, uid(2)); err == nil || !strings.Contains(err.Error(), "CHECK") {
		t.Fatalf("a second seat on a one-seat licence: %v", err)
	}
	if _, err := raw.Exec(insert, norm, uid(1)); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("a second live activation for one machine: %v", err)
	}
	// Releasing through SQL frees the seat through the trigger.
	if _, err := raw.Exec("UPDATE activations SET released = 'now' WHERE machine = ?", uid(1)); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Licence(li.Key); got.InUse != 0 {
		t.Fatalf("in use %d after release", got.InUse)
	}
}
