package loadkit

import "time"

// The goals of issues 12 and 13, in one place so that the tools and the
// report judge a figure the same way.
const (
	// PGIssueVsAnchor: issuing on PostgreSQL at 64 clients reaches this
	// share of pgbench's rate for the same transaction (issue 12).
	PGIssueVsAnchor = 0.6
	// MaxP99: the p99 latency bound at 64 clients (issues 12 and 13).
	MaxP99 = 100 * time.Millisecond
	// APIPGActivations, APIValidations, APIQuiet and
	// APISQLiteActivations are issue 13's goals for the licence API:
	// activations per second at 64 clients on PostgreSQL, validations
	// per second with at least APIQuiet of them writing nothing, and
	// activations per second on SQLite.
	APIPGActivations     = 1500
	APIValidations       = 5000
	APIQuiet             = 0.90
	APISQLiteActivations = 800
)

// NoSlower is how much slower than before still counts as "no slower"
// for the SQLite path: this shared 2-core VM's run-to-run noise on an
// fsync-bound commit.
const NoSlower = 1.05

// TodaySQLiteIssue is one durable issue on SQLite as docs/benchmarks.md
// gave it before the ledger's SQL was shared with PostgreSQL (generated
// at commit 5b94be7): the SQLite path must be no slower. benchreport
// passes the figure it measures on that tree in the same run instead.
const TodaySQLiteIssue = 1080 * time.Microsecond

// Issue 24's goals, for one site licence that every client activates on
// (tools/siteload), judged at 64 clients against the same run's anchor of
// the activation transaction written by hand.
const (
	// SiteVsAnchor: activations reach this share of the anchor's rate,
	// on the fresh licence and on the large one; so does SQLite against
	// its own anchor.
	SiteVsAnchor = 0.5
	// SiteLargeVsFresh: an activation on the licence of 50,000 machines
	// takes at most this many times as long as on the fresh one.
	SiteLargeVsFresh = 1.2
	// SiteValidationsVsAnchor: validations per second reach this many
	// times the anchor's activation rate.
	SiteValidationsVsAnchor = 2.0
)
