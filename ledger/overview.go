package ledger

import (
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// OverviewQuery says what the vendor dashboard's overview covers.
type OverviewQuery struct {
	// Since is the first day (UTC) whose activations are counted.
	Since time.Time
	// Today and ExpiringBy bound the licences listed as expiring soon
	// (both inclusive), at most ExpiringLimit of them, soonest first.
	Today, ExpiringBy codec.Day
	ExpiringLimit     int
	// RecentLimit is how many of the newest audit entries to return.
	RecentLimit int
}

// Overview is the ledger's side of the dashboard's overview: totals that
// aggregate statements compute, never a scan in Go of every licence or
// machine.
type Overview struct {
	// Licences counts every licence (any status); Seats sums their seats
	// (sold) and InUse the seats live activations hold.
	Licences, Seats, InUse int
	// Activations counts, per UTC day from Since (YYYY-MM-DD), the
	// activations recorded that day: seats taken, and codes given a new
	// serial; days without any are absent.
	Activations map[string]int
	// Expiring are licences whose last day is within the query's range,
	// soonest first (their terms, without holders).
	Expiring []licensing.Licence
	// Recent are the newest audit entries, newest first.
	Recent []Entry
}
