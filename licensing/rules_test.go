package licensing

import (
	"errors"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
)

func testUID(n uint16) codec.MachineUID {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU] = 100+n, 200
	return u
}

// TestDecide runs every branch of the issuing rules without a database.
func TestDecide(t *testing.T) {
	const today = codec.Day(1000)
	key := codec.KeyID{0xb7, 0x01}
	li := Licence{Key: "UMENU7KQ2XM4RTA9VWCEH3NPM", Display: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", Product: "umenu",
		Seats: 2, InUse: 1, Expires: today + 30, Bits: 5, Status: Active}
	target := Target{Licence: li.Key, Machine: testUID(1)}
	cur := Activation{Serial: 7, Licence: li.Key, Product: "umenu", Machine: testUID(1).String(), Seats: 1, KeyID: key,
		Issued: today - 3, Expires: today + 30, Features: 5}

	d, err := Decide(li, nil, target, key, nil, today)
	if err != nil || d.Kind != New || d.Activation.Issued != today || d.Activation.Expires != today+30 || d.Activation.KeyID != key || d.Activation.Seats != 1 {
		t.Fatalf("new: %+v %v", d, err)
	}
	d, err = Decide(li, &cur, target, key, nil, today)
	if err != nil || d.Kind != Reissue || d.Activation.Serial != 7 {
		t.Fatalf("same terms must re-issue the same activation: %+v %v", d, err)
	}
	// Fresh: the same terms get a new code dated today (the way out of a
	// product's ClockTampering), keeping the seat; one issued today
	// already is re-issued as it is.
	fresh := target
	fresh.Fresh = true
	d, err = Decide(li, &cur, fresh, key, nil, today)
	if err != nil || d.Kind != Supersede || d.Replaces.Serial != 7 || d.Activation.Issued != today || d.Activation.Expires != cur.Expires {
		t.Fatalf("fresh must supersede with today's issue day: %+v %v", d, err)
	}
	full0 := li
	full0.InUse = 2
	if d, err = Decide(full0, &cur, fresh, key, nil, today); err != nil || d.Kind != Supersede {
		t.Fatalf("fresh on a full licence, for a machine holding its seat: %+v %v", d, err)
	}
	curToday := cur
	curToday.Issued = today
	if d, err = Decide(li, &curToday, fresh, key, nil, today); err != nil || d.Kind != Reissue {
		t.Fatalf("fresh, already issued today: %+v %v", d, err)
	}
	longer := li
	longer.Expires = today + 400
	d, err = Decide(longer, &cur, target, key, nil, today)
	if err != nil || d.Kind != Supersede || d.Replaces.Serial != 7 || d.Activation.Expires != today+400 {
		t.Fatalf("new terms must supersede: %+v %v", d, err)
	}
	full := li
	full.InUse = 2
	if _, err := Decide(full, &cur, target, key, nil, today); err != nil {
		t.Fatalf("a machine holding a seat is re-issued on a full licence: %v", err)
	}
	_, err = Decide(full, nil, target, key, nil, today)
	var ref *Refusal
	if !errors.Is(err, ErrSeatLimit) || !errors.As(err, &ref) || ref.Seats != 2 || ReasonCode(err) != "seat-limit" {
		t.Fatalf("seat limit: %v", err)
	}
	leased := target
	leased.LeaseDays = 7
	if d, _ := Decide(li, nil, leased, key, nil, today); d.Activation.Expires != today+7 {
		t.Fatalf("lease: expires %v", d.Activation.Expires)
	}
	leased.LeaseDays = 90
	if d, _ := Decide(li, nil, leased, key, nil, today); d.Activation.Expires != today+30 {
		t.Fatalf("a lease past the licence's expiry ends with the licence: %v", d.Activation.Expires)
	}
	perpetual := li
	perpetual.Expires = codec.NoExpiry
	if d, _ := Decide(perpetual, nil, leased, key, nil, today); d.Activation.Expires != today+90 {
		t.Fatalf("lease on a perpetual licence: %v", d.Activation.Expires)
	}

	refusals := []struct {
		name   string
		li     Licence
		t      Target
		keyErr error
		today  codec.Day
		want   error
	}{
		{"suspended", with(li, func(l *Licence) { l.Status = Suspended }), target, nil, today, ErrSuspended},
		{"revoked", with(li, func(l *Licence) { l.Status = Revoked }), target, nil, today, ErrRevoked},
		{"expired the day after", li, target, nil, today + 31, ErrLicenceExpired},
		{"no active key", li, target, errors.New("none"), today, ErrNoActiveKey},
		{"request from another product", li, Target{Licence: li.Key, Machine: testUID(1), Product: "other"}, nil, today, ErrWrongProduct},
	}
	for _, r := range refusals {
		_, err := Decide(r.li, nil, r.t, key, r.keyErr, r.today)
		if !errors.Is(err, r.want) || ReasonCode(err) == "" {
			t.Errorf("%s: got %v, want %v", r.name, err, r.want)
		}
	}
	if _, err := Decide(li, nil, target, key, nil, today+30); err != nil {
		t.Fatalf("the expiry day itself is valid: %v", err)
	}
}

func with(l Licence, f func(*Licence)) Licence { f(&l); return l }

// TestEveryReasonHasACode: the table front ends map from is complete.
func TestEveryReasonHasACode(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Reasons() {
		code := ReasonCode(&Refusal{Reason: r})
		if code == "" || seen[code] {
			t.Errorf("%v: code %q missing or repeated", r, code)
		}
		seen[code] = true
	}
	if ReasonCode(errors.New("other")) != "" {
		t.Error("a non-refusal has a reason code")
	}
}

func TestResolve(t *testing.T) {
	uid := testUID(1).String()
	if _, err := Resolve(IssueRequest{Licence: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPD", Machine: uid}); !errors.Is(err, ErrLicenceTypo) {
		t.Errorf("typo: %v", err)
	}
	if _, err := Resolve(IssueRequest{Licence: "garbage", Machine: uid}); !errors.Is(err, ErrUnknownLicence) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := Resolve(IssueRequest{Licence: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", Machine: "nope"}); !errors.Is(err, ErrInvalidMachine) {
		t.Errorf("machine: %v", err)
	}
	if _, err := Resolve(IssueRequest{Request: "x", Machine: uid}); !errors.Is(err, ErrInvalid) {
		t.Errorf("both: %v", err)
	}
	rc, _ := codec.RequestCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: testUID(1), ProductVersion: "4.2.17"}.Text()
	if tg, err := Resolve(IssueRequest{Request: rc, Licence: "umenu-7kq2x-m4rta-9vwce-h3npm"}); err != nil || tg.Licence != "UMENU7KQ2XM4RTA9VWCEH3NPM" {
		t.Errorf("a request code with its own licence: %v", err)
	}
	if _, err := Resolve(IssueRequest{Request: rc, Licence: "UMENU-80HY6-EM0DE-N15D5-2575S"}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("a request code with another licence: %v", err)
	}
	if _, err := Resolve(IssueRequest{Request: "not a request"}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("request: %v", err)
	}
	if _, err := Resolve(IssueRequest{Licence: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", Machine: uid, LeaseDays: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative lease: %v", err)
	}
	// A UID of the processor and version alone is the same on every
	// machine of a model: refused, typed or inside a request code.
	weak := codec.MachineUID{Version: codec.UIDVersion}
	weak.Slots[codec.SlotCPU], weak.Slots[codec.SlotVersion] = 200, 300
	if _, err := Resolve(IssueRequest{Licence: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", Machine: weak.String()}); !errors.Is(err, ErrInvalidMachine) {
		t.Errorf("processor-only UID: %v", err)
	}
	wr, _ := codec.RequestCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: weak, ProductVersion: "4.2.17"}.Text()
	if _, err := Resolve(IssueRequest{Request: wr}); !errors.Is(err, ErrInvalidMachine) {
		t.Errorf("processor-only UID in a request code: %v", err)
	}
	// Look-alikes resolve to the one normal form.
	tg, err := Resolve(IssueRequest{Licence: "umenu 7kq2x m4rta 9vwce h3npm", Machine: uid})
	if err != nil || tg.Licence != "UMENU7KQ2XM4RTA9VWCEH3NPM" {
		t.Errorf("normal form: %q %v", tg.Licence, err)
	}
	r, _ := codec.RequestCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: testUID(2), ProductVersion: "4.2.17"}.Text()
	tg, err = Resolve(IssueRequest{Request: r})
	if err != nil || tg.Product != "umenu" || tg.Version != "4.2.17" || tg.Machine != testUID(2) {
		t.Errorf("request code: %+v %v", tg, err)
	}
}

func TestProductsAndLicences(t *testing.T) {
	if _, err := NewProduct("Bad ID", "", nil, now0); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad ID: %v", err)
	}
	p, err := NewProduct("umenu-pro", "", []string{"export", "api"}, now0)
	if err != nil || p.LicencePrefix != "UMENUPRO" {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := NewProduct("x", "", []string{"a", "a"}, now0); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate feature: %v", err)
	}
	if bits, err := p.FeatureBits([]string{"api"}); err != nil || bits != 2 || p.FeatureNames(bits)[0] != "api" {
		t.Errorf("features: %v %v", bits, err)
	}
	if _, err := p.FeatureBits([]string{"nope"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown feature: %v", err)
	}
	spec := LicenceSpec{Product: p.ID, Seats: 3, Expires: 2000, Features: []string{"export"}}
	li, err := NewLicence(fixedRand{}, p, spec, 1000, now0)
	if err != nil || li.Status != Active || li.Bits != 1 || li.Seats != 3 {
		t.Fatalf("%+v %v", li, err)
	}
	if k, err := codec.NormalizeLicenceKey(li.Display); err != nil || k != li.Key {
		t.Fatalf("licence key %s is not in normal form %s: %v", li.Display, li.Key, err)
	}
	for name, s := range map[string]LicenceSpec{
		"no seats":   {Product: p.ID, Seats: 0, Expires: codec.NoExpiry},
		"past":       {Product: p.ID, Seats: 1, Expires: 999},
		"long text":  {Product: p.ID, Seats: 1, Expires: codec.NoExpiry, Customer: string(make([]byte, MaxCustomerLen+1))},
		"no feature": {Product: p.ID, Seats: 1, Expires: codec.NoExpiry, Features: []string{"x"}},
	} {
		if _, err := NewLicence(fixedRand{}, p, s, 1000, now0); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := CheckSeats(1, 2); !errors.Is(err, ErrInvalid) {
		t.Errorf("below seats in use: %v", err)
	}
	if err := (Licence{Status: Revoked}).Changeable(); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked: %v", err)
	}
}

var now0 = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// fixedRand is a reader of zeros: licence keys from it are deterministic.
type fixedRand struct{}

func (fixedRand) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
