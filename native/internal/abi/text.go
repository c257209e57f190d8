package abi

import "unicode/utf8"

// Text checks a string argument from C: it must be UTF-8 (the header's
// rule), so that what Go sees is what the caller meant; invalid bytes
// would otherwise turn into U+FFFD silently.
func Text(name, s string) (string, *Error) {
	if !utf8.ValidString(s) {
		return "", fail(StatusArgument, "%s is not valid UTF-8", name)
	}
	return s, nil
}
