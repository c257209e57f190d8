package signer_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/signer"
)

// TestImportLicences: all rows or none; a re-run changes nothing; the
// licences are in the audit trail (the state replays); keys of the
// pattern in any case, typed keys found by the service.
func TestImportLicences(t *testing.T) {
	svc, store := service(t, filepath.Join(t.TempDir(), "ledger.db"))
	if _, err := svc.AddLegacyProduct(ctx, "umenu", "", nil, "UMENU-XXXX-XXXX-XXXX", false); err != nil {
		t.Fatal(err)
	}
	bad := "key;plan;expires;customer\r\numenu-aaaa-bbbb-cccc;core;never;A\r\nUMENU-AAAA-BBBB-CCC;core;never;A\r\nUMENU-DDDD-EEEE-FFFF;gold;never;A\r\nUMENU AAAA BBBB CCCC;core;never;A\r\n"
	rep, err := svc.ImportLicences(ctx, "umenu", strings.NewReader(bad))
	if !errors.Is(err, signer.ErrImportRefused) || rep.Recorded || rep.Refused != 3 {
		t.Fatalf("bad file: %+v %v", rep, err)
	}
	for i, want := range []string{"", "malformed", "unknown plan", "duplicate"} {
		if !strings.Contains(rep.Rows[i].Why, want) || (want == "") != (rep.Rows[i].Outcome != "refused") {
			t.Errorf("row %d: %+v, want %q", i+1, rep.Rows[i], want)
		}
	}
	if ls, _ := svc.Licences(ctx, "umenu"); len(ls) != 0 {
		t.Fatalf("a refused import recorded %d licences", len(ls))
	}
	good := "sep=,\nkey,seats,expires,customer,features\nUMENU-AAAA-BBBB-CCCC,2,2031-01-31,A,\nUMENU-DDDD-EEEE-FFFF,1,,B,\n"
	for run, want := range []int{2, 0} {
		rep, err := svc.ImportLicences(ctx, "umenu", strings.NewReader(good))
		if err != nil || rep.Imported != want || !rep.Recorded {
			t.Fatalf("run %d: %+v %v", run+1, rep, err)
		}
	}
	li, err := svc.Licence(ctx, "umenu-aaaa-bbbb-cccc")
	if err != nil || li.Display != "UMENU-AAAA-BBBB-CCCC" || li.Seats != 2 || li.Customer != "A" {
		t.Fatalf("imported licence: %+v %v", li, err)
	}
	if err := ledger.VerifyState(ctx, store); err != nil {
		t.Fatalf("the import does not replay from the audit trail: %v", err)
	}
	// A changed pattern is audited: the state still replays.
	if _, err := svc.ChangeProductKeys(ctx, "umenu", "UMENU-XXXX-XXXX-XXXX-X", true); err != nil {
		t.Fatal(err)
	}
	if err := ledger.VerifyState(ctx, store); err != nil {
		t.Fatalf("after product change: %v", err)
	}
	if _, err := svc.ChangeProductKeys(ctx, "umenu", "UMENU-X_X", false); err == nil {
		t.Fatal("a bad pattern was taken")
	}
}
