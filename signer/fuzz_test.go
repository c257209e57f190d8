package signer

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReadBatch: any CSV input gives rows or an error, never a panic, and
// every row keeps its fields for the output.
func FuzzReadBatch(f *testing.F) {
	f.Add("licence,machine\nUMENU-7KQ2X-M4RTA-9VWCE-H3NPM,11GZP-ZZRR5-00000-00005\n")
	f.Add("request,lease\n8EidTuZKrYG,30\n")
	f.Add("licence,machine,site\n\"a,b\",c,d\n")
	f.Add("licence,machine\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		header, rows, err := ReadBatch(strings.NewReader(in))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteBatch(&out, header, rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) > 0 && out.Len() == 0 {
			t.Fatal("rows without output")
		}
	})
}
