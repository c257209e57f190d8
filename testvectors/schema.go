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
	// Certificate is the delegation certificate that came with the code
	// (delegation vectors only; "" for none).
	Certificate string `json:"certificate,omitempty"`
	Terms       *Terms `json:"terms,omitempty"`
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

// Marshal renders a file (a File or a ParseFile) the way the committed
// vectors are written.
func Marshal(f any) ([]byte, error) {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ParseFile is a vector file of one of the parse schemas
// (keyring_parse_v1, request_code_parse_v1, machine_uid_parse_v1,
// licence_key_normalize_v1, deactivation_code_parse_v1): each test gives an input text and what
// parsing it must give, the output or the reason for refusing it. O is
// the schema's output type.
type ParseFile[O any] struct {
	Algorithm     string            `json:"algorithm"`
	Schema        string            `json:"schema"`
	NumberOfTests int               `json:"numberOfTests"`
	Header        []string          `json:"header"`
	Notes         map[string]string `json:"notes"`
	TestGroups    []ParseGroup[O]   `json:"testGroups"`
}

// ParseGroup is a set of parse tests.
type ParseGroup[O any] struct {
	Type string `json:"type"`
	// HMACSecrets says keyrings in this group are parsed with
	// verify.ParseKeyringWithHMACSecrets (keyring_parse_v1 only).
	HMACSecrets bool           `json:"hmacSecrets,omitempty"`
	Tests       []ParseTest[O] `json:"tests"`
}

// ParseTest is one parse case.
type ParseTest[O any] struct {
	TcID    int    `json:"tcId"`
	Comment string `json:"comment"`
	Input   string `json:"input"`
	Result  string `json:"result"`
	// Reason is, for an invalid test, one of ParseReasons.
	Reason string `json:"reason,omitempty"`
	// Flags name known, documented differences between implementations
	// (see Flags).
	Flags  []string `json:"flags,omitempty"`
	Output *O       `json:"output,omitempty"`
}

// KeyringOutput is what a valid keyring holds.
type KeyringOutput struct {
	Product string       `json:"product"`
	Keys    []KeyringKey `json:"keys"`
	Revoked []string     `json:"revoked"`
}

// KeyringKey is one pinned key: its ID (four lower-case hex digits) and
// algorithm name.
type KeyringKey struct {
	ID        string `json:"id"`
	Algorithm string `json:"algorithm"`
}

// RequestCodeOutput is what a valid request code carries.
type RequestCodeOutput struct {
	Product    string `json:"product"`
	LicenceKey string `json:"licenceKey"` // normal form
	// MachineUID is the UID's canonical text (four hyphenated groups).
	MachineUID     string `json:"machineUid"`
	ProductVersion string `json:"productVersion"`
}

// MachineUIDOutput is what a valid machine UID parses to.
type MachineUIDOutput struct {
	Normalized string `json:"normalized"` // 20 symbols, no hyphens
	Text       string `json:"text"`       // four hyphenated groups
	Version    int    `json:"version"`
	Slots      []int  `json:"slots"` // six, 0 = absent (all 0 in a fingerprint UID)
	// Fingerprint is a fingerprint UID's (version F) 18 hash symbols,
	// canonical Crockford base32; absent in version 1.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// LicenceKeyOutput is the normal form of a valid licence key.
type LicenceKeyOutput struct {
	Normalized string `json:"normalized"`
}

// ParseReasons maps every reason a parse vector may name to its
// description. ParseReason names an error this way.
var ParseReasons = map[string]string{
	"malformed":               "not a well-formed text: bad character, wrong length, unknown line, non-canonical field, or another kind of code",
	"typo":                    "a check symbol fails: a group of a request or deactivation code, a licence key's, or a machine UID's (also inside a request or deactivation code)",
	"unsupported-version":     "a format version this build does not read",
	"checksum":                "a key's, request code's or deactivation code's checksum fails: damaged in copying",
	"invalid-key":             "key material is wrong: small-order, non-canonical or off-curve Ed25519 key, key ID not derived from the key",
	"invalid-binding":         "a product ID that breaks the product-ID rules of format.md section 4: a keyring's product line, a request or deactivation code's product field",
	"hmac-secret-not-allowed": "a keyring holding an HMAC secret given to the parser for public keyrings",
}

// Flags maps every flag a parse vector may carry to what it documents.
var Flags = map[string]string{
	"off-curve-key": "the Ed25519 key is a canonical encoding whose y has no x on the curve; the Go reference rejects it (invalid-key). " +
		"An implementation that relies on a platform that does not check (WebCrypto in Node 20 imports such keys) may accept the keyring instead: " +
		"the key then verifies no signature. Either outcome passes; nothing else does.",
}
