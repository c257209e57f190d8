package ledgertest

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

var ctx = context.Background()

// fixture is a ledger with product umenu and one licence.
type fixture struct {
	loc   string
	store ledger.Store
	svc   *signer.Service
	ks    *keygen.Keyset
	li    licensing.Licence
}

func open(t testing.TB, b Backend, loc string) ledger.Store {
	t.Helper()
	s, err := b.Open(loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// setup makes a ledger with product umenu (features export, cloud, api)
// and a licence of the given seats for ACME Plant 3, expiring 2027-11-23.
func setup(t testing.TB, b Backend, seats int) *fixture {
	t.Helper()
	f := &fixture{loc: b.New(t), ks: Keys()}
	f.store = open(t, b, f.loc)
	f.svc = signer.New(f.store, f.ks, signer.Options{Now: clock})
	if _, err := f.svc.AddProduct(ctx, "umenu", "", []string{"export", "cloud", "api"}); err != nil {
		t.Fatal(err)
	}
	exp, _ := codec.ParseDay("2027-11-23")
	li, err := f.svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: seats, Expires: exp,
		Features: []string{"export", "api"}, Customer: "ACME Plant 3"})
	if err != nil {
		t.Fatal(err)
	}
	f.li = li
	return f
}

func (f *fixture) issue(t testing.TB, machine string) signer.Issued {
	t.Helper()
	is, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: machine})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func (f *fixture) licence(t testing.TB) licensing.Licence {
	t.Helper()
	li, err := f.svc.Licence(ctx, f.li.Display)
	if err != nil {
		t.Fatal(err)
	}
	return li
}
