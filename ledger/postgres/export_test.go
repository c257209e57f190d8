package postgres

import "github.com/jackc/pgx/v5"

// SetTracer makes the Stores opened until the returned function is called
// report every statement to tr.
func SetTracer(tr pgx.QueryTracer) (restore func()) {
	testOnlyTracer = tr
	return func() { testOnlyTracer = nil }
}
