package codec

import "time"

// Day is a calendar day in UTC, counted from 2024-01-01 (day 0, the
// epoch). Two bytes cover the
// years 2024 to 2203. Activation codes carry days, not instants: a code is
// typed by hand, and a day is what a licence term is written in.
type Day uint16

// epochUnix is day 0, 2024-01-01T00:00:00Z, in Unix seconds: a constant,
// so that no package variable can move every date.
const epochUnix = 1704067200

func epoch() time.Time { return time.Unix(epochUnix, 0).UTC() }

// NoExpiry marks a perpetual code. It is never encoded: a perpetual code
// simply has no expiry field.
const NoExpiry Day = 0xFFFF

// DayOf returns the UTC day containing t, clamped to the representable
// range (days before the epoch are 0, days after the last are NoExpiry-1).
func DayOf(t time.Time) Day {
	if t.Before(epoch()) {
		return 0
	}
	d := t.Sub(epoch()) / (24 * time.Hour)
	if d >= time.Duration(NoExpiry) {
		return NoExpiry - 1
	}
	return Day(d)
}

// Start returns the first instant of the day (00:00:00 UTC).
// Days are UTC, so every day is 24 hours long.
func (d Day) Start() time.Time { return epoch().Add(time.Duration(d) * 24 * time.Hour) }

// End returns the first instant after the day: expiry is inclusive, so a
// code expiring on d is valid until End() exclusive.
func (d Day) End() time.Time { return d.Start().Add(24 * time.Hour) }

// String returns the day as YYYY-MM-DD, or "never" for NoExpiry.
func (d Day) String() string {
	if d == NoExpiry {
		return "never"
	}
	return d.Start().Format(time.DateOnly)
}

// ParseDay parses YYYY-MM-DD.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, malformed("date", "want YYYY-MM-DD, got "+quoteString(s, 16))
	}
	if t.Before(epoch()) || !t.Before(NoExpiry.Start()) {
		return 0, malformed("date", s+" is outside 2024-01-01..2203-06-06")
	}
	return DayOf(t), nil
}

// quoteString quotes s for an error message, cut to max bytes so that a
// huge input does not make a huge error.
func quoteString(s string, max int) string {
	if len(s) > max {
		s = s[:max] + "…"
	}
	return "\"" + s + "\""
}

// MarshalText writes the day as String does, so that JSON carries
// "2027-03-01" or "never" rather than a day number.
func (d Day) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Day) UnmarshalText(b []byte) error {
	if string(b) == "never" {
		*d = NoExpiry
		return nil
	}
	v, err := ParseDay(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
