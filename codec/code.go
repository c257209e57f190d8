package codec

// Signature sizes, by algorithm. A code's signature length must be one of
// them; which one is required is decided by the key, not by the code.
const (
	Ed25519SignatureSize = 64
	HMACTagSize          = 16 // HMAC-SHA256 truncated to 128 bits, never shorter
)

// Code is a decoded activation code: the payload and the signature or MAC
// over the message built from it (AppendMessage).
type Code struct {
	Payload
	Sig []byte
}

// DecodeCode parses the text form of an activation code and splits it into
// payload and signature. Nothing in the result is authenticated yet.
func DecodeCode(text string) (Code, error) {
	raw, err := ParseText(text)
	if err != nil {
		return Code{}, err
	}
	return DecodeBinary(raw)
}

// DecodeBinary splits raw code bytes into payload and signature.
func DecodeBinary(raw []byte) (Code, error) {
	p, n, err := UnmarshalPayload(raw)
	if err != nil {
		return Code{}, err
	}
	sig := raw[n:]
	if len(sig) != Ed25519SignatureSize && len(sig) != HMACTagSize {
		detail := "symbols are missing or extra"
		if len(sig) < HMACTagSize {
			detail = "too short: symbols are missing"
		}
		return Code{}, malformed("activation code", detail)
	}
	return Code{Payload: p, Sig: sig}, nil
}

// AppendBinary appends the binary form: payload, then signature.
func (c *Code) AppendBinary(dst []byte) ([]byte, error) {
	if len(c.Sig) != Ed25519SignatureSize && len(c.Sig) != HMACTagSize {
		return dst, malformed("activation code", "signature has the wrong length")
	}
	dst, err := c.Payload.AppendBinary(dst)
	if err != nil {
		return dst, err
	}
	return append(dst, c.Sig...), nil
}

// Text returns the canonical text form of the code.
func (c *Code) Text() (string, error) {
	raw, err := c.AppendBinary(nil)
	if err != nil {
		return "", err
	}
	return FormatText(raw), nil
}
