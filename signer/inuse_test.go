package signer_test

import (
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// TestInUseMatchesLedger: the seats in use that an answer reports (the
// API's activeCount) are the ledger's counter after the operation, across
// re-issue, drift, transfer, reclaimed leases, a renewal that supersedes,
// a lapsed machine taking a seat again, batches and ExtendReissue: the
// transaction's own count of the seats it takes and frees stays in step
// with the database's trigger.
func TestInUseMatchesLedger(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "l.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := signer.New(store, ledgertest.Keys(), signer.Options{Now: func() time.Time { return at }})
	if _, err := svc.AddProduct(ctx, "umenu", "", []string{"export", "cloud", "api"}); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Plan: "pro-monthly"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, is signer.Issued) {
		t.Helper()
		got, err := svc.Licence(ctx, li.Display)
		if err != nil {
			t.Fatal(err)
		}
		if got.InUse != is.InUse {
			t.Errorf("%s: reported %d seats in use, ledger %d", what, is.InUse, got.InUse)
		}
	}
	issue := func(what string, req licensing.IssueRequest) {
		t.Helper()
		req.Licence = li.Display
		is, err := svc.Issue(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		check(what, is)
	}
	// Machine 2 has a product value; machine 3 is machine 2 with another
	// network adapter: the drift candidate shares a per-machine component.
	m2, err := codec.ParseMachineUID(ledgertest.UID(2))
	if err != nil {
		t.Fatal(err)
	}
	m2.Slots[codec.SlotCustom] = 77
	m3 := m2
	m3.Slots[codec.SlotNetwork]++
	issue("new 1", licensing.IssueRequest{Machine: ledgertest.UID(1)})
	issue("new 2", licensing.IssueRequest{Machine: m2.String()})
	issue("reissue 2", licensing.IssueRequest{Machine: m2.String()})
	issue("drift 2->3", licensing.IssueRequest{Machine: m3.String(), Tolerance: func(was, now codec.MachineUID) (bool, string) {
		return was == m2, "network adapter"
	}})
	is, _, err := svc.Transfer(ctx, li.Display, m3.String(), ledgertest.UID(4))
	if err != nil {
		t.Fatal(err)
	}
	check("transfer 3->4", is)
	issue("new 5", licensing.IssueRequest{Machine: ledgertest.UID(5)})
	// leases lapse: 20 days on, a new machine reclaims
	at = at.Add(20 * 24 * time.Hour)
	issue("reclaim, new 6", licensing.IssueRequest{Machine: ledgertest.UID(6)})
	// validation renews lease (supersede)
	at = at.Add(10 * 24 * time.Hour)
	v, err := svc.Validate(ctx, li.Display, ledgertest.UID(6), licensing.Trust{})
	if err != nil {
		t.Fatal(err)
	}
	check("validate renew 6", v.Issued)
	// Validation of lapsed machine 1 re-takes a seat
	v, err = svc.Validate(ctx, li.Display, ledgertest.UID(1), licensing.Trust{})
	if err != nil {
		t.Fatal(err)
	}
	check("validate retake 1", v.Issued)
	// batch of three rows on the same licence
	rows := []signer.BatchRow{
		{Request: licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(7)}},
		{Request: licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(7)}},
		{Request: licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(6)}},
	}
	if err := svc.IssueBatch(ctx, rows, 10, nil); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if r.Err != nil {
			t.Fatalf("row %d: %v", i, r.Err)
		}
	}
	check("batch last row", *rows[2].Issued)
	// ExtendReissue
	_, mcs, err := svc.ExtendReissue(ctx, li.Display, codec.DayOf(at)+100)
	if err != nil {
		t.Fatal(err)
	}
	for _, mc := range mcs {
		if mc.Issued != nil {
			check("extend "+mc.Machine, *mc.Issued)
		}
	}
}
