package main

import (
	"errors"
	"fmt"

	"github.com/actkit/actkit/licensing"
)

// refusalHints are the shell words for a licensing refusal: what the
// vendor can run next. The libraries return the reason and its data; only
// the CLI knows its own commands.
func refusalHints(err error) []string {
	var r *licensing.Refusal
	if !errors.As(err, &r) {
		return nil
	}
	key := r.Licence
	if key == "" {
		key = "KEY"
	}
	switch r.Reason {
	case licensing.ErrUnknownLicence:
		return []string{"check the key, or list licences with 'actkit licence list'"}
	case licensing.ErrLicenceTypo:
		return []string{"compare it with the key the customer was given"}
	case licensing.ErrLicenceExpired:
		return []string{fmt.Sprintf("extend it with 'actkit licence extend %s --expires YYYY-MM-DD'", key)}
	case licensing.ErrSuspended:
		return []string{fmt.Sprintf("resume it with 'actkit licence resume %s'", key)}
	case licensing.ErrRevoked:
		return []string{"a revoked licence cannot be used or changed; create a new one with 'actkit licence new'"}
	case licensing.ErrWrongProduct:
		return []string{"the customer ran the request for another product"}
	case licensing.ErrNoActiveKey:
		product := r.Product
		if product == "" {
			product = "PRODUCT"
		}
		return []string{fmt.Sprintf("create one with 'actkit keys new --product %s'", product)}
	case licensing.ErrNoTrustedKey:
		return []string{"the release's keyring holds no key that can still sign: ship it a new keyring ('actkit keys export --release'), or name a key with --key"}
	case licensing.ErrSeatLimit:
		return []string{fmt.Sprintf("free one with 'actkit release --licence %s --machine UID', move one with 'actkit transfer', or add seats with 'actkit licence seats %s --set N'", key, key)}
	case licensing.ErrNotActivated:
		return []string{fmt.Sprintf("see the machines holding seats with 'actkit licence show %s'", key)}
	case licensing.ErrActivated:
		return []string{fmt.Sprintf("it needs no transfer: 'actkit issue --licence %s --machine UID' gives it its code again", key)}
	case licensing.ErrInvalidMachine:
		return []string{"compare it with what 'actkit machine-id' shows on the machine"}
	case licensing.ErrInvalidRequest:
		return []string{"ask the customer to copy the request code again"}
	case licensing.ErrTokenLimit:
		return []string{"revoke one of its tokens with 'actkit token revoke ID' (they are listed by 'actkit token list')"}
	case licensing.ErrUnknownProduct:
		product := r.Product
		if product == "" {
			product = "PRODUCT"
		}
		return []string{fmt.Sprintf("add it with 'actkit product add %s', or list products with 'actkit product list'", product)}
	}
	return nil
}
