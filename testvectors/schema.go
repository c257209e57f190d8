package testvectors

import "encoding/json"

// File is one vector file.
type File struct {
	Algorithm     string            `json:"algorithm"`
	Schema        string            `json:"schema"`
	NumberOfTests int               `json:"numberOfTests"`
	Header        []string          `json:"header"`
	Notes         map[string]string `json:"notes"`
	TestGroups    []Group           `json:"testGroups"`
}

// Group is a set of tests sharing one keyring.
type Group struct {
	Type string `json:"type"`
	// Keyring is the keyring's text form as a product would embed it.
	Keyring string `json:"keyring"`
	// HMACSecrets says the keyring holds HMAC secrets and must be built
	// with verify.ParseKeyringWithHMACSecrets.
	HMACSecrets bool   `json:"hmacSecrets"`
	Tests       []Test `json:"tests"`
}

// Test is one verification case.
type Test struct {
	TcID       int    `json:"tcId"`
	Comment    string `json:"comment"`
	Code       string `json:"code"`
	Product    string `json:"product"`
	LicenceKey string `json:"licenceKey"`
	MachineUID string `json:"machineUid"`
	Now        string `json:"now"`
	Result     string `json:"result"`
	Reason     string `json:"reason,omitempty"`
	// Suggestion is, for a typo, the correction the verifier must offer
	// ("" when it must offer none).
	Suggestion string `json:"suggestion,omitempty"`
	Terms      *Terms `json:"terms,omitempty"`
}

// Terms are the expected terms of a valid test.
type Terms struct {
	KeyID    string `json:"keyId"`
	Serial   uint64 `json:"serial"`
	Issued   string `json:"issued"`
	Expires  string `json:"expires"`
	Seats    int    `json:"seats"`
	Features uint64 `json:"features"`
}

// Reasons maps every reason a vector may name to its description. The
// runner maps each to a verify sentinel and fails on any other.
var Reasons = map[string]string{
	"malformed":           "not an activation code: bad character, missing or extra symbols, non-canonical field",
	"typo":                "a group's check symbol fails",
	"unsupported-version": "payload version this build does not read",
	"invalid-binding":     "the product, licence key or machine UID given to the verifier is unusable",
	"wrong-product":       "the code's key belongs to another product, or the binding names another product",
	"revoked-key":         "signed by a key the keyring lists as revoked",
	"unknown-key":         "key ID not in the keyring",
	"algorithm-mismatch":  "signature length does not match the key's algorithm",
	"wrong-licence":       "signature fails and the licence tag differs",
	"wrong-machine":       "signature fails and the machine tag differs",
	"bad-signature":       "signature fails, tags match",
	"not-yet-valid":       "clock behind the issue day by more than the skew",
	"expired":             "after the inclusive expiry day",
}

// Marshal renders a file the way the committed vectors are written.
func Marshal(f File) ([]byte, error) {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
