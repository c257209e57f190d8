package main

import (
	"fmt"
	"strings"
)

// siteSection runs tools/siteload and appends issue 24's section: one
// site licence that every client activates on, fresh and with 50,000
// live machines, beside the same run's anchor of the activation
// transaction, and the tool's verdicts on the goals.
func siteSection(b *strings.Builder, pg string) {
	var args []string
	if pg != "" {
		args = []string{"-pg", pg}
	}
	loadBefore := loadAvg()
	lines := runTool(".", "siteload", args...)
	loadAfter := loadAvg()
	fill := note(lines, "postgres: the large licence holds")
	fmt.Fprintf(b, `
## Load: one site licence (issue 24)

`+"`go run ./tools/siteload`"+`: the licence API over real HTTP on 127.0.0.1, server in the same process with drift matching on (`+"`actkit serve`"+`'s default policy), every client activating new machines on ONE licence of 65,535 seats: a fresh licence (new for each client count), and a large one that already holds 50,000 live machines (filled through the batch path, audit entries and all; %s). Each run is at most 5 s or 3,000 activations, after a short warm-up. The anchor is issue 24's activation transaction written by hand, on one licence too (lock the licence's row, insert the activation, bump the seat counter, append the audit entry, commit): on PostgreSQL pgbench with `+"`tools/ledgerload/anchor-site.sql`"+` (`+"`-M prepared`"+`, as many connections as clients) on scratch tables in the same database, run before and after actkit's two runs at each client count (the figure is their mean: interleaved A/B); on SQLite the same transaction by hand on a ledger file of its own with the ledger's schema and pragmas. Validations are of the machines the runs activated, at 64 clients. Client, server and database share the 2 cores, **on a machine shared with other work**: the 1-minute load average was %s before the section and %s after it. "Machines after the run" is the licence's seat count when the run ended.

| backend | measure | clients | rate | p50 | p99 | data |
|---|---|---:|---:|---:|---:|---|
`, strings.TrimPrefix(fill, "postgres: "), loadBefore, loadAfter)
	for _, l := range lines {
		r := l.Record
		if r == nil {
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s | %s | %s | %s |\n", r.Backend, r.Measure, r.Clients, rate(r.Rate), ms(r.P50ms), ms(r.P99ms), r.Spread)
	}
	b.WriteString("\n| goal (64 clients) | measured | |\n|---|---|---|\n")
	for _, l := range lines {
		if v := l.Verdict; v != nil {
			fmt.Fprintf(b, "| %s | %s | %s |\n", v.Goal, v.Value, map[bool]string{true: "met", false: "**missed**"}[v.Met])
		}
	}
	b.WriteString(siteBounds)
}

// siteBounds says what the section's figures rest on.
const siteBounds = `
What the figures rest on: an activation is one transaction of six
statements (BEGIN, the licence's row locked with its terms and plan, one
read of the machine's live activation, the drift candidates and the
chain's head, the activation's insert, whose trigger counts the seat, the
audit entry, COMMIT), the anchor's four plus BEGIN and COMMIT; a
validation is one statement; no statement reads the licence's machines
(` + "`TestStatementsPerRequest`" + ` in ledger/postgres counts them on a licence of
3,000 machines). On one licence every writer queues on its row lock, held
through the commit's fsync, so the rate is one over the time the lock is
held: actkit holds it for the same round trips as the anchor plus the Go
side's work between them (the decision, the audit hash), on cores shared
with the HTTP server, the load generator and PostgreSQL. The large
licence's activations write into indexes with 50,000 more entries (the
activations table has eight indexes, the anchor's two).
`
