package codec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mr-tron/base58"
)

// Keyring text-form limits, checked before parsing.
const (
	MaxKeyringText = 64 << 10
	// MaxKeyringKeys caps the key-like entries (key, revoked, and in
	// version 2 root and delegation lines together); signature lines are
	// capped separately at the same number.
	MaxKeyringKeys  = 64
	keyringHeader   = "actkit-keyring v1"
	keyringHeaderV2 = "actkit-keyring v2"
	// MaxKeyringVersion is the highest version number a version 2 keyring
	// carries: 2³²−1, so that every language reads it exactly.
	MaxKeyringVersion = 1<<32 - 1
)

// Keyring is the set of keys one product pins: the keys that verify its
// codes and the IDs of keys that were revoked (so that a code signed by one
// is reported as revoked rather than unknown).
//
// A version 2 keyring (Version ≥ 1) is also signed metadata, like TUF's:
// roots that sign it and its successors, delegation certificates for
// online keys, a monotonic version and an expiry day, and the roots'
// signatures over its canonical body (SignedMessage). A version 1 keyring
// has Version 0 and only Keys and Revoked; its keys are trusted directly,
// as roots are.
type Keyring struct {
	Product string
	// Keys verify codes directly (version 1 keys; in version 2, keys that
	// are trusted but sign nothing else).
	Keys    []Key
	Revoked []KeyID

	// Version is the keyring's version, 1 to MaxKeyringVersion; 0 marks a
	// version 1 text, which has none of the fields below.
	Version uint32
	// Expires is the last day on which the keyring is accepted as an
	// update (inclusive).
	Expires Day
	// Threshold is how many distinct roots must sign: 1 to len(Roots).
	Threshold int
	// Roots are Ed25519 keys that sign codes, delegations and keyrings.
	Roots []Key
	// Delegations are certificates for delegated keys, embedded so that a
	// typed code signed by one stays as short as any other.
	Delegations []*Certificate
	// Signatures are roots' signatures over SignedMessage.
	Signatures []KeyringSignature
}

// KeyringSignature is one root's Ed25519 signature over a version 2
// keyring's SignedMessage.
type KeyringSignature struct {
	KeyID KeyID
	Sig   []byte
}

// Validate checks the product ID, every key, that each key's ID is derived
// from its material for this product, and that no ID appears twice. In
// version 2 it also checks the threshold and that every delegation names
// this product and is issued by one of the roots. It does not check
// signatures: package verify does.
//
// Checks run in entry order, roots, keys, delegations, then revoked IDs;
// within each entry the ID's derivation comes before the duplicate check,
// so the first failing entry decides the reason.
func (kr *Keyring) Validate() error {
	if err := ValidateProduct(kr.Product); err != nil {
		return err
	}
	v2 := kr.Version != 0
	if !v2 && (len(kr.Roots) > 0 || len(kr.Delegations) > 0 || len(kr.Signatures) > 0 || kr.Threshold != 0) {
		return malformed("keyring", "roots, delegations and signatures need a version 2 keyring")
	}
	if n := len(kr.Keys) + len(kr.Revoked) + len(kr.Roots) + len(kr.Delegations); n > MaxKeyringKeys {
		return malformed("keyring", fmt.Sprintf("more than %d keys", MaxKeyringKeys))
	}
	if len(kr.Signatures) > MaxKeyringKeys {
		return malformed("keyring", fmt.Sprintf("more than %d signatures", MaxKeyringKeys))
	}
	if v2 {
		switch {
		case kr.Expires == NoExpiry:
			return malformed("keyring", "expiry day 0xFFFF is reserved")
		case len(kr.Roots) == 0:
			return malformed("keyring", "a version 2 keyring needs a root")
		case kr.Threshold < 1 || kr.Threshold > len(kr.Roots):
			return malformed("keyring", fmt.Sprintf("threshold must be 1 to %d, the number of roots", len(kr.Roots)))
		}
	}
	seen := map[KeyID]bool{}
	claim := func(id KeyID) error {
		if seen[id] {
			return malformed("keyring", "key ID "+id.String()+" is listed twice")
		}
		seen[id] = true
		return nil
	}
	checkKey := func(k Key, what string) error {
		if err := k.Validate(); err != nil {
			return err
		}
		if DeriveKeyID(kr.Product, k.Alg, k.Bytes) != k.ID {
			return &Error{Err: ErrInvalidKey, What: "keyring",
				Detail: fmt.Sprintf("%s %s is not a key of product %s", what, k.ID, kr.Product)}
		}
		return claim(k.ID)
	}
	for _, k := range kr.Roots {
		if k.Alg != Ed25519 {
			return &Error{Err: ErrInvalidKey, What: "keyring", Detail: "roots are Ed25519 keys"}
		}
		if err := checkKey(k, "root"); err != nil {
			return err
		}
	}
	for _, k := range kr.Keys {
		if err := checkKey(k, "key"); err != nil {
			return err
		}
	}
	for _, c := range kr.Delegations {
		if err := c.Validate(); err != nil {
			return err
		}
		p, ok := c.For(kr.Product)
		if !ok {
			return &Error{Err: ErrInvalidKey, What: "keyring",
				Detail: fmt.Sprintf("delegation %d is not for product %s", c.Serial, kr.Product)}
		}
		if !kr.isRoot(p.Issuer) {
			return &Error{Err: ErrInvalidKey, What: "keyring",
				Detail: fmt.Sprintf("delegation %d is issued by %s, which is not a root of this keyring", c.Serial, p.Issuer)}
		}
		if err := claim(p.KeyID); err != nil {
			return err
		}
	}
	for _, id := range kr.Revoked {
		if err := claim(id); err != nil {
			return err
		}
	}
	signed := map[KeyID]bool{}
	for _, s := range kr.Signatures {
		if signed[s.KeyID] {
			return malformed("keyring", "two signatures by "+s.KeyID.String())
		}
		signed[s.KeyID] = true
		if len(s.Sig) != Ed25519SignatureSize {
			return malformed("keyring", "a signature is 64 bytes")
		}
	}
	return nil
}

func (kr *Keyring) isRoot(id KeyID) bool {
	for _, r := range kr.Roots {
		if r.ID == id {
			return true
		}
	}
	return false
}

// String returns the keyring's text form (see docs/format.md): the
// canonical body, then the signature lines of a version 2 keyring.
func (kr *Keyring) String() string {
	var b strings.Builder
	kr.writeBody(&b)
	for _, s := range kr.Signatures {
		b.WriteString("signature " + s.KeyID.String() + " " + base58.Encode(s.Sig) + "\n")
	}
	return b.String()
}

// writeBody writes every line but the signatures, in the canonical order.
func (kr *Keyring) writeBody(b *strings.Builder) {
	if kr.Version == 0 {
		b.WriteString(keyringHeader + "\n")
		b.WriteString("product " + kr.Product + "\n")
	} else {
		b.WriteString(keyringHeaderV2 + "\n")
		b.WriteString("product " + kr.Product + "\n")
		b.WriteString("version " + strconv.FormatUint(uint64(kr.Version), 10) + "\n")
		b.WriteString("expires " + kr.Expires.String() + "\n")
		b.WriteString("threshold " + strconv.Itoa(kr.Threshold) + "\n")
		for _, k := range kr.Roots {
			b.WriteString("root " + k.String() + "\n")
		}
	}
	for _, k := range kr.Keys {
		b.WriteString("key " + k.String() + "\n")
	}
	for _, c := range kr.Delegations {
		b.WriteString("delegation " + c.String() + "\n")
	}
	for _, id := range kr.Revoked {
		b.WriteString("revoked " + id.String() + "\n")
	}
}

// ParseKeyring parses and validates a keyring's text form. Lines are
// "actkit-keyring v1" (or v2) first, then "product ID", "key ALG:KEYID:KEY"
// and "revoked KEYID", and in version 2 also "version N", "expires DAY",
// "threshold K", "root ed25519:KEYID:KEY", "delegation CERTIFICATE" and
// "signature KEYID SIG"; blank lines and lines starting with '#' are
// ignored; anything else is an error naming the line. Signatures are
// parsed, not checked: package verify checks them.
func ParseKeyring(text string) (*Keyring, error) {
	if len(text) > MaxKeyringText {
		return nil, malformed("keyring", "too long")
	}
	kr := &Keyring{}
	header, v2 := false, false
	var haveVersion, haveExpires, haveThreshold bool
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lineErr := func(err error) error {
			if e, ok := err.(*Error); ok {
				e2 := *e
				e2.What = fmt.Sprintf("keyring line %d: %s", i+1, e.What)
				return &e2
			}
			return err
		}
		if !header {
			switch {
			case line == keyringHeader:
			case line == keyringHeaderV2:
				v2 = true
			case strings.HasPrefix(line, "actkit-keyring "):
				return nil, &Error{Err: ErrUnsupportedVersion, What: "keyring",
					Detail: "header " + quoteString(line, 32) + "; this build reads " + keyringHeader + " and v2"}
			default:
				return nil, malformed("keyring", fmt.Sprintf("line %d: want %q first", i+1, keyringHeader))
			}
			header = true
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		once := func(have *bool) error {
			if *have {
				return malformed("keyring", fmt.Sprintf("line %d: second %s line", i+1, word))
			}
			*have = true
			return nil
		}
		switch {
		case word == "product":
			if kr.Product != "" {
				return nil, malformed("keyring", fmt.Sprintf("line %d: second product line", i+1))
			}
			if err := ValidateProduct(rest); err != nil {
				return nil, lineErr(err)
			}
			kr.Product = rest
		case word == "key", v2 && word == "root":
			k, err := ParseKey(rest)
			if err != nil {
				return nil, lineErr(err)
			}
			if word == "root" {
				kr.Roots = append(kr.Roots, k)
			} else {
				kr.Keys = append(kr.Keys, k)
			}
		case word == "revoked":
			id, err := parseLowerKeyID(rest)
			if err != nil {
				return nil, lineErr(err)
			}
			kr.Revoked = append(kr.Revoked, id)
		case v2 && word == "version":
			if err := once(&haveVersion); err != nil {
				return nil, err
			}
			n, ok := parseDecimal(rest, MaxKeyringVersion)
			if !ok || n == 0 {
				return nil, malformed("keyring", fmt.Sprintf("line %d: version must be a whole number from 1 to %d, no leading zeros", i+1, uint64(MaxKeyringVersion)))
			}
			kr.Version = uint32(n)
		case v2 && word == "expires":
			if err := once(&haveExpires); err != nil {
				return nil, err
			}
			d, err := ParseDay(rest)
			if err != nil || d.String() != rest {
				return nil, malformed("keyring", fmt.Sprintf("line %d: expires must be a day, YYYY-MM-DD", i+1))
			}
			kr.Expires = d
		case v2 && word == "threshold":
			if err := once(&haveThreshold); err != nil {
				return nil, err
			}
			n, ok := parseDecimal(rest, MaxKeyringKeys)
			if !ok || n == 0 {
				return nil, malformed("keyring", fmt.Sprintf("line %d: threshold must be a whole number from 1 to %d", i+1, MaxKeyringKeys))
			}
			kr.Threshold = int(n)
		case v2 && word == "delegation":
			c, err := ParseCertificate(rest)
			if err != nil {
				return nil, lineErr(err)
			}
			if c.String() != rest {
				return nil, malformed("keyring", fmt.Sprintf("line %d: write the delegation on one line", i+1))
			}
			kr.Delegations = append(kr.Delegations, c)
		case v2 && word == "signature":
			s, err := parseKeyringSignature(rest)
			if err != nil {
				return nil, lineErr(err)
			}
			kr.Signatures = append(kr.Signatures, s)
			if len(kr.Signatures) > MaxKeyringKeys {
				return nil, malformed("keyring", fmt.Sprintf("more than %d signatures", MaxKeyringKeys))
			}
		default:
			// Never echo the line: a mangled key line can hold an HMAC
			// secret, and errors end up in logs and support tickets.
			want := "product, key or revoked"
			if v2 {
				want = "product, version, expires, threshold, root, key, delegation, revoked or signature"
			}
			return nil, malformed("keyring", fmt.Sprintf("line %d: unknown entry; want %s", i+1, want))
		}
		if len(kr.Keys)+len(kr.Revoked)+len(kr.Roots)+len(kr.Delegations) > MaxKeyringKeys {
			return nil, malformed("keyring", fmt.Sprintf("more than %d keys", MaxKeyringKeys))
		}
	}
	if !header {
		return nil, malformed("keyring", "empty")
	}
	if kr.Product == "" {
		return nil, malformed("keyring", "no product line")
	}
	if v2 && !(haveVersion && haveExpires && haveThreshold) {
		return nil, malformed("keyring", "a version 2 keyring needs version, expires and threshold lines")
	}
	if err := kr.Validate(); err != nil {
		return nil, err
	}
	return kr, nil
}

// parseLowerKeyID parses a key ID written in its one spelling, four
// lower-case hex digits.
func parseLowerKeyID(s string) (KeyID, error) {
	id, err := ParseKeyID(s)
	if err != nil {
		return id, err
	}
	if s != id.String() {
		return id, malformed("key ID", "write key IDs in lower case")
	}
	return id, nil
}

// parseDecimal reads a canonical decimal number (no sign, no leading
// zeros) of at most max.
func parseDecimal(s string, max uint64) (uint64, bool) {
	if s == "" || len(s) > 10 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n, n <= max
}
