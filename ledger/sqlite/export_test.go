package sqlite

// WithPragmasForTest adds connection pragmas (max_page_count to simulate a
// full disk).
func WithPragmasForTest(o Options, pragmas ...string) Options {
	o.pragmas = pragmas
	return o
}
