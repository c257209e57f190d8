package signer

import "strings"

// DefuseCell returns text for a CSV cell that a spreadsheet will not run
// as a formula: customer text starting with = + - @ (or a tab or carriage
// return) is prefixed with an apostrophe, which spreadsheets show as text.
func DefuseCell(f string) string {
	if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
		return "'" + f
	}
	return f
}
