package ledgertest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/verify"
)

// testWholeFlow is the vendor's story: two machines, the third refused
// naming the holders, a re-issue that takes no seat, a release, codes that
// verify with the exported keyring and not on another machine.
func testWholeFlow(t *testing.T, b Backend) {
	f := setup(t, b, 2)
	a, bm, c := UID(1), UID(2), UID(3)
	codeA := f.issue(t, a)
	f.issue(t, bm)
	_, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: c})
	var ref *licensing.Refusal
	if !errors.Is(err, licensing.ErrSeatLimit) || !errors.As(err, &ref) || len(ref.Holders) != 2 || ref.Seats != 2 {
		t.Fatalf("third machine: %v", err)
	}
	if !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), bm) {
		t.Fatalf("the seat-limit refusal does not name the holders: %v", err)
	}
	again, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: strings.ToLower(f.li.Display), Machine: strings.ToLower(a)})
	if err != nil || !again.Reissued || again.Serial != codeA.Serial || again.Code != codeA.Code {
		t.Fatalf("re-issue: %+v %v", again, err)
	}
	if got := f.licence(t); got.InUse != 2 {
		t.Fatalf("seats in use %d", got.InUse)
	}
	serial, err := f.svc.Release(ctx, f.li.Display, bm)
	if err != nil || serial == 0 {
		t.Fatalf("release: %v", err)
	}
	codeC := f.issue(t, c)
	kr, err := f.ks.Export("umenu", false)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := verify.NewKeyring(kr)
	for _, is := range []signer.Issued{codeA, codeC} {
		terms, err := v.Verify(is.Code, verify.Binding{Product: "umenu", LicenceKey: f.li.Display, MachineUID: is.Machine}, Now)
		if err != nil {
			t.Fatalf("serial %d: %v", is.Serial, err)
		}
		if terms.Serial != is.Serial || !terms.HasFeature(0) || terms.HasFeature(1) || !terms.HasFeature(2) || terms.Expires.String() != "2027-11-23" {
			t.Fatalf("terms %+v", terms)
		}
	}
	if _, err := v.Verify(codeA.Code, verify.Binding{Product: "umenu", LicenceKey: f.li.Display, MachineUID: bm}, Now); !errors.Is(err, verify.ErrWrongMachine) {
		t.Fatalf("A's code on B: %v", err)
	}
	if n, _, err := f.svc.VerifyChain(ctx); err != nil || n < 6 {
		t.Fatalf("chain: %d %v", n, err)
	}
	if err := f.svc.VerifyState(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Check != nil {
		if err := b.Check(f.store); err != nil {
			t.Fatal(err)
		}
	}
}

func testRefusals(t *testing.T, b Backend) {
	f := setup(t, b, 1)
	m := UID(1)
	typo := []byte(f.li.Display)
	typo[len(typo)-2] = map[bool]byte{true: 'A', false: 'B'}[typo[len(typo)-2] == 'B']
	unknown, _ := codec.NewLicenceKey(rand.Reader, "UMENU")
	for _, c := range []struct {
		name string
		req  licensing.IssueRequest
		want error
	}{
		{"typo in licence", licensing.IssueRequest{Licence: string(typo), Machine: m}, licensing.ErrLicenceTypo},
		{"unknown licence", licensing.IssueRequest{Licence: unknown, Machine: m}, licensing.ErrUnknownLicence},
		{"machine typo", licensing.IssueRequest{Licence: f.li.Display, Machine: m[:len(m)-1] + "0"}, licensing.ErrInvalidMachine},
		{"both forms", licensing.IssueRequest{Licence: f.li.Display, Machine: m, Request: "x"}, licensing.ErrInvalid},
		{"bad request code", licensing.IssueRequest{Request: "2222222222"}, licensing.ErrInvalidRequest},
	} {
		if _, err := f.svc.Issue(ctx, c.req); !errors.Is(err, c.want) || licensing.ReasonCode(err) == "" {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: string(typo), Machine: m}); !strings.Contains(err.Error(), "did you mistype it?") {
		t.Errorf("typo message: %v", err)
	}
	if _, err := f.svc.Suspend(ctx, f.li.Display, "unpaid"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: m}); !errors.Is(err, licensing.ErrSuspended) {
		t.Fatalf("suspended: %v", err)
	}
	f.svc.Resume(ctx, f.li.Display, "paid")
	past, _ := codec.ParseDay("2026-01-01")
	if _, err := f.svc.Extend(ctx, f.li.Display, past); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: m}); !errors.Is(err, licensing.ErrLicenceExpired) {
		t.Fatalf("expired: %v", err)
	}
	f.svc.Extend(ctx, f.li.Display, codec.NoExpiry)
	noKeys := signer.New(f.store, keygen.NewKeyset(), signer.Options{Now: clock})
	if _, err := noKeys.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: m}); !errors.Is(err, licensing.ErrNoActiveKey) {
		t.Fatalf("no key: %v", err)
	}
	req := codec.RequestCode{Product: "other", LicenceKey: f.li.Key, ProductVersion: "1.0"}
	req.MachineUID, _ = codec.ParseMachineUID(m)
	txt, _ := req.Text()
	if _, err := f.svc.Issue(ctx, licensing.IssueRequest{Request: txt}); !errors.Is(err, licensing.ErrWrongProduct) {
		t.Fatalf("wrong product: %v", err)
	}
	if _, err := f.svc.Revoke(ctx, f.li.Display, "refund"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: m}); !errors.Is(err, licensing.ErrRevoked) {
		t.Fatalf("revoked: %v", err)
	}
	if _, err := f.svc.Resume(ctx, f.li.Display, ""); !errors.Is(err, licensing.ErrRevoked) {
		t.Fatalf("a revoked licence was changed: %v", err)
	}
	if got := f.licence(t); got.InUse != 0 {
		t.Fatalf("refusals took %d seats", got.InUse)
	}
}

func testReissueWithNewTerms(t *testing.T, b Backend) {
	f := setup(t, b, 1)
	first := f.issue(t, UID(1))
	later, _ := codec.ParseDay("2028-06-30")
	if _, err := f.svc.Extend(ctx, f.li.Display, later); err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: UID(1)})
	if err != nil {
		t.Fatal(err)
	}
	if !second.Reissued || second.Replaced != first.Serial || second.Serial == first.Serial || second.Expires.String() != "2028-06-30" {
		t.Fatalf("new terms: %+v", second)
	}
	if got := f.licence(t); got.InUse != 1 {
		t.Fatalf("in use %d", got.InUse)
	}
	// The seats in use that each answer reports are the ledger's count
	// after it: a new seat, a superseded one, a re-issue that takes none.
	third, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: UID(1)})
	if err != nil || !third.Reissued || third.Replaced != 0 {
		t.Fatalf("same terms again: %+v %v", third, err)
	}
	for _, is := range []signer.Issued{first, second, third} {
		if is.InUse != 1 || is.LicenceSeats != 1 {
			t.Errorf("serial %d reports %d of %d seats in use, the ledger 1 of 1", is.Serial, is.InUse, is.LicenceSeats)
		}
	}
}

func testLeaseAndTransfer(t *testing.T, b Backend) {
	f := setup(t, b, 1)
	is, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: UID(1), LeaseDays: 30})
	if err != nil || is.Expires.String() != "2026-12-23" {
		t.Fatalf("lease: %+v %v", is, err)
	}
	moved, released, err := f.svc.Transfer(ctx, f.li.Display, UID(1), UID(2))
	if err != nil || released != is.Serial || moved.Machine != UID(2) {
		t.Fatalf("transfer: %+v %d %v", moved, released, err)
	}
	if _, _, err := f.svc.Transfer(ctx, f.li.Display, UID(7), UID(3)); !errors.Is(err, licensing.ErrNotActivated) {
		t.Fatalf("transfer from a machine without a seat: %v", err)
	}
	got := f.licence(t)
	if got.InUse != 1 || got.Holders[0].Machine != UID(2) {
		t.Fatalf("holders %+v", got.Holders)
	}
	if _, err := f.svc.Release(ctx, f.li.Display, UID(1)); !errors.Is(err, licensing.ErrNotActivated) {
		t.Fatalf("double release: %v", err)
	}
}

func testBatch(t *testing.T, b Backend) {
	f := setup(t, b, 3)
	key := f.li.Display
	in := "licence,machine,site\n" +
		key + "," + UID(1) + ",north\n" +
		key + "," + UID(2) + ",south\n" +
		"UMENU-00000-00000-00000-00001," + UID(3) + ",typo\n" +
		key + "," + UID(4) + ",east\n" +
		key + "," + UID(5) + ",west\n"
	header, rows, err := signer.ReadBatch(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var progress []int
	if err := f.svc.IssueBatch(ctx, rows, 2, func(done, total int) { progress = append(progress, done) }); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := signer.WriteBatch(&out, header, rows); err != nil {
		t.Fatal(err)
	}
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
	_, rows2, _ := signer.ReadBatch(strings.NewReader(in))
	if err := f.svc.IssueBatch(ctx, rows2, 2, nil); err != nil {
		t.Fatal(err)
	}
	if got := f.licence(t); got.InUse != 3 {
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

func testProductsAndLicenceChanges(t *testing.T, b Backend) {
	f := setup(t, b, 2)
	if _, err := f.svc.AddProduct(ctx, "umenu", "", nil); !errors.Is(err, licensing.ErrExists) {
		t.Fatalf("duplicate product: %v", err)
	}
	for _, bad := range []struct {
		id, prefix string
		features   []string
	}{{"Bad", "", nil}, {"x", "", []string{"a", "a"}}, {"y", "TOO-LONG-PREFIX", nil}} {
		if _, err := f.svc.AddProduct(ctx, bad.id, bad.prefix, bad.features); !errors.Is(err, licensing.ErrInvalid) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if _, err := f.svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry, Features: []string{"nope"}}); !errors.Is(err, licensing.ErrInvalid) {
		t.Fatalf("unknown feature: %v", err)
	}
	if _, err := f.svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "ghost", Seats: 1, Expires: codec.NoExpiry}); !errors.Is(err, licensing.ErrUnknownProduct) {
		t.Fatalf("unknown product: %v", err)
	}
	got, err := f.svc.SetSeats(ctx, f.li.Display, 5)
	if err != nil || got.Seats != 5 {
		t.Fatalf("seats: %+v %v", got, err)
	}
	f.issue(t, UID(1))
	if _, err := f.svc.SetSeats(ctx, f.li.Display, 0); !errors.Is(err, licensing.ErrInvalid) {
		t.Fatalf("no seats: %v", err)
	}
	list, err := f.svc.Licences(ctx, "umenu")
	if err != nil || len(list) != 1 || list[0].Customer != "ACME Plant 3" || strings.Join(list[0].Features, ",") != "export,api" {
		t.Fatalf("list %+v %v", list, err)
	}
	entries, err := f.svc.Audit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.Action != "product.plan" {
			actions = append(actions, e.Action)
		}
	}
	if strings.Join(actions, " ") != "product.add licence.new licence.seats code.issue" {
		t.Fatalf("audit %v", actions)
	}
}
