package signer

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestBatchOutputDefusesFormulas: customer text carried through a batch
// cannot become a spreadsheet formula in the results.
func TestBatchOutputDefusesFormulas(t *testing.T) {
	var b bytes.Buffer
	rows := []BatchRow{{Line: 2, Fields: []string{"UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "plain"}}}
	if err := WriteBatch(&b, []string{"licence", "customer", "a", "b", "c", "d", "e"}, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range recs[1][:7] {
		if f != "" && f[0] != '\'' && (f[0] == '=' || f[0] == '+' || f[0] == '-' || f[0] == '@' || f[0] == '\t') {
			t.Errorf("field %d %q starts a formula", i, f)
		}
	}
	if recs[1][0] != "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM" || recs[1][6] != "plain" || recs[1][1] != "'=HYPERLINK(\"http://x\")" {
		t.Errorf("fields changed: %q", recs[1])
	}
}
