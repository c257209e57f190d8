package server

import "sort"

// ProblemCodes lists every problem code the API has words for (the keys
// of messages), sorted: the tests in package server_test produce each
// one over HTTP.
func ProblemCodes() []string {
	out := make([]string, 0, len(messages))
	for code := range messages {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}
