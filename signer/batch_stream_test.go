package signer_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// TestReadBatchSpreadsheetFiles: the files spreadsheets save are read as
// their author meant: Excel's "CSV UTF-8" starts with a byte-order mark,
// many locales separate with ';' (and Excel may say so in a "sep=" first
// line), lines end in CRLF.
func TestReadBatchSpreadsheetFiles(t *testing.T) {
	for _, c := range []struct {
		name, in string
		comma    rune
		bom      bool
		line     int // of the first row
	}{
		{"Excel CSV UTF-8", "\ufefflicence,machine,customer\r\nK1,M1,\"ACME, Plant 3\"\r\n", ',', true, 2},
		{"Excel CSV UTF-8, semicolon locale", "\ufefflicence;machine;customer\r\nK1;M1;\"ACME; Plant 3\"\r\n", ';', true, 2},
		{"semicolons, no BOM", "licence;machine;customer\nK1;M1;ACME\n", ';', false, 2},
		{"Excel sep= line", "sep=;\r\nlicence;machine;customer\r\nK1;M1;ACME\r\n", ';', false, 3},
		{"BOM and sep= line", "\ufeffsep=;\nlicence;machine;customer\nK1;M1;ACME\n", ';', true, 3},
		{"tabs", "licence\tmachine\tcustomer\nK1\tM1\tACME\n", '\t', false, 2},
		{"quoted header, a comma inside quotes", "\"licence\";\"machine\";\"customer, site\"\nK1;M1;ACME\n", ';', false, 2},
		{"plain", "licence,machine,customer\nK1,M1,ACME\n", ',', false, 2},
	} {
		br, err := signer.NewBatchReader(strings.NewReader(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if br.Comma() != c.comma || br.BOM() != c.bom {
			t.Errorf("%s: separator %q, BOM %v; want %q, %v", c.name, br.Comma(), br.BOM(), c.comma, c.bom)
		}
		if h := br.Header(); len(h) != 3 || h[0] != "licence" {
			t.Errorf("%s: header %q", c.name, h)
		}
		row, err := br.Read()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if row.Request.Licence != "K1" || row.Request.Machine != "M1" || row.Line != c.line || !strings.HasPrefix(row.Fields[2], "ACME") {
			t.Errorf("%s: row %+v", c.name, row)
		}
		if _, err := br.Read(); err != io.EOF {
			t.Errorf("%s: after the last row: %v", c.name, err)
		}
	}
	// A header without the columns says how it was read.
	_, err := signer.NewBatchReader(strings.NewReader("\ufefflicense key;machine id\nK;M\n"))
	if err == nil || !strings.Contains(err.Error(), "read as semicolon-separated") {
		t.Errorf("bad header: %v", err)
	}
}

// TestBatchWriterKeepsTheDialect: results go back in the input's
// separator, with a byte-order mark if it had one, so that the
// spreadsheet that wrote the input opens the output.
func TestBatchWriterKeepsTheDialect(t *testing.T) {
	var b bytes.Buffer
	bw := signer.NewBatchWriter(&b, []string{"licence", "machine", "customer"}, ';', true)
	bw.Write([]signer.BatchRow{{Fields: []string{"K", "M", "=cmd"}}})
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "\ufefflicence;machine;customer;serial;code;status;error\nK;M;'=cmd;;;error;not processed\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

// TestBatchOutputHeaderReadsBack: a column name the reader matched after
// trimming (a spreadsheet that left a carriage return or a space before
// "licence") is written trimmed, so the results file is itself a batch
// file; a name that is a formula is still defused. Found by
// FuzzBatchDialects in CI: "\rlicence" was written as "'\rlicence".
func TestBatchOutputHeaderReadsBack(t *testing.T) {
	br, err := signer.NewBatchReader(strings.NewReader("\"\rlicence\", machine ,=note\nK,M,x\n"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	bw := signer.NewBatchWriter(&b, br.Header(), br.Comma(), br.BOM())
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "licence,machine,'=note,serial,code,status,error\n"; b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	if _, err := signer.NewBatchReader(bytes.NewReader(b.Bytes())); err != nil {
		t.Errorf("the output's header does not read back: %v", err)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestIssueBatchFromStreams: a batch is issued while it is read, a chunk
// at a time: when the first chunk's codes are written, most of the file
// has not been read yet, no chunk is larger than the batch size, and every
// code handed out is already recorded. Before, the whole file was read
// into memory first (a 100 MB file took 600 MB).
func TestIssueBatchFromStreams(t *testing.T) {
	svc, _ := service(t, filepath.Join(t.TempDir(), "ledger.db"))
	svc.AddProduct(ctx, "umenu", "", nil)
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 2000, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	const rows, size = 1000, 100
	var in strings.Builder
	in.WriteString("licence,machine,note\n")
	for i := range rows {
		fmt.Fprintf(&in, "%s,%s,row %d\n", li.Display, ledgertest.UID(i+1), i)
	}
	run := func() (first int, status map[string]int) {
		cr := &countingReader{r: strings.NewReader(in.String())}
		br, err := signer.NewBatchReader(cr)
		if err != nil {
			t.Fatal(err)
		}
		status = map[string]int{}
		first = -1
		before, _ := svc.Licence(ctx, li.Display)
		codes := before.InUse
		err = svc.IssueBatchFrom(ctx, br, size, func(chunk []signer.BatchRow) error {
			if first < 0 {
				first = cr.n
			}
			if len(chunk) > size {
				t.Fatalf("a chunk of %d rows", len(chunk))
			}
			for _, r := range chunk {
				s, msg := r.Status()
				status[s]++
				if r.Issued != nil && !r.Issued.Reissued {
					codes++
				} else if r.Issued == nil {
					t.Errorf("line %d: %s %s", r.Line, s, msg)
				}
			}
			// The codes in hand are recorded: the ledger counts them.
			if got, _ := svc.Licence(ctx, li.Display); got.InUse != codes {
				t.Fatalf("%d codes handed out, %d seats recorded", codes, got.InUse)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return first, status
	}
	first, status := run()
	if first > in.Len()/4 {
		t.Errorf("%d of %d bytes read before the first chunk was written: not streamed", first, in.Len())
	}
	if status["issued"] != rows {
		t.Errorf("first run: %v", status)
	}
	// Running the same file again issues nothing twice.
	if _, status := run(); status["reissued"] != rows {
		t.Errorf("second run: %v", status)
	}
	if got, _ := svc.Licence(ctx, li.Display); got.InUse != rows {
		t.Errorf("%d seats in use after two runs of %d rows", got.InUse, rows)
	}
}

// TestBatchDefaults: what the command line asks for (--lease, --release,
// --key) applies to every row; a row's own lease wins.
func TestBatchDefaults(t *testing.T) {
	br, err := signer.NewBatchReader(strings.NewReader("licence,machine,lease\nK,M,\nK,M,5\n"))
	if err != nil {
		t.Fatal(err)
	}
	br.Default = licensing.IssueRequest{LeaseDays: 30, Release: "4.2", Key: "b7a2"}
	var got []licensing.IssueRequest
	for {
		r, err := br.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Request)
	}
	want := []licensing.IssueRequest{
		{Licence: "K", Machine: "M", LeaseDays: 30, Release: "4.2", Key: "b7a2"},
		{Licence: "K", Machine: "M", LeaseDays: 5, Release: "4.2", Key: "b7a2"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// FuzzBatchDialects: whatever a file holds, reading it gives rows or an
// error, never a panic; and results written in the dialect that was read
// read back, in that dialect, as the same rows (with formulas defused).
func FuzzBatchDialects(f *testing.F) {
	f.Add("\ufefflicence;machine;customer\r\nK1;M1;\"ACME; Plant 3\"\r\n")
	f.Add("sep=;\r\nlicence;machine\r\nK;M\r\n")
	f.Add("\ufeffsep=\t\nlicence\tmachine\nK\tM\n")
	f.Add("licence,machine,lease\nK,M,30\nK,M,\n")
	f.Add("\"licence\";\"machine\";\"a,b\"\nK;M;=1+2\n")
	f.Add("sep=;")
	f.Add("\ufeff")
	f.Fuzz(func(t *testing.T, in string) {
		br, err := signer.NewBatchReader(strings.NewReader(in))
		if err != nil {
			return
		}
		var rows []signer.BatchRow
		for {
			r, err := br.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
			rows = append(rows, r)
		}
		var out bytes.Buffer
		bw := signer.NewBatchWriter(&out, br.Header(), br.Comma(), br.BOM())
		bw.Write(rows)
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		back, err := signer.NewBatchReader(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("output not readable: %v\n%q", err, out.String())
		}
		if back.Comma() != br.Comma() || back.BOM() != br.BOM() {
			t.Fatalf("dialect %q/%v read back as %q/%v", br.Comma(), br.BOM(), back.Comma(), back.BOM())
		}
		for i := range rows {
			r, err := back.Read()
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			want := signer.SafeCSV(rows[i].Fields...)
			if fmt.Sprintf("%q", r.Fields[:len(want)]) != fmt.Sprintf("%q", want) {
				t.Fatalf("row %d: %q read back as %q", i, want, r.Fields)
			}
		}
	})
}
