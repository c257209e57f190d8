package licensing

import (
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
)

// Product is a product the vendor licenses.
type Product struct {
	ID            string    `json:"id"`
	LicencePrefix string    `json:"licencePrefix"`
	Features      []string  `json:"features"` // feature name per bit
	Created       time.Time `json:"created"`
	// LegacyKeys is the pattern of the licence keys the product's
	// customers hold from another licensing system (codec.KeyPattern),
	// imported with actkit licence import; "" for none.
	// LegacyLookalikes says whether such a key typed with a look-alike
	// (O for 0) is accepted (docs/format.md section 9.2).
	LegacyKeys       string `json:"legacyKeys,omitempty"`
	LegacyLookalikes bool   `json:"legacyLookalikes,omitempty"`
}

// CheckpointKeys is the reserved product ID under which the vendor's
// keystore holds the keys designated to sign ledger checkpoints: no
// product may take it, and no other key vouches for a checkpoint.
const CheckpointKeys = "actkit-checkpoint"

// NewProduct validates a product and fills in its defaults: the licence
// prefix defaults to the ID in upper case, letters and digits only, cut to
// codec.MaxPrefixLen. Feature names map, in order, to bits 0, 1, 2, ...
func NewProduct(id, prefix string, features []string, created time.Time) (Product, error) {
	p := Product{ID: id, LicencePrefix: prefix, Features: features, Created: created.UTC()}
	if err := codec.ValidateProduct(id); err != nil {
		return p, &Refusal{Reason: ErrInvalid, Detail: "product ID: use lower-case letters, digits, '.', '_' and '-'", Err: err}
	}
	if id == CheckpointKeys {
		return p, refuse(ErrInvalid, "product ID %s is reserved for the ledger's checkpoint keys", id)
	}
	if p.LicencePrefix == "" {
		p.LicencePrefix = strings.ToUpper(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, id))
		if len(p.LicencePrefix) > codec.MaxPrefixLen {
			p.LicencePrefix = p.LicencePrefix[:codec.MaxPrefixLen]
		}
	}
	p.LicencePrefix = strings.ToUpper(p.LicencePrefix)
	if err := codec.ValidatePrefix(p.LicencePrefix); err != nil {
		return p, &Refusal{Reason: ErrInvalid, Detail: err.Error(), Err: err}
	}
	if len(p.Features) > codec.MaxFeatureBit+1 {
		return p, refuse(ErrInvalid, "at most %d features", codec.MaxFeatureBit+1)
	}
	seen := map[string]bool{}
	for _, f := range p.Features {
		if f == "" || seen[f] || strings.ContainsAny(f, ", \t\r\n") || len(f) > 64 {
			return p, refuse(ErrInvalid, "feature names must be unique, non-empty, at most 64 bytes, without commas or spaces")
		}
		seen[f] = true
	}
	if p.Features == nil {
		p.Features = []string{}
	}
	return p, nil
}

// FeatureBits maps feature names to the bit set carried in codes.
func (p Product) FeatureBits(names []string) (uint64, error) {
	var bits uint64
	for _, n := range names {
		i := -1
		for j, f := range p.Features {
			if f == n {
				i = j
			}
		}
		if i < 0 {
			return 0, &Refusal{Reason: ErrInvalid, Product: p.ID,
				Detail: "no feature " + quote(n) + "; the product's features are: " + strings.Join(p.Features, ", ")}
		}
		bits |= 1 << i
	}
	return bits, nil
}

// FeatureNames lists the names of the bits set.
func (p Product) FeatureNames(bits uint64) []string {
	out := []string{}
	for i, f := range p.Features {
		if bits&(1<<i) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// quote quotes customer or user text for a message, cut to 48 bytes.
func quote(s string) string {
	if len(s) > 48 {
		s = s[:48] + "…"
	}
	return strings.ReplaceAll(strings.ReplaceAll(`"`+s+`"`, "\n", `\n`), "\r", `\r`)
}
