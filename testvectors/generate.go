package testvectors

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
)

// seededReader is a deterministic byte stream: SHA-256(seed, counter).
// Vectors must regenerate byte for byte, so keys come from it.
type seededReader struct {
	seed string
	n    uint64
	buf  []byte
}

func (r *seededReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], r.n)
		r.n++
		h := sha256.Sum256(append([]byte(r.seed), c[:]...))
		r.buf = append(r.buf, h[:]...)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Fixed inputs shared by every group.
const (
	Product      = "umenu"
	OtherProduct = "othertool"
	LicenceKey   = "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM"
	MachineUID   = "18J8D-22RR5-50W00-0000C"
	OtherLicence = "UMENU-8KQ2X-M4RTA-9VWCE-H3NP4"
	OtherMachine = "116J2-993C0-00000-0000C"
)

var (
	created = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	issued  = codec.DayOf(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	expires = codec.DayOf(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC))
	// nowOK is a time inside the validity of every valid code.
	nowOK = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
)

type builder struct {
	alg      codec.Algorithm
	active   *keygen.SigningKey
	retired  *keygen.SigningKey
	revoked  *keygen.SigningKey
	unknown  *keygen.SigningKey // same product, not in the keyring
	other    *keygen.SigningKey // another product
	swapped  *keygen.SigningKey // the other algorithm, same product
	group    Group
	nextTcID *int
}

func mustKey(seed, product string, alg codec.Algorithm, taken map[codec.KeyID]bool) *keygen.SigningKey {
	k, err := keygen.Generate(&seededReader{seed: seed}, product, alg, created,
		func(id codec.KeyID) bool { return taken[id] })
	if err != nil {
		panic(err) // fixed seeds: cannot fail unless the generator is broken
	}
	taken[k.ID] = true
	return k
}

func binding() codec.Binding {
	return codec.Binding{Product: Product, LicenceKey: LicenceKey, MachineUID: MachineUID}
}

func typical(serial uint64) codec.Payload {
	return codec.Payload{Issued: issued, Expires: expires, Seats: 1, Features: 0b1011, Serial: serial}
}

func (b *builder) sign(k *keygen.SigningKey, bind codec.Binding, p codec.Payload) string {
	code, err := codec.Sign(k, bind, p)
	if err != nil {
		panic(err)
	}
	return code
}

// signRaw signs an arbitrary payload byte string (possibly non-canonical
// or of another version) with the key, for the cases a correct encoder
// cannot produce. It goes through codec.AppendSignature, the same
// assembly codec.Sign uses.
func signRaw(k *keygen.SigningKey, bind codec.Binding, payload []byte) string {
	nb, err := bind.Normalize()
	if err != nil {
		panic(err)
	}
	raw, err := codec.AppendSignature(append([]byte(nil), payload...), k, &nb, 0)
	if err != nil {
		panic(err)
	}
	return codec.FormatText(raw)
}

func (b *builder) add(t Test) {
	*b.nextTcID++
	t.TcID = *b.nextTcID
	if t.Product == "" {
		t.Product = Product
	}
	if t.Now == "" {
		t.Now = nowOK.Format(time.RFC3339)
	}
	b.group.Tests = append(b.group.Tests, t)
}

func (b *builder) valid(comment, code string, p codec.Payload, k *keygen.SigningKey, now time.Time, lic, uid string) {
	exp := "never"
	if p.Expires != codec.NoExpiry {
		exp = p.Expires.String()
	}
	b.add(Test{Comment: comment, Code: code, LicenceKey: lic, MachineUID: uid,
		Now: now.Format(time.RFC3339), Result: "valid",
		Terms: &Terms{KeyID: k.ID.String(), Serial: p.Serial, Issued: p.Issued.String(),
			Expires: exp, Seats: int(p.Seats), Features: p.Features}})
}

func (b *builder) invalid(comment, code, reason string) {
	b.add(Test{Comment: comment, Code: code, LicenceKey: LicenceKey, MachineUID: MachineUID,
		Result: "invalid", Reason: reason})
}

// symbolsOf strips the hyphens of a canonical code.
func symbolsOf(code string) []byte { return []byte(strings.ReplaceAll(code, "-", "")) }

// regroup puts hyphens back every eleven symbols.
func regroup(sym []byte) string {
	var parts []string
	for i := 0; i < len(sym); i += 11 {
		parts = append(parts, string(sym[i:min(i+11, len(sym))]))
	}
	return strings.Join(parts, "-")
}

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func (b *builder) build() {
	bind := binding()
	at := func(d codec.Day, off time.Duration) time.Time { return d.Start().Add(off) }

	// Valid codes.
	base := typical(4242)
	code := b.sign(b.active, bind, base)
	b.valid("typical: one seat, dated expiry, four features", code, base, b.active, nowOK, LicenceKey, MachineUID)
	b.valid("licence key and machine UID in lower case without hyphens", code, base, b.active, nowOK,
		strings.ToLower(strings.ReplaceAll(LicenceKey, "-", "")), strings.ToLower(strings.ReplaceAll(MachineUID, "-", "")))
	b.valid("machine UID typed with the look-alikes O for 0 and I for 1", code, base, b.active, nowOK,
		LicenceKey, strings.NewReplacer("0", "O", "1", "I").Replace(MachineUID))
	b.valid("code typed with spaces and line breaks instead of hyphens",
		strings.ReplaceAll(code, "-", " \n"), base, b.active, nowOK, LicenceKey, MachineUID)
	b.valid("code without separators", string(symbolsOf(code)), base, b.active, nowOK, LicenceKey, MachineUID)
	perp := codec.Payload{Issued: issued, Expires: codec.NoExpiry, Seats: 1, Serial: 1}
	b.valid("perpetual, no features, serial 1", b.sign(b.active, bind, perp), perp, b.active, nowOK, LicenceKey, MachineUID)
	big := codec.Payload{Issued: issued, Expires: expires, Seats: 65535, Features: 1<<56 - 1, Serial: 1<<64 - 1}
	b.valid("largest fields: 65535 seats, 56 features, 64-bit serial", b.sign(b.active, bind, big), big, b.active, nowOK, LicenceKey, MachineUID)
	seats := codec.Payload{Issued: issued, Expires: expires, Seats: 5, Features: 1 << 40, Serial: 70000}
	b.valid("five seats, high feature bit, three-byte serial", b.sign(b.active, bind, seats), seats, b.active, nowOK, LicenceKey, MachineUID)
	old := typical(17)
	b.valid("signed by a retired key still in the keyring", b.sign(b.retired, bind, old), old, b.retired, nowOK, LicenceKey, MachineUID)
	b.valid("on the expiry day, last second", code, base, b.active, at(expires, 24*time.Hour-time.Second), LicenceKey, MachineUID)
	b.valid("the day before expiry", code, base, b.active, at(expires, -12*time.Hour), LicenceKey, MachineUID)
	b.valid("clock behind the issue day by exactly the allowed skew", code, base, b.active, at(issued, -48*time.Hour), LicenceKey, MachineUID)
	same := codec.Payload{Issued: issued, Expires: issued, Seats: 1, Serial: 9}
	b.valid("expires on its issue day", b.sign(b.active, bind, same), same, b.active, at(issued, 23*time.Hour), LicenceKey, MachineUID)

	b.shapes(bind)
	b.dates(code, base)
	b.lookalikes()

	// Dates.
	b.add(Test{Comment: "the day after the expiry day", Code: code, LicenceKey: LicenceKey, MachineUID: MachineUID,
		Now: at(expires, 24*time.Hour).Format(time.RFC3339), Result: "invalid", Reason: "expired"})
	b.add(Test{Comment: "clock behind the issue day by more than the skew", Code: code, LicenceKey: LicenceKey, MachineUID: MachineUID,
		Now: at(issued, -48*time.Hour-time.Second).Format(time.RFC3339), Result: "invalid", Reason: "not-yet-valid"})

	// Binding.
	b.add(Test{Comment: "code for another licence key", Code: code, LicenceKey: OtherLicence, MachineUID: MachineUID, Result: "invalid", Reason: "wrong-licence"})
	b.add(Test{Comment: "code for another machine", Code: code, LicenceKey: LicenceKey, MachineUID: OtherMachine, Result: "invalid", Reason: "wrong-machine"})
	b.add(Test{Comment: "binding names another product than the keyring", Code: code, Product: OtherProduct, LicenceKey: LicenceKey, MachineUID: MachineUID, Result: "invalid", Reason: "wrong-product"})
	b.add(Test{Comment: "licence key with a wrong check symbol", Code: code, LicenceKey: LicenceKey[:len(LicenceKey)-1] + "N", MachineUID: MachineUID, Result: "invalid", Reason: "invalid-binding"})
	b.add(Test{Comment: "machine UID with a wrong check symbol", Code: code, LicenceKey: LicenceKey, MachineUID: MachineUID[:len(MachineUID)-1] + "D", Result: "invalid", Reason: "invalid-binding"})
	b.add(Test{Comment: "machine value that is not a machine UID", Code: code, LicenceKey: LicenceKey, MachineUID: "A1B2C-D3E4F-G5H6J", Result: "invalid", Reason: "invalid-binding"})
	b.add(Test{Comment: "empty licence key", Code: code, LicenceKey: "", MachineUID: MachineUID, Result: "invalid", Reason: "invalid-binding"})
	b.add(Test{Comment: "machine UID with a non-ASCII character", Code: code, LicenceKey: LicenceKey, MachineUID: "18J8D-22RR5-50W0É-0000C", Result: "invalid", Reason: "invalid-binding"})
	b.add(Test{Comment: "product ID in upper case", Code: code, Product: "UMENU", LicenceKey: LicenceKey, MachineUID: MachineUID, Result: "invalid", Reason: "invalid-binding"})

	// Keys.
	otherBind := bind
	otherBind.Product = OtherProduct
	b.invalid("valid code of another product", b.sign(b.other, otherBind, base), "wrong-product")
	b.invalid("signed by a revoked key", b.sign(b.revoked, bind, base), "revoked-key")
	b.invalid("signed by a key of this product that the keyring does not hold", b.sign(b.unknown, bind, base), "unknown-key")
	swappedPayload := base
	swappedPayload.KeyID = b.active.ID
	nb, _ := bind.Normalize()
	swappedPayload.LicenceTag, swappedPayload.MachineTag = nb.LicenceTag(), nb.MachineTag()
	rawP, _ := swappedPayload.AppendBinary(nil)
	b.invalid(fmt.Sprintf("%s key ID with a %s signature", b.alg, b.swapped.Alg), signRaw(b.swapped, bind, rawP), "algorithm-mismatch")
	if b.alg == codec.Ed25519 {
		// An HMAC tag keyed with the public key bytes: what an attacker
		// holding only the keyring could compute.
		pubAsSecret, _ := keygen.FromSecret(Product, codec.HMACSHA256,
			codec.DeriveKeyID(Product, codec.HMACSHA256, b.active.VerificationKey().Bytes),
			b.active.VerificationKey().Bytes, created, keygen.Active)
		b.invalid("HMAC tag computed with the Ed25519 public key as the secret", signRaw(pubAsSecret, bind, rawP), "algorithm-mismatch")
	}
	// A ledger checkpoint signature over the same bytes is not a code.
	chk := codec.AppendMessage(nil, &nb, rawP)
	chk = append([]byte(codec.LabelLedgerCheckpoint), chk[2+len(codec.LabelActivationCode):]...)
	chkSig, err := b.active.SignMessage(chk)
	if err != nil {
		panic(err)
	}
	b.invalid("signature made under the ledger-checkpoint label", codec.FormatText(append(append([]byte(nil), rawP...), chkSig...)), "bad-signature")

	// Signature bits flipped, text checks recomputed: only the signature
	// can catch these.
	raw, _ := codec.ParseText(code)
	for _, i := range []int{len(raw) - 1, len(raw) - b.alg.SignatureSize(), len(rawP) - 3} {
		mut := append([]byte(nil), raw...)
		mut[i] ^= 0x01
		b.invalid(fmt.Sprintf("byte %d flipped, check symbols recomputed", i), codec.FormatText(mut), "bad-signature")
	}
	// Payload versions and non-canonical encodings, properly signed.
	v2 := append([]byte{2}, rawP[1:]...)
	b.invalid("payload version 2, properly signed", signRaw(b.active, bind, v2), "unsupported-version")
	v0 := append([]byte{0}, rawP[1:]...)
	b.invalid("payload version 0 (leading '1' symbol), properly signed", signRaw(b.active, bind, v0), "unsupported-version")
	explicit := buildPayload(rawP, func(p []byte) []byte { // explicit seats field holding 1
		out := append([]byte{}, p[:8]...)
		out[1] |= 0x40
		out = append(out, 0, 1)
		return append(out, p[8:]...)
	})
	b.invalid("explicit seat count of one (non-canonical)", signRaw(b.active, bind, explicit), "malformed")
	zeroSerial := buildPayload(rawP, func(p []byte) []byte { // serial padded with a zero byte
		out := append([]byte{}, p...)
		out[1]++ // serial length + 1
		n := len(out) - 2 - 2
		return append(append(append([]byte{}, out[:n]...), 0), out[n:]...)
	})
	b.invalid("serial with a leading zero byte (non-canonical)", signRaw(b.active, bind, zeroSerial), "malformed")
	perpNB, _ := bind.Normalize()
	perpP := codec.Payload{Issued: issued, Expires: codec.NoExpiry, Seats: 1, Serial: 9, KeyID: b.active.ID,
		LicenceTag: perpNB.LicenceTag(), MachineTag: perpNB.MachineTag()}
	reservedDay, _ := perpP.AppendBinary(nil)
	reservedDay[4], reservedDay[5] = 0xFF, 0xFF // the reserved day as the issue day
	b.invalid("issue day 0xFFFF (reserved), perpetual, properly signed", signRaw(b.active, bind, reservedDay), "malformed")

	// Text-level damage to the typical code.
	sym := symbolsOf(code)
	for i := range sym {
		for _, c := range []byte(alphabet) {
			if c == sym[i] {
				continue
			}
			mut := append([]byte(nil), sym...)
			mut[i] = c
			b.add(Test{Comment: fmt.Sprintf("symbol %d changed to %c", i+1, c), Code: regroup(mut),
				LicenceKey: LicenceKey, MachineUID: MachineUID, Result: "invalid", Reason: "typo", Suggestion: code})
		}
	}
	for i := 0; i+1 < len(sym); i++ {
		if sym[i] == sym[i+1] {
			continue
		}
		mut := append([]byte(nil), sym...)
		mut[i], mut[i+1] = mut[i+1], mut[i]
		b.invalid(fmt.Sprintf("symbols %d and %d swapped", i+1, i+2), regroup(mut), "typo")
	}
	groups := strings.Split(code, "-")
	if len(groups) > 2 && groups[0] != groups[1] {
		g := append([]string(nil), groups...)
		g[0], g[1] = g[1], g[0]
		b.invalid("groups 1 and 2 swapped", strings.Join(g, "-"), "typo")
	}
	for i := range sym {
		mut := append(append([]byte(nil), sym[:i]...), sym[i+1:]...)
		b.invalid(fmt.Sprintf("symbol %d deleted", i+1), regroup(mut), lengthDamageReason(len(mut)))
	}
	for i := 0; i <= len(sym); i += 5 {
		mut := append(append(append([]byte(nil), sym[:i]...), 'x'), sym[i:]...)
		b.invalid(fmt.Sprintf("symbol x inserted before %d", i+1), regroup(mut), lengthDamageReason(len(mut)))
	}
	lastFull := (len(sym) / 11) * 11
	if lastFull == len(sym) {
		lastFull -= 11
	}
	b.invalid("last group missing", regroup(sym[:lastFull]), "typo")
	extra := codec.FormatText([]byte{0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42})
	b.invalid("a group from another code appended", code+"-"+extra, "typo")
	b.invalid("a whole valid group appended", codec.FormatText(append(append([]byte(nil), raw...), make([]byte, 8)...)), "malformed")
	b.invalid("empty", "", "malformed")
	b.invalid("only white space and hyphens", " - \n\t ", "malformed")
	b.invalid("capital O typed for a symbol", strings.Replace(code, string(sym[3]), "O", 1), "malformed")
	b.invalid("zero typed for a symbol", "0"+code[1:], "malformed")
	b.invalid("NUL byte", code[:5]+"\x00"+code[5:], "malformed")
	b.invalid("invalid UTF-8", code[:5]+"\xff"+code[5:], "malformed")
	b.invalid("fullwidth digit lookalike", code[:5]+"１"+code[6:], "malformed")
	b.invalid("more spaces than MaxTextLen", strings.Repeat(" ", codec.MaxTextLen+1), "malformed")
	b.invalid("161 symbols", strings.Repeat("2", codec.MaxSymbols+1), "malformed")

	b.otherKinds(bind, rawP)
}

// otherKinds adds the codes of other kinds pasted where an activation code
// belongs (format.md section 7, step 4): a first byte of 'R' (0x52) or 'D'
// (0x44) is malformed, naming the kind, never unsupported-version, even
// when the rest has an activation code's layout and signature.
func (b *builder) otherKinds(bind codec.Binding, rawP []byte) {
	uid, err := codec.ParseMachineUID(bind.MachineUID)
	if err != nil {
		panic(err)
	}
	req, err := codec.RequestCode{Product: bind.Product, LicenceKey: bind.LicenceKey, MachineUID: uid, ProductVersion: "4.2.17"}.Text()
	if err != nil {
		panic(err)
	}
	b.invalid("a request code (first byte 0x52 'R') pasted as the activation code", req, "malformed")
	deact, err := codec.DeactivationCode{Product: bind.Product, LicenceKey: bind.LicenceKey, MachineUID: uid, Serial: 4242, Day: issued + 30}.Text()
	if err != nil {
		panic(err)
	}
	b.invalid("a deactivation code (first byte 0x44 'D') pasted as the activation code", deact, "malformed")
	for _, m := range []byte{'R', 'D'} {
		p := append([]byte{m}, rawP[1:]...)
		b.invalid(fmt.Sprintf("payload whose version byte is 0x%02x (%c), properly signed: malformed, not unsupported-version", m, m),
			signRaw(b.active, bind, p), "malformed")
	}
}

// buildPayload applies edit to a copy of p.
func buildPayload(p []byte, edit func([]byte) []byte) []byte {
	return edit(append([]byte(nil), p...))
}

// lengthDamageReason is the expected reason for a code whose symbol count
// changed by one inside a group: the group's check fails (typo) unless the
// last group is left with a single symbol, which is no group at all.
func lengthDamageReason(n int) string {
	if n%11 == 1 {
		return "malformed"
	}
	return "typo"
}

// NamedFile is a generated vector file (a File or a ParseFile) and its
// name.
type NamedFile struct {
	Name          string
	File          any
	NumberOfTests int
}

// Build generates every vector file from fixed seeds.
func Build() []NamedFile {
	var out []NamedFile
	for _, alg := range []codec.Algorithm{codec.Ed25519, codec.HMACSHA256} {
		other := codec.HMACSHA256
		if alg == codec.HMACSHA256 {
			other = codec.Ed25519
		}
		taken := map[codec.KeyID]bool{}
		s := "actkit testvectors v1 " + alg.String() + " "
		b := &builder{alg: alg, nextTcID: new(int)}
		b.active = mustKey(s+"active", Product, alg, taken)
		b.retired = mustKey(s+"retired", Product, alg, taken)
		b.revoked = mustKey(s+"revoked", Product, alg, taken)
		b.unknown = mustKey(s+"unknown", Product, alg, taken)
		b.other = mustKey(s+"other", OtherProduct, alg, taken)
		b.swapped = mustKey(s+"swapped", Product, other, taken)
		kr := codec.Keyring{Product: Product,
			Keys:    []codec.Key{b.active.VerificationKey(), b.retired.VerificationKey()},
			Revoked: []codec.KeyID{b.revoked.ID}}
		b.group = Group{Type: "ActivationCodeVerify", Keyring: kr.String(), HMACSecrets: alg == codec.HMACSHA256}
		b.build()
		b.legacyKeys(realUIDs()) // last: the tests before keep their IDs
		f := File{
			Algorithm: "actkit-activation-code-v1/" + alg.String(),
			Schema:    "actkit_activation_code_verify_v1",
			Header: []string{
				"actkit activation-code vectors, generated by testvectors/gen from fixed seeds.",
				"Each invalid test names the error the verifier must return.",
			},
			Notes:      Reasons,
			TestGroups: []Group{b.group},
		}
		f.NumberOfTests = len(b.group.Tests)
		out = append(out, NamedFile{Name: "activation_code_" + strings.ReplaceAll(alg.String(), "-sha256", "") + ".json", File: f, NumberOfTests: f.NumberOfTests})
	}
	kr := buildKeyrings()
	rc := buildRequestCodes()
	uid := buildMachineUIDs()
	lic := buildLicenceKeys()
	dv := buildDelegations()
	ku := buildUpdates()
	return append(out,
		NamedFile{Name: "delegation_verify.json", File: dv, NumberOfTests: dv.NumberOfTests},
		NamedFile{Name: "keyring_update.json", File: ku, NumberOfTests: ku.NumberOfTests},
		NamedFile{Name: "keyring_parse.json", File: kr, NumberOfTests: kr.NumberOfTests},
		NamedFile{Name: "request_code_parse.json", File: rc, NumberOfTests: rc.NumberOfTests},
		NamedFile{Name: "machine_uid_parse.json", File: uid, NumberOfTests: uid.NumberOfTests},
		NamedFile{Name: "licence_key_normalize.json", File: lic, NumberOfTests: lic.NumberOfTests},
		deactivationFile())
}
