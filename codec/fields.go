package codec

import "strings"

// fieldReader reads the body of a request or deactivation code: fields
// of one length byte and that many bytes, and a machine UID as its
// 5-bit symbols. Both codes lay their bodies out this way, so one reader
// parses both.
type fieldReader struct{ rest []byte }

// field reads one length-prefixed field; false if the body ends first.
func (f *fieldReader) field() (string, bool) {
	if len(f.rest) < 1 || len(f.rest) < 1+int(f.rest[0]) {
		return "", false
	}
	v := string(f.rest[1 : 1+f.rest[0]])
	f.rest = f.rest[1+f.rest[0]:]
	return v, true
}

// uid reads a machine UID's symbols as its text (for ParseMachineUID,
// which checks it); the problem is "truncated" or "bad machine UID", or ""
// when it read one.
func (f *fieldReader) uid() (text, problem string) {
	if len(f.rest) < uidSymbols {
		return "", "truncated"
	}
	var b strings.Builder
	for _, v := range f.rest[:uidSymbols] {
		if v >= 32 {
			return "", "bad machine UID"
		}
		b.WriteByte(crockford[v])
	}
	f.rest = f.rest[uidSymbols:]
	return b.String(), ""
}
