package codec

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them; callers test with errors.Is and reach the detail with errors.As on
// *Error.
var (
	// ErrMalformed means the input is not a well-formed encoding: a
	// character outside the alphabet, a wrong length, a non-minimal field,
	// a reserved bit set. *Error.Pos locates it where that is meaningful.
	ErrMalformed = errors.New("malformed")
	// ErrTypo means a group of an activation code failed its check symbol:
	// the code was mistyped. *Error.Groups names the groups.
	ErrTypo = errors.New("typo")
	// ErrUnsupportedVersion means the input is a newer (or unknown) format
	// version than this build understands; upgrading may help.
	ErrUnsupportedVersion = errors.New("unsupported format version")
	// ErrChecksum means a key or keyring line failed its checksum: it was
	// damaged in copying.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrInvalidKey means key material is structurally wrong: a bad length,
	// a non-canonical or small-order Ed25519 point, a key ID that does not
	// match the key.
	ErrInvalidKey = errors.New("invalid key")
	// ErrInvalidBinding means a product ID, licence key or machine UID
	// cannot be part of a signed message (empty, too long, bad characters).
	ErrInvalidBinding = errors.New("invalid binding")
)

// Error carries the detail of a codec failure. Err is one of the sentinels.
type Error struct {
	Err error
	// What names the kind of input: "activation code", "public key", ...
	What string
	// Pos is the 1-based character position of the problem in the input,
	// or 0 when no single position applies.
	Pos int
	// Groups lists the 1-based groups whose check symbol failed (ErrTypo).
	Groups []int
	// NumGroups is the number of groups in the code (ErrTypo).
	NumGroups int
	// Detail is a lower-case explanation for people.
	Detail string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.What)
	b.WriteString(": ")
	switch {
	case e.Err == ErrTypo && len(e.Groups) > 0:
		b.WriteString(typoText(e.Groups, e.NumGroups))
	default:
		b.WriteString(e.Err.Error())
		if e.Pos > 0 {
			fmt.Fprintf(&b, " at character %d", e.Pos)
		}
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// typoText renders "group 7 of 11 has a typo" or
// "groups 2 and 7 of 11 have typos".
func typoText(groups []int, total int) string {
	if len(groups) == 1 {
		return fmt.Sprintf("group %d of %d has a typo", groups[0], total)
	}
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = fmt.Sprint(g)
	}
	list := strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	return fmt.Sprintf("groups %s of %d have typos", list, total)
}

func malformed(what, detail string) *Error {
	return &Error{Err: ErrMalformed, What: what, Detail: detail}
}

func malformedAt(what string, pos int, detail string) *Error {
	return &Error{Err: ErrMalformed, What: what, Pos: pos, Detail: detail}
}
