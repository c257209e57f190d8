package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/actkit/actkit/internal/atomicfile"
	"github.com/actkit/actkit/internal/boundedfile"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// batchSize is the number of rows recorded per transaction, and the most
// rows held in memory at once.
const batchSize = 200

// batchTally counts a batch's outcomes as the rows are written.
type batchTally struct {
	rows, issued, reissued, refused, skipped int
}

func (t *batchTally) add(rows []signer.BatchRow) {
	for _, r := range rows {
		t.rows++
		switch {
		case r.Issued != nil && r.Issued.Reissued:
			t.reissued++
		case r.Issued != nil:
			t.issued++
		case r.Err != nil:
			t.refused++
		default:
			t.skipped++
		}
	}
}

func (t *batchTally) codes() int { return t.issued + t.reissued }

// batchRowJSON is one row of 'issue --batch --json'.
type batchRowJSON struct {
	Line    int               `json:"line"`
	Fields  map[string]string `json:"fields"`
	Status  string            `json:"status"`
	Serial  uint64            `json:"serial,omitempty"`
	Code    string            `json:"code,omitempty"`
	Licence string            `json:"licence,omitempty"`
	Machine string            `json:"machine,omitempty"`
	Expires string            `json:"expires,omitempty"`
	KeyID   string            `json:"keyId,omitempty"`
	Error   string            `json:"error,omitempty"`
}

func rowJSON(header []string, r signer.BatchRow) batchRowJSON {
	out := batchRowJSON{Line: r.Line, Fields: map[string]string{}}
	for i, f := range r.Fields {
		if i < len(header) {
			out.Fields[header[i]] = f
		}
	}
	out.Status, out.Error = r.Status()
	if is := r.Issued; is != nil {
		out.Serial, out.Code, out.Licence, out.Machine, out.Expires, out.KeyID = is.Serial, is.Code, is.Licence, is.Machine, is.Expires.String(), is.KeyID.String()
	}
	return out
}

// jsonRows streams '{"rows": [...], "summary": {...}}' to w, a row at a
// time, so that a large batch is never held whole.
type jsonRows struct {
	w      io.Writer
	header []string
	n      int
	err    error
}

func (j *jsonRows) start() { _, j.err = io.WriteString(j.w, "{\n  \"rows\": [") }

func (j *jsonRows) write(rows []signer.BatchRow) error {
	for _, r := range rows {
		if j.err != nil {
			return j.err
		}
		b, err := json.Marshal(rowJSON(j.header, r))
		if err != nil {
			return err
		}
		sep := ",\n    "
		if j.n == 0 {
			sep = "\n    "
		}
		j.n++
		_, j.err = fmt.Fprintf(j.w, "%s%s", sep, b)
	}
	return j.err
}

func (j *jsonRows) end(summary any) error {
	if j.err != nil {
		return j.err
	}
	b, err := json.MarshalIndent(summary, "  ", "  ")
	if err != nil {
		return err
	}
	closing := "\n  ],"
	if j.n == 0 {
		closing = "],"
	}
	_, err = fmt.Fprintf(j.w, "%s\n  \"summary\": %s\n}\n", closing, b)
	return err
}

func issueBatch(c *cli.Context, e *env, def licensing.IssueRequest) error {
	path := c.String("batch")
	if c.String("licence") != "" || c.String("machine") != "" || c.String("request") != "" {
		return usageError("--batch reads the requests from the file: give no --licence, --machine or --request with it")
	}
	f, err := boundedfile.Open(path)
	if err != nil {
		return refused(fmt.Errorf("batch file: %w", err))
	}
	defer f.Close()
	// First pass: the whole file is checked and its rows counted before
	// anything is issued, so a malformed file issues nothing. The second
	// pass issues while reading; neither holds the file in memory.
	br, err := signer.NewBatchReader(f)
	if err != nil {
		return refused(err, "the first line names the columns: licence,machine or request (separated by commas or semicolons)")
	}
	total := 0
	for {
		if _, err := br.Read(); err == io.EOF {
			break
		} else if err != nil {
			return refused(err, "nothing was issued; correct the file and run it again")
		}
		total++
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return refused(fmt.Errorf("batch file: %w", err))
	}
	if br, err = signer.NewBatchReader(f); err != nil {
		return refused(fmt.Errorf("%w (the file changed while it was read)", err))
	}
	br.Default = def
	dialect := signer.SeparatorName(br.Comma()) + "-separated"
	if br.BOM() {
		dialect += ", with a UTF-8 byte-order mark"
	}
	fmt.Fprintf(e.stderr, "%s: %d rows, %s\n", path, total, dialect)
	svc, err := openForSigning(c, e)
	if err != nil {
		return err
	}
	// Opening a passphrase keystore runs scrypt, which leaves 256 MiB of
	// garbage; the collector would take that as the heap's size and let
	// the batch's garbage grow as large before it collects. Collect it
	// now, so that memory stays at what a chunk needs.
	debug.FreeOSMemory()
	progress := func(done int) {}
	if fd, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(fd.Fd())) && total > batchSize {
		progress = func(done int) {
			const width = 30
			n := done * width / total
			fmt.Fprintf(e.stderr, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(e.stderr)
			}
		}
	}
	var tally batchTally
	var batchErr error
	// issue runs the batch, writing each chunk's results with write as
	// soon as its codes are signed. A failed transaction (batchErr) still
	// lets the remaining rows be written, as not processed.
	issue := func(write func([]signer.BatchRow) error) error {
		err := svc.IssueBatchFrom(c.Context, br, batchSize, func(rows []signer.BatchRow) error {
			tally.add(rows)
			progress(tally.rows)
			return write(rows)
		})
		if errors.Is(err, signer.ErrNotRecorded) {
			batchErr = err // every row was written: earlier rows with their codes, later ones as not processed
			return nil
		}
		return err
	}
	out := outputPath(c)
	var jr *jsonRows
	switch {
	case out != "":
		// Written to a temporary file next to out as the rows come, then
		// renamed: out is whole or untouched. The temporary file is made
		// before the first row is issued, so an unwritable path issues
		// nothing. The output holds licence keys: owner-only, like the
		// ledger.
		err = atomicfile.Write(atomicfile.OS, out, 0o600, func(w io.Writer) error {
			bw := signer.NewBatchWriter(w, br.Header(), br.Comma(), br.BOM())
			return issue(func(rows []signer.BatchRow) error {
				bw.Write(rows)
				return bw.Flush()
			})
		})
		if err != nil && tally.rows == 0 && tally.codes() == 0 {
			return refused(fmt.Errorf("cannot write the results next to %s: %w", out, err), "choose another -o path; nothing was issued")
		}
		if err != nil {
			return refused(fmt.Errorf("writing %s: %w; the %d codes issued so far are recorded in the ledger", out, err, tally.codes()),
				"run the same file again with another -o path: recorded rows get their codes again, without new seats")
		}
	case c.Bool("json"):
		jr = &jsonRows{w: e.stdout, header: br.Header()}
		jr.start()
		err = issue(jr.write)
	default:
		bw := signer.NewBatchWriter(e.stdout, br.Header(), br.Comma(), false)
		err = issue(func(rows []signer.BatchRow) error {
			bw.Write(rows)
			return bw.Flush()
		})
	}
	if err != nil {
		return refused(err, fmt.Sprintf("the %d codes issued so far are recorded; run the same file again: rows already issued are not issued twice", tally.codes()))
	}
	summary := fmt.Sprintf("%d rows: %d codes, %d refused", tally.rows, tally.codes(), tally.refused)
	if tally.skipped > 0 {
		summary += fmt.Sprintf(", %d not processed", tally.skipped)
	}
	if c.Bool("json") {
		s := map[string]any{"ok": batchErr == nil && tally.refused == 0, "file": path, "separator": signer.SeparatorName(br.Comma()),
			"rows": tally.rows, "codes": tally.codes(), "issued": tally.issued, "reissued": tally.reissued,
			"refused": tally.refused, "notProcessed": tally.skipped}
		if out != "" {
			s["output"] = out
		}
		if batchErr != nil {
			s["error"] = batchErr.Error()
		}
		if jr != nil {
			err = jr.end(s)
		} else {
			err = writeJSON(e.stdout, s)
		}
		if err != nil {
			return err
		}
	} else {
		fmt.Fprintln(e.stderr, summary)
	}
	if batchErr != nil {
		return refused(batchErr, "run the same file again: rows already issued are not issued twice")
	}
	if tally.refused > 0 {
		if c.Bool("json") {
			return &cliError{status: exitRefused, err: errSilent}
		}
		return refused(fmt.Errorf("%d rows were refused; see the status and error columns", tally.refused))
	}
	return nil
}
