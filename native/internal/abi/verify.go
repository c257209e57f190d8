package abi

import (
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/actkit/actkit/internal/termsjson"
	"github.com/actkit/actkit/verify"
)

// Now is ACTKIT_NOW: a time argument meaning "the system clock".
const Now = math.MinInt64

// Terms is the JSON form of verified terms, the same fields as the
// terms of 'actkit verify --json'.
type Terms = termsjson.Terms

// Refusal is why Verify refused a code.
type Refusal struct {
	// Reason is the reason's number (ReasonNumber).
	Reason int
	// Suggestion is the typo correction, when there is exactly one.
	Suggestion string
	Message    string
}

// TimeOf converts a C time argument: milliseconds since the Unix epoch,
// or Now.
func TimeOf(unixMillis int64) time.Time {
	if unixMillis == Now {
		return time.Now()
	}
	return time.UnixMilli(unixMillis).UTC()
}

// Verify checks code against the binding at unixMillis with the keyring
// h. It returns the terms as JSON, or the refusal; a nil product means
// the keyring's product (and "" is an invalid binding, as in Go). The
// *Error is for misuse (a bad handle), never for a refused code.
func Verify(h Handle, product *string, licenceKey, machineUID, code string, unixMillis int64) (string, *Refusal, *Error) {
	return VerifyDelegated(h, product, licenceKey, machineUID, code, "", unixMillis)
}

// VerifyDelegated is Verify for a code that came with its delegation
// certificate (an online answer carries both): the certificate must be
// signed by one of the keyring's roots, and the code must fit its
// limits (verify.Keyring.VerifyDelegated). An empty certificate is
// Verify: a typed code under a delegation the keyring embeds needs none.
func VerifyDelegated(h Handle, product *string, licenceKey, machineUID, code, certificate string, unixMillis int64) (string, *Refusal, *Error) {
	kr, e := lookup[*verify.Keyring](h, "keyring")
	if e != nil {
		return "", nil, e
	}
	p := kr.Product()
	if product != nil {
		p = *product
	}
	t, err := kr.VerifyDelegated(code, certificate, verify.Binding{Product: p, LicenceKey: licenceKey, MachineUID: machineUID}, TimeOf(unixMillis))
	if err != nil {
		r := &Refusal{Reason: ReasonNumber(verify.ReasonCode(err)), Message: err.Error()}
		var ve *verify.Error
		if errors.As(err, &ve) {
			r.Suggestion = ve.Suggestion
		}
		return "", r, nil
	}
	js, err := json.Marshal(termsjson.Of(t))
	if err != nil {
		return "", nil, fail(StatusInternal, "encoding terms: %v", err)
	}
	return string(js), nil, nil
}
