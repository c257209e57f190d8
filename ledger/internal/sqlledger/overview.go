package sqlledger

import (
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Overview reads the dashboard's figures in four statements (sums over
// licences, activations grouped by day, the soonest expiring licences
// with their terms, the newest audit entries). The day count reads the activations created
// since q.Since; there is no index on created, so it scans the
// activations table once in the database (no row reaches Go but one per
// day). The portal caches the result for a minute.
func (r reader) Overview(q ledger.OverviewQuery) (ledger.Overview, error) {
	o := ledger.Overview{Activations: map[string]int{}, Expiring: []licensing.Licence{}, Recent: []ledger.Entry{}}
	err := r.q.QueryRowContext(r.ctx, "SELECT count(*), coalesce(sum(seats), 0), coalesce(sum(in_use), 0) FROM licences").
		Scan(&o.Licences, &o.Seats, &o.InUse)
	if err != nil {
		return o, err
	}
	// created is an RFC 3339 stamp in UTC: its first ten characters are
	// the day, and a day's text compares as its stamps do.
	rows, err := r.q.QueryContext(r.ctx, "SELECT substr(created, 1, 10), count(*) FROM activations WHERE created >= ? GROUP BY substr(created, 1, 10)",
		q.Since.UTC().Format("2006-01-02"))
	if err != nil {
		return o, err
	}
	for rows.Next() {
		var day string
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			rows.Close()
			return o, err
		}
		o.Activations[day] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return o, err
	}
	if o.Expiring, err = r.Expiring(q.Today, q.ExpiringBy, q.ExpiringLimit); err != nil {
		return o, err
	}
	err = r.scanAudit("SELECT id, chain, seq, at, action, subject, detail, prev, hash FROM audit ORDER BY id DESC LIMIT ?",
		func(e ledger.Entry) error { o.Recent = append(o.Recent, e); return nil }, q.RecentLimit)
	return o, err
}

func (r reader) Expiring(from, to codec.Day, limit int) ([]licensing.Licence, error) {
	q := `SELECT ` + termsColumns + ` FROM licences l JOIN products p ON p.id = l.product
		WHERE l.expires IS NOT NULL AND l.expires >= ? AND l.expires <= ? ORDER BY l.expires, l.created, l.key`
	args := []any{int64(from), int64(to)}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := r.q.QueryContext(r.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []licensing.Licence{}
	for rows.Next() {
		var t termsRow
		if err := rows.Scan(t.dest()...); err != nil {
			return nil, err
		}
		li, _, err := t.licence()
		if err != nil {
			return nil, err
		}
		out = append(out, li)
	}
	return out, rows.Err()
}
