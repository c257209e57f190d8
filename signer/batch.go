package signer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// BatchRow is one row of a bulk issue: its request and, after issuing,
// its code or its refusal.
type BatchRow struct {
	Line    int // line in the input file
	Fields  []string
	Request licensing.IssueRequest
	Issued  *Issued
	Err     error
}

// Bulk-issue limits, checked while reading, before the data is kept.
const (
	MaxBatchRows  = 1_000_000
	MaxBatchBytes = 256 << 20
	maxBatchLine  = 4096
	maxBatchField = 512
)

// ErrBatchTooLarge is returned for a batch file over MaxBatchBytes or with
// a line longer than any request can be.
var ErrBatchTooLarge = errors.New("batch file too large")

// boundedLines fails a read once the input passes MaxBatchBytes or a line
// passes maxBatchLine, so that a huge file or one endless line is refused
// after reading at most that much, instead of being held in memory.
type boundedLines struct {
	r     io.Reader
	total int64
	line  int
}

func (b *boundedLines) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	for _, c := range p[:n] {
		b.line++
		if c == '\n' {
			b.line = 0
		}
		if b.line > maxBatchLine {
			return 0, fmt.Errorf("%w: a line is longer than %d bytes", ErrBatchTooLarge, maxBatchLine)
		}
	}
	b.total += int64(n)
	if b.total > MaxBatchBytes {
		return 0, fmt.Errorf("%w: more than %d MiB; split it", ErrBatchTooLarge, MaxBatchBytes>>20)
	}
	return n, err
}

// ReadBatch reads a CSV file of requests. The header names the columns:
// "licence" and "machine", or "request"; "lease" (days) is optional; other
// columns are carried through to the output.
func ReadBatch(r io.Reader) (header []string, rows []BatchRow, err error) {
	cr := csv.NewReader(&boundedLines{r: r})
	cr.FieldsPerRecord = 0
	cr.ReuseRecord = false
	header, err = cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("batch file: reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	_, hasReq := col["request"]
	_, hasLic := col["licence"]
	if _, ok := col["license"]; ok && !hasLic {
		col["licence"], hasLic = col["license"], true
	}
	_, hasMachine := col["machine"]
	if !hasReq && !(hasLic && hasMachine) {
		return nil, nil, errors.New("batch file: the header must name a 'request' column, or 'licence' and 'machine' columns")
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// csv.ParseError carries the line; FieldPos would panic here.
			return nil, nil, fmt.Errorf("batch file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rows) == MaxBatchRows {
			return nil, nil, fmt.Errorf("batch file: more than %d rows; split it", MaxBatchRows)
		}
		row := BatchRow{Line: line, Fields: rec}
		for _, f := range rec {
			if len(f) > maxBatchField {
				row.Err = &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: fmt.Sprintf("a field is longer than %d bytes", maxBatchField)}
			}
		}
		row.Request = licensing.IssueRequest{Licence: get(rec, "licence"), Machine: get(rec, "machine"), Request: get(rec, "request")}
		if l := get(rec, "lease"); l != "" && row.Err == nil {
			n, err := strconv.Atoi(l)
			if err != nil || n < 0 {
				row.Err = &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: fmt.Sprintf("lease %q is not a number of days", l)}
			}
			row.Request.LeaseDays = n
		}
		rows = append(rows, row)
	}
	return header, rows, nil
}

// IssueBatch issues every row, committing batchSize rows per transaction.
// A refused row keeps its refusal and the batch goes on; a row already
// issued (a re-run of the same file) gets its code again without a new
// seat. Codes are signed only after their batch is durable. progress, if
// set, is called after each batch.
func (s *Service) IssueBatch(ctx context.Context, rows []BatchRow, batchSize int, progress func(done, total int)) error {
	if batchSize < 1 {
		batchSize = 200
	}
	for start := 0; start < len(rows); start += batchSize {
		chunk := rows[start:min(start+batchSize, len(rows))]
		type done struct {
			i int
			r recorded
		}
		var ok []done
		err := s.store.Update(ctx, func(tx ledger.Tx) error {
			ok = ok[:0]
			for i := range chunk {
				row := &chunk[i]
				if row.Err != nil {
					continue
				}
				t, err := licensing.Resolve(row.Request)
				if err != nil {
					row.Err = err
					continue
				}
				// issueTx refuses before it writes anything, so a refused
				// row leaves nothing to undo; any other failure fails the
				// whole batch.
				r, err := s.issueTx(tx, t)
				if err != nil {
					var ref *licensing.Refusal
					if !errors.As(err, &ref) {
						return err
					}
					row.Err = err
					continue
				}
				ok = append(ok, done{i, r})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("batch of rows %d-%d not recorded (earlier batches are): %w", start+1, start+len(chunk), err)
		}
		// The batch is durable: sign its codes on every core. Signing
		// touches no shared state.
		var wg sync.WaitGroup
		next := make(chan done)
		for range min(runtime.GOMAXPROCS(0), 8) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for d := range next {
					is, err := s.sign(d.r)
					if err != nil {
						chunk[d.i].Err = err
						continue
					}
					chunk[d.i].Issued = &is
				}
			}()
		}
		for _, d := range ok {
			next <- d
		}
		close(next)
		wg.Wait()
		if progress != nil {
			progress(start+len(chunk), len(rows))
		}
	}
	return nil
}

// WriteBatch writes the results as CSV: the input columns, then serial,
// code, status and error.
func WriteBatch(w io.Writer, header []string, rows []BatchRow) error {
	cw := csv.NewWriter(w)
	cw.Write(append(neutralize(header), "serial", "code", "status", "error"))
	for _, r := range rows {
		rec := neutralize(r.Fields)
		switch {
		case r.Err != nil:
			code := licensing.ReasonCode(r.Err)
			if code == "" {
				code = "error"
			}
			rec = append(rec, "", "", code, neutralizeField(r.Err.Error()))
		case r.Issued != nil:
			status := "issued"
			if r.Issued.Reissued {
				status = "reissued"
			}
			rec = append(rec, strconv.FormatUint(r.Issued.Serial, 10), r.Issued.Code, status, "")
		default:
			rec = append(rec, "", "", "error", "not processed")
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// neutralize returns the fields with spreadsheet formulas defused: a
// field from a customer's file (a customer name, a comment) that starts
// with =, +, -, @, a tab or a carriage return would run as a formula when
// the vendor opens the results in a spreadsheet; a leading apostrophe
// makes it text (the OWASP advice for CSV injection).
func neutralize(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = neutralizeField(f)
	}
	return out
}

func neutralizeField(f string) string {
	if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
		return "'" + f
	}
	return f
}
