package testvectors

import (
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/mr-tron/base58"
)

// Chain vectors: codes signed by delegated keys (delegation_verify.json)
// and keyring updates (keyring_update.json), docs/format.md sections 6.1,
// 7, 13 and 14. Every expected reason follows from how the case is built.

// DelegationReasons are the reasons a delegation vector may name: those
// of the activation vectors and the three of delegated keys.
var DelegationReasons = func() map[string]string {
	m := map[string]string{
		"outside-delegation": "the code's payload falls outside its delegated key's certificate (window, length, perpetual, seats, features, serial)",
		"revoked-delegation": "the delegated key, or the root that issued its certificate, is revoked",
		"invalid-delegation": "the certificate sent with the code is unreadable, for another key or product, not issued by a root, or its signature fails",
	}
	for k, v := range Reasons {
		m[k] = v
	}
	return m
}()

// UpdateReasons are the reasons a keyring update vector may name.
var UpdateReasons = map[string]string{
	"malformed":               "the update is not a well-formed version 2 keyring",
	"unsupported-version":     "a keyring header of a version this build does not read",
	"invalid-key":             "a root or key not derived for the product, an HMAC root, or a delegation not for the product or not issued by a root",
	"wrong-product":           "the update is for another product",
	"rolled-back":             "the update's version is not above the held keyring's",
	"update-expired":          "the update's expires day has passed",
	"insufficient-signatures": "fewer valid signatures than the held keyring's threshold of its roots, or than the update's own threshold of its roots",
	"invalid-delegation":      "an embedded delegation's root signature does not verify",
}

// UpdateFile is keyring_update.json.
type UpdateFile struct {
	Algorithm     string            `json:"algorithm"`
	Schema        string            `json:"schema"`
	NumberOfTests int               `json:"numberOfTests"`
	Header        []string          `json:"header"`
	Notes         map[string]string `json:"notes"`
	TestGroups    []UpdateGroup     `json:"testGroups"`
}

// UpdateGroup is a set of updates offered to one held keyring.
type UpdateGroup struct {
	Type    string       `json:"type"`
	Keyring string       `json:"keyring"`
	Tests   []UpdateTest `json:"tests"`
}

// UpdateTest offers one update at one time.
type UpdateTest struct {
	TcID    int                  `json:"tcId"`
	Comment string               `json:"comment"`
	Update  string               `json:"update"`
	Now     string               `json:"now"`
	Result  string               `json:"result"`
	Reason  string               `json:"reason,omitempty"`
	Output  *KeyringUpdateOutput `json:"output,omitempty"`
}

// KeyringUpdateOutput is the keyring held after an accepted update.
type KeyringUpdateOutput struct {
	Product   string       `json:"product"`
	Version   uint32       `json:"version"`
	Threshold int          `json:"threshold"`
	Roots     []string     `json:"roots"`
	Keys      []KeyringKey `json:"keys"`
	// Delegations are the delegated keys' IDs for the product.
	Delegations []string `json:"delegations"`
	Revoked     []string `json:"revoked"`
}

// UpdateOutput describes a keyring as an update vector's output.
func UpdateOutput(kr *codec.Keyring) KeyringUpdateOutput {
	o := KeyringUpdateOutput{Product: kr.Product, Version: kr.Version, Threshold: kr.Threshold,
		Roots: []string{}, Keys: []KeyringKey{}, Delegations: []string{}, Revoked: []string{}}
	if kr.Version == 0 {
		o.Threshold = 1
	}
	for _, k := range kr.Roots {
		o.Roots = append(o.Roots, k.ID.String())
	}
	for _, k := range kr.Keys {
		o.Keys = append(o.Keys, KeyringKey{ID: k.ID.String(), Algorithm: k.Alg.String()})
	}
	for _, c := range kr.Delegations {
		p, _ := c.For(kr.Product)
		o.Delegations = append(o.Delegations, p.KeyID.String())
	}
	for _, id := range kr.Revoked {
		o.Revoked = append(o.Revoked, id.String())
	}
	return o
}

// chainKeys are the keys of the chain vectors.
type chainKeys struct {
	r1, r2, r3, rNew, r4, stranger, oldRoot *keygen.SigningKey
	s1, s2, s3, s4, s5, s6                  *keygen.SigningKey
	otherRoot                               *keygen.SigningKey
}

func newChainKeys() chainKeys {
	taken := map[codec.KeyID]bool{}
	s := "actkit testvectors v1 chain "
	k := func(name string) *keygen.SigningKey { return mustKey(s+name, Product, codec.Ed25519, taken) }
	return chainKeys{
		r1: k("root 1"), r2: k("root 2"), r3: k("root 3"), rNew: k("new root"), r4: k("root 4"),
		stranger: k("stranger"), oldRoot: k("old root"),
		s1: k("server 1"), s2: k("server 2"), s3: k("server 3"), s4: k("server 4"), s5: k("server 5"), s6: k("server 6"),
		otherRoot: mustKey(s+"other root", OtherProduct, codec.Ed25519, taken),
	}
}

var (
	// chainNow is a time inside the window of every delegation and the
	// validity of every fitting code.
	chainNow = issued.Start().Add(12 * time.Hour)
	// updateExpires is the expiry of every update that is not meant to
	// have expired.
	updateExpires = codec.DayOf(nowOK) + 365
)

// cert builds and signs a certificate for key under Product (and the
// extra products), issued by root: window issued..issued+29, codes of at
// most 30 days, 5 seats, features 0b1111, serials 1000 to 1999.
func cert(serial uint64, key, root *keygen.SigningKey, extra ...string) *codec.Certificate {
	pub := key.VerificationKey().Bytes
	rootPub := root.VerificationKey().Bytes
	var ps []codec.CertificateProduct
	for _, p := range append(extra, Product) {
		ps = append(ps, codec.CertificateProduct{Product: p,
			KeyID: codec.DeriveKeyID(p, codec.Ed25519, pub), Issuer: codec.DeriveKeyID(p, codec.Ed25519, rootPub)})
	}
	c := &codec.Certificate{Serial: serial, PublicKey: pub, Products: ps,
		NotBefore: issued, NotAfter: issued + 29, MaxCodeDays: 30, Purpose: codec.PurposeOnline | codec.PurposePortal,
		MaxSeats: 5, Features: 0b1111, SerialMin: 1000, SerialMax: 1999}
	if err := codec.SignCertificate(root, c); err != nil {
		panic(err)
	}
	return c
}

// signed signs a version 2 keyring of Product with the signers.
func signed(kr codec.Keyring, signers ...*keygen.SigningKey) string {
	if kr.Product == "" {
		kr.Product = Product
	}
	if kr.Threshold == 0 {
		kr.Threshold = 1
	}
	if kr.Expires == 0 {
		kr.Expires = updateExpires
	}
	var ss []codec.Signer
	for _, s := range signers {
		ss = append(ss, s)
	}
	if err := codec.SignKeyring(&kr, ss...); err != nil {
		panic(err)
	}
	return kr.String()
}

func roots(ks ...*keygen.SigningKey) []codec.Key {
	var out []codec.Key
	for _, k := range ks {
		out = append(out, k.VerificationKey())
	}
	return out
}

// fitting is a payload that fits every certificate of cert.
func fitting() codec.Payload {
	return codec.Payload{Issued: issued, Expires: issued + 30, Seats: 5, Features: 0b1001, Serial: 1500}
}

func buildDelegations() File {
	k := newChainKeys()
	next := new(int)
	c1 := cert(1, k.s1, k.r1)
	c2 := cert(2, k.s2, k.r1)
	c3 := cert(3, k.s3, k.r1)
	c4 := cert(4, k.s4, k.oldRoot)
	c5 := cert(5, k.s5, k.r1, OtherProduct)
	forged := cert(6, k.s2, k.stranger)
	tampered := *c2
	tampered.MaxSeats = 500
	otherOnly := cert(7, k.s6, k.otherRoot, OtherProduct)
	otherOnly.Products = otherOnly.Products[:1]
	if err := codec.SignCertificate(k.otherRoot, otherOnly); err != nil {
		panic(err)
	}

	dv := func(kind, keyring string) *builder {
		return &builder{alg: codec.Ed25519, nextTcID: next, group: Group{Type: "DelegationVerify", Keyring: keyring}}
	}
	at := func(t time.Time) string { return t.Format(time.RFC3339) }
	valid := func(b *builder, comment string, key *keygen.SigningKey, p codec.Payload, now time.Time, certText string) {
		b.valid(comment, b.sign(key, binding(), p), p, key, now, LicenceKey, MachineUID)
		last := &b.group.Tests[len(b.group.Tests)-1]
		last.Certificate = certText
	}
	invalid := func(b *builder, comment string, key *keygen.SigningKey, p codec.Payload, now time.Time, certText, reason string) {
		b.add(Test{Comment: comment, Code: b.sign(key, binding(), p), LicenceKey: LicenceKey, MachineUID: MachineUID,
			Now: at(now), Result: "invalid", Reason: reason, Certificate: certText})
	}
	edit := func(f func(p *codec.Payload)) codec.Payload { p := fitting(); f(&p); return p }

	// Embedded: a typed code under a delegation the keyring carries.
	embedded := dv("embedded", signed(codec.Keyring{Version: 1, Roots: roots(k.r1), Delegations: []*codec.Certificate{c1}}, k.r1))
	valid(embedded, "a code that fits its embedded delegation", k.s1, fitting(), chainNow, "")
	valid(embedded, "issued on the first day of the window", k.s1, fitting(), chainNow, "")
	valid(embedded, "issued on the last day of the window, checked after the delegation ended: the code keeps its own expiry",
		k.s1, edit(func(p *codec.Payload) { p.Issued, p.Expires = issued+29, issued+59 }), (issued + 45).Start(), "")
	valid(embedded, "every limit at its bound: 30 days, 5 seats, all four features, serial 1999", k.s1,
		edit(func(p *codec.Payload) { p.Features, p.Serial = 0b1111, 1999 }), chainNow, "")
	valid(embedded, "serial 1000, one seat, no features", k.s1,
		edit(func(p *codec.Payload) { p.Seats, p.Features, p.Serial = 1, 0, 1000 }), chainNow, "")
	valid(embedded, "a perpetual code signed by the root itself: roots are not limited", k.r1,
		edit(func(p *codec.Payload) { p.Expires, p.Seats, p.Features, p.Serial = codec.NoExpiry, 65535, 1<<55, 1 }), chainNow, "")
	for _, c := range []struct {
		comment string
		p       codec.Payload
	}{
		{"issued the day before the window", edit(func(p *codec.Payload) { p.Issued = issued - 1 })},
		{"issued the day after the window", edit(func(p *codec.Payload) { p.Issued, p.Expires = issued+30, issued+40 })},
		{"perpetual", edit(func(p *codec.Payload) { p.Expires = codec.NoExpiry })},
		{"31 days, one more than allowed", edit(func(p *codec.Payload) { p.Expires = issued + 31 })},
		{"6 seats, one more than allowed", edit(func(p *codec.Payload) { p.Seats = 6 })},
		{"65535 seats", edit(func(p *codec.Payload) { p.Seats = 65535 })},
		{"a feature bit outside the mask", edit(func(p *codec.Payload) { p.Features = 0b10001 })},
		{"every feature bit", edit(func(p *codec.Payload) { p.Features = 1<<56 - 1 })},
		{"serial 999, below the range", edit(func(p *codec.Payload) { p.Serial = 999 })},
		{"serial 2000, above the range", edit(func(p *codec.Payload) { p.Serial = 2000 })},
	} {
		invalid(embedded, c.comment+", at a time the code would be valid", k.s1, c.p, c.p.Issued.Start().Add(time.Hour), "", "outside-delegation")
	}
	invalid(embedded, "31 days and checked after its expiry: the delegation is checked before the dates", k.s1,
		edit(func(p *codec.Payload) { p.Expires = issued + 31 }), (issued + 40).Start(), "", "outside-delegation")
	invalid(embedded, "a fitting code, checked after its expiry", k.s1, fitting(), (issued + 31).Start(), "", "expired")
	invalid(embedded, "a fitting code, with the clock three days behind its issue day", k.s1, fitting(), issued.Start().Add(-72*time.Hour), "", "not-yet-valid")
	invalid(embedded, "a delegated key the keyring does not hold, without its certificate", k.s2, fitting(), chainNow, "", "unknown-key")

	// Supplied: an online answer carries the certificate.
	heldRevoked := signed(codec.Keyring{Version: 7, Roots: roots(k.r1), Revoked: []codec.KeyID{k.s3.ID, k.oldRoot.ID}}, k.r1)
	supplied := dv("supplied", heldRevoked)
	valid(supplied, "a code with its certificate", k.s2, fitting(), chainNow, c2.String())
	valid(supplied, "a code with a certificate naming two products", k.s5, fitting(), chainNow, c5.String())
	valid(supplied, "a root's code with an unrelated certificate: the root is found first", k.r1, fitting(), chainNow, c2.String())
	invalid(supplied, "the same code without its certificate", k.s2, fitting(), chainNow, "", "unknown-key")
	invalid(supplied, "outside the supplied delegation: 6 seats", k.s2, edit(func(p *codec.Payload) { p.Seats = 6 }), chainNow, c2.String(), "outside-delegation")
	invalid(supplied, "outside the supplied delegation: perpetual", k.s2, edit(func(p *codec.Payload) { p.Expires = codec.NoExpiry }), chainNow, c2.String(), "outside-delegation")
	invalid(supplied, "a delegated key the keyring revoked, with its certificate", k.s3, fitting(), chainNow, c3.String(), "revoked-delegation")
	invalid(supplied, "a delegated key the keyring revoked, without its certificate", k.s3, fitting(), chainNow, "", "revoked-key")
	invalid(supplied, "a certificate issued by a revoked root", k.s4, fitting(), chainNow, c4.String(), "revoked-delegation")
	invalid(supplied, "a certificate issued by a key that is not a root", k.s2, fitting(), chainNow, forged.String(), "invalid-delegation")
	invalid(supplied, "a certificate whose seat limit was raised after signing", k.s2, fitting(), chainNow, tampered.String(), "invalid-delegation")
	invalid(supplied, "a certificate for another key", k.s1, fitting(), chainNow, c2.String(), "invalid-delegation")
	invalid(supplied, "a certificate for another product only", k.s6, fitting(), chainNow, otherOnly.String(), "invalid-delegation")
	raw, _ := c2.MarshalBinary()
	invalid(supplied, "an unreadable certificate (its last byte cut)", k.s2, fitting(), chainNow,
		"actkit-delegation v1 "+base58.Encode(raw[:len(raw)-1]), "invalid-delegation")
	invalid(supplied, "a certificate of an unknown version", k.s2, fitting(), chainNow,
		"actkit-delegation v2 "+base58.Encode(raw), "invalid-delegation")

	// A version 1 keyring, as shipped today: its key is trusted as a root.
	v1 := dv("v1", (&codec.Keyring{Product: Product, Keys: roots(k.r1)}).String())
	valid(v1, "a version 1 keyring accepts a certificate issued by its key", k.s2, fitting(), chainNow, c2.String())
	invalid(v1, "and refuses the same code without it", k.s2, fitting(), chainNow, "", "unknown-key")
	invalid(v1, "and checks its limits: 31 days", k.s2, edit(func(p *codec.Payload) { p.Expires = issued + 31 }), chainNow, c2.String(), "outside-delegation")

	groups := []Group{embedded.group, supplied.group, v1.group}
	n := 0
	for _, g := range groups {
		n += len(g.Tests)
	}
	return File{
		Algorithm: "actkit-delegation-v1/ed25519",
		Schema:    "actkit_delegation_verify_v1",
		Header: []string{
			"actkit delegation vectors, generated by testvectors/gen from fixed seeds.",
			"Each test verifies a code against the group's keyring, with the test's certificate when it has one (verify.Keyring.VerifyDelegated).",
		},
		Notes: DelegationReasons, TestGroups: groups, NumberOfTests: n,
	}
}

func buildUpdates() UpdateFile {
	k := newChainKeys()
	next := new(int)
	c1 := cert(1, k.s1, k.r1)
	tampered := *c1
	tampered.SerialMax = 1 << 40
	group := func(keyring string) *UpdateGroup { return &UpdateGroup{Type: "KeyringUpdate", Keyring: keyring} }
	add := func(g *UpdateGroup, t UpdateTest) {
		*next++
		t.TcID = *next
		if t.Now == "" {
			t.Now = nowOK.Format(time.RFC3339)
		}
		g.Tests = append(g.Tests, t)
	}
	valid := func(g *UpdateGroup, comment, update string, held string) {
		// held is the keyring's text after the update: the update's own
		// text, or the old keyring's for an update already held.
		kr, err := codec.ParseKeyring(held)
		if err != nil {
			panic(err)
		}
		o := UpdateOutput(kr)
		add(g, UpdateTest{Comment: comment, Update: update, Result: "valid", Output: &o})
	}
	invalid := func(g *UpdateGroup, comment, update, reason string) {
		if _, ok := UpdateReasons[reason]; !ok {
			panic("unknown update reason " + reason)
		}
		add(g, UpdateTest{Comment: comment, Update: update, Result: "invalid", Reason: reason})
	}
	swap := func(s, old, new string) string {
		for i := 0; i+len(old) <= len(s); i++ {
			if s[i:i+len(old)] == old {
				return s[:i] + new + s[i+len(old):]
			}
		}
		panic("swap: not found: " + old)
	}

	// From a version 1 keyring, as products ship today.
	v1 := group((&codec.Keyring{Product: Product, Keys: roots(k.r1)}).String())
	first := signed(codec.Keyring{Version: 1, Roots: roots(k.r1)}, k.r1)
	valid(v1, "the first signed keyring, signed by the version 1 key", first, first)
	withCert := signed(codec.Keyring{Version: 1, Roots: roots(k.r1), Delegations: []*codec.Certificate{c1}}, k.r1)
	valid(v1, "a signed keyring with an embedded delegation", withCert, withCert)
	valid(v1, "new roots, signed by the old key and the new roots",
		signed(codec.Keyring{Version: 1, Roots: roots(k.r2, k.r3), Threshold: 2, Keys: roots(k.r1)}, k.r1, k.r2, k.r3),
		signed(codec.Keyring{Version: 1, Roots: roots(k.r2, k.r3), Threshold: 2, Keys: roots(k.r1)}, k.r1, k.r2, k.r3))
	invalid(v1, "signed by a key the held keyring does not have", signed(codec.Keyring{Version: 1, Roots: roots(k.stranger)}, k.stranger), "insufficient-signatures")
	invalid(v1, "signed by the old key, but not by its own new root", signed(codec.Keyring{Version: 1, Roots: roots(k.r2)}, k.r1), "insufficient-signatures")
	unsigned := (&codec.Keyring{Product: Product, Version: 1, Threshold: 1, Expires: updateExpires, Roots: roots(k.r1)}).String()
	invalid(v1, "no signature", unsigned, "insufficient-signatures")
	sigLine := first[len(unsigned):]
	sig, _ := base58.Decode(sigLine[len("signature xxxx ") : len(sigLine)-1])
	sig[10] ^= 1
	invalid(v1, "a signature with one bit changed", unsigned+"signature "+k.r1.ID.String()+" "+base58.Encode(sig)+"\n", "insufficient-signatures")
	invalid(v1, "a version 1 keyring offered as an update", (&codec.Keyring{Product: Product, Keys: roots(k.r1, k.r2)}).String(), "malformed")
	invalid(v1, "an update for another product",
		signed(codec.Keyring{Product: OtherProduct, Version: 1, Roots: roots(k.otherRoot)}, k.otherRoot), "wrong-product")
	invalid(v1, "an update whose expires day has passed",
		signed(codec.Keyring{Version: 1, Roots: roots(k.r1), Expires: codec.DayOf(nowOK) - 1}, k.r1), "update-expired")
	valid(v1, "an update on its expires day", signed(codec.Keyring{Version: 1, Roots: roots(k.r1), Expires: codec.DayOf(nowOK)}, k.r1),
		signed(codec.Keyring{Version: 1, Roots: roots(k.r1), Expires: codec.DayOf(nowOK)}, k.r1))
	invalid(v1, "an embedded delegation whose limits were edited after signing",
		signed(codec.Keyring{Version: 1, Roots: roots(k.r1), Delegations: []*codec.Certificate{&tampered}}, k.r1), "invalid-delegation")
	invalid(v1, "no threshold line", swap(first, "threshold 1\n", ""), "malformed")
	invalid(v1, "version 0", swap(first, "version 1\n", "version 0\n"), "malformed")
	invalid(v1, "a threshold above the number of roots", swap(first, "threshold 1\n", "threshold 2\n"), "malformed")
	invalid(v1, "header v3", swap(first, "actkit-keyring v2", "actkit-keyring v3"), "unsupported-version")
	invalid(v1, "a root of another product", swap(first, "root ", "root "+k.otherRoot.VerificationKey().String()+"\nroot "), "invalid-key")
	invalid(v1, "a delegation issued by a key that is not a root",
		swap(first, "root ", "delegation "+cert(8, k.s2, k.stranger).String()+"\nroot "), "invalid-key")
	invalid(v1, "two signatures by the same root", first+sigLine, "malformed")

	// From a signed keyring with two of three roots.
	base := codec.Keyring{Version: 5, Roots: roots(k.r1, k.r2, k.r3), Threshold: 2}
	held := signed(base, k.r1, k.r2)
	v2 := group(held)
	next6 := func(edit func(kr *codec.Keyring), signers ...*keygen.SigningKey) string {
		kr := base
		kr.Version = 6
		if edit != nil {
			edit(&kr)
		}
		return signed(kr, signers...)
	}
	u := next6(nil, k.r1, k.r2)
	valid(v2, "version 6, signed by two of three roots", u, u)
	valid(v2, "the held keyring again: already held", held, held)
	valid(v2, "the held keyring again, signed by the other roots: the signed body is the same", signed(base, k.r2, k.r3), held)
	invalid(v2, "version 6 signed by one root of the two needed", next6(nil, k.r1), "insufficient-signatures")
	invalid(v2, "one root and a key that is not a root", next6(nil, k.r1, k.stranger), "insufficient-signatures")
	invalid(v2, "version 5 again with other content", signed(codec.Keyring{Version: 5, Roots: roots(k.r1, k.r2, k.r3), Threshold: 1}, k.r1, k.r2), "rolled-back")
	invalid(v2, "version 4", signed(codec.Keyring{Version: 4, Roots: roots(k.r1, k.r2, k.r3), Threshold: 2}, k.r1, k.r2), "rolled-back")
	invalid(v2, "version 4, expired and unsigned: the version is checked first",
		(&codec.Keyring{Product: Product, Version: 4, Roots: roots(k.r1), Threshold: 1, Expires: codec.DayOf(nowOK) - 10}).String(), "rolled-back")
	rotated := func(kr *codec.Keyring) {
		kr.Roots, kr.Revoked = roots(k.r2, k.r3, k.rNew), []codec.KeyID{k.r1.ID}
	}
	rot := next6(rotated, k.r1, k.r2, k.rNew)
	valid(v2, "root rotation: root 1 revoked, a new root added; signed by two old roots and two new ones", rot, rot)
	invalid(v2, "root rotation signed by the new roots alone", next6(func(kr *codec.Keyring) {
		kr.Roots, kr.Threshold = roots(k.rNew, k.r4), 2
	}, k.rNew, k.r4), "insufficient-signatures")
	invalid(v2, "root rotation signed by the old roots alone", next6(func(kr *codec.Keyring) {
		kr.Roots, kr.Threshold = roots(k.rNew, k.r4), 1
	}, k.r1, k.r2), "insufficient-signatures")
	rev := next6(func(kr *codec.Keyring) { kr.Revoked = []codec.KeyID{k.s2.ID} }, k.r2, k.r3)
	valid(v2, "revoking a delegated key", rev, rev)
	invalid(v2, "an update whose expires day has passed", next6(func(kr *codec.Keyring) { kr.Expires = codec.DayOf(nowOK) - 1 }, k.r1, k.r2), "update-expired")

	groups := []UpdateGroup{*v1, *v2}
	n := 0
	for _, g := range groups {
		n += len(g.Tests)
	}
	return UpdateFile{
		Algorithm: "actkit-keyring-v2", Schema: "keyring_update_v1", NumberOfTests: n,
		Header: []string{
			"actkit keyring update vectors, generated by testvectors/gen from fixed seeds.",
			"Each test offers an update to the group's keyring at now (verify.Keyring.Update): the keyring held afterwards, or the reason.",
		},
		Notes: UpdateReasons, TestGroups: groups,
	}
}
