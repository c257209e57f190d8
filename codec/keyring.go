package codec

import (
	"fmt"
	"strings"
)

// Keyring text-form limits, checked before parsing.
const (
	MaxKeyringText = 64 << 10
	MaxKeyringKeys = 64
	keyringHeader  = "actkit-keyring v1"
)

// Keyring is the set of keys one product pins: the keys that verify its
// codes and the IDs of keys that were revoked (so that a code signed by one
// is reported as revoked rather than unknown).
type Keyring struct {
	Product string
	Keys    []Key
	Revoked []KeyID
}

// Validate checks the product ID, every key, that each key's ID is derived
// from its material for this product, and that no ID appears twice.
func (kr *Keyring) Validate() error {
	if err := ValidateProduct(kr.Product); err != nil {
		return err
	}
	if len(kr.Keys)+len(kr.Revoked) > MaxKeyringKeys {
		return malformed("keyring", fmt.Sprintf("more than %d keys", MaxKeyringKeys))
	}
	seen := map[KeyID]bool{}
	for _, k := range kr.Keys {
		if err := k.Validate(); err != nil {
			return err
		}
		if DeriveKeyID(kr.Product, k.Alg, k.Bytes) != k.ID {
			return &Error{Err: ErrInvalidKey, What: "keyring",
				Detail: fmt.Sprintf("key %s is not a key of product %s", k.ID, kr.Product)}
		}
		if seen[k.ID] {
			return malformed("keyring", "duplicate key ID "+k.ID.String())
		}
		seen[k.ID] = true
	}
	for _, id := range kr.Revoked {
		if seen[id] {
			return malformed("keyring", "key ID "+id.String()+" is listed twice or both as key and revoked")
		}
		seen[id] = true
	}
	return nil
}

// String returns the keyring's text form (see docs/format.md).
func (kr *Keyring) String() string {
	var b strings.Builder
	b.WriteString(keyringHeader + "\n")
	b.WriteString("product " + kr.Product + "\n")
	for _, k := range kr.Keys {
		b.WriteString("key " + k.String() + "\n")
	}
	for _, id := range kr.Revoked {
		b.WriteString("revoked " + id.String() + "\n")
	}
	return b.String()
}

// ParseKeyring parses and validates a keyring's text form. Lines are
// "actkit-keyring v1" first, then "product ID", "key ALG:KEYID:KEY" and
// "revoked KEYID"; blank lines and lines starting with '#' are ignored;
// anything else is an error naming the line.
func ParseKeyring(text string) (*Keyring, error) {
	if len(text) > MaxKeyringText {
		return nil, malformed("keyring", "too long")
	}
	kr := &Keyring{}
	header := false
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
			if strings.HasPrefix(line, "actkit-keyring ") && line != keyringHeader {
				return nil, &Error{Err: ErrUnsupportedVersion, What: "keyring",
					Detail: "header " + quoteString(line, 32) + "; this build reads " + keyringHeader}
			}
			if line != keyringHeader {
				return nil, malformed("keyring", fmt.Sprintf("line %d: want %q first", i+1, keyringHeader))
			}
			header = true
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "product":
			if kr.Product != "" {
				return nil, malformed("keyring", fmt.Sprintf("line %d: second product line", i+1))
			}
			if err := ValidateProduct(rest); err != nil {
				return nil, lineErr(err)
			}
			kr.Product = rest
		case "key":
			k, err := ParseKey(rest)
			if err != nil {
				return nil, lineErr(err)
			}
			kr.Keys = append(kr.Keys, k)
		case "revoked":
			id, err := ParseKeyID(rest)
			if err != nil {
				return nil, lineErr(err)
			}
			if rest != id.String() {
				return nil, malformed("keyring", fmt.Sprintf("line %d: write key IDs in lower case", i+1))
			}
			kr.Revoked = append(kr.Revoked, id)
		default:
			// Never echo the line: a mangled key line can hold an HMAC
			// secret, and errors end up in logs and support tickets.
			return nil, malformed("keyring", fmt.Sprintf("line %d: unknown entry; want product, key or revoked", i+1))
		}
		if len(kr.Keys)+len(kr.Revoked) > MaxKeyringKeys {
			return nil, malformed("keyring", fmt.Sprintf("more than %d keys", MaxKeyringKeys))
		}
	}
	if !header {
		return nil, malformed("keyring", "empty")
	}
	if kr.Product == "" {
		return nil, malformed("keyring", "no product line")
	}
	if err := kr.Validate(); err != nil {
		return nil, err
	}
	return kr, nil
}
