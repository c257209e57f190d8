package signer

import (
	"bufio"
	"bytes"
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

// ErrNotRecorded is wrapped by the error of a batch whose transaction
// failed: its rows were not recorded (those of earlier transactions are).
var ErrNotRecorded = errors.New("not recorded")

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

// BatchReader reads a batch CSV file of requests one row at a time, so
// that a file of any allowed size is issued with bounded memory. The
// header names the columns: "licence" and "machine", or "request";
// "lease" (days) is optional; other columns are carried through to the
// output.
//
// It reads what spreadsheets write: a UTF-8 byte-order mark (Excel's "CSV
// UTF-8") is skipped, the separator is taken from the header line (',',
// or ';' as locales with a decimal comma write, or a tab), and Excel's
// "sep=;" first line is honoured.
type BatchReader struct {
	// Default is what a row asks for where the file does not say: its
	// LeaseDays for rows with no lease value, its Release and Key for
	// every row.
	Default licensing.IssueRequest

	cr     *csv.Reader
	header []string
	col    map[string]int
	comma  rune
	bom    bool
	// skipped is the number of lines before the header (a "sep=" line).
	skipped int
	rows    int
}

// utf8BOM starts files that Excel saves as "CSV UTF-8".
const utf8BOM = "\ufeff"

// NewBatchReader reads the header of a batch file.
func NewBatchReader(r io.Reader) (*BatchReader, error) {
	f, err := openCSV(r, "batch file")
	if err != nil {
		return nil, err
	}
	b := &BatchReader{cr: f.cr, header: f.header, col: f.col, comma: f.comma, bom: f.bom, skipped: f.skipped}
	_, hasReq := b.col["request"]
	_, hasLic := b.col["licence"]
	if _, ok := b.col["license"]; ok && !hasLic {
		b.col["licence"], hasLic = b.col["license"], true
	}
	_, hasMachine := b.col["machine"]
	if !hasReq && !(hasLic && hasMachine) {
		return nil, fmt.Errorf("batch file: the header must name a 'request' column, or 'licence' and 'machine' columns (read as %s-separated: %q)", SeparatorName(b.comma), strings.Join(b.header, string(b.comma)))
	}
	return b, nil
}

// csvFile is a CSV file with a header as spreadsheets write it: a UTF-8
// byte-order mark (Excel's "CSV UTF-8") skipped, the separator taken
// from the header line (',', ';' or a tab) or from Excel's "sep=;" first
// line, lines and the whole file bounded while reading.
type csvFile struct {
	cr      *csv.Reader
	header  []string
	col     map[string]int // lower-case header name to column
	comma   rune
	bom     bool
	skipped int // lines before the header (a "sep=" line)
}

// openCSV reads the header of a CSV file; what names it in errors.
func openCSV(r io.Reader, what string) (*csvFile, error) {
	br := bufio.NewReaderSize(&boundedLines{r: r}, maxBatchLine+16)
	b := &csvFile{comma: ','}
	if p, _ := br.Peek(len(utf8BOM)); string(p) == utf8BOM {
		br.Discard(len(utf8BOM))
		b.bom = true
	}
	first, err := br.Peek(maxBatchLine)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("%s: reading the header: %w", what, err)
	}
	line, _, _ := bytes.Cut(first, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if sep, ok := bytes.CutPrefix(line, []byte("sep=")); ok && len(sep) == 1 && isSeparator(rune(sep[0])) {
		// Excel's own way to name the separator: a first line "sep=;".
		b.comma = rune(sep[0])
		br.Discard(len(line))
		if c, _ := br.ReadByte(); c == '\r' {
			br.ReadByte() // the '\n' of "\r\n"
		}
		b.skipped = 1
	} else {
		b.comma = detectSeparator(line)
	}
	b.cr = csv.NewReader(br)
	b.cr.Comma = b.comma
	b.cr.FieldsPerRecord = 0
	if b.header, err = b.cr.Read(); err != nil {
		return nil, fmt.Errorf("%s: reading the header: %w", what, err)
	}
	b.col = map[string]int{}
	for i, h := range b.header {
		b.col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	return b, nil
}

func isSeparator(r rune) bool { return r == ',' || r == ';' || r == '\t' }

// detectSeparator picks the separator that occurs most often outside
// quotes in the header line; ',' when there is none.
func detectSeparator(line []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && isSeparator(rune(c)):
			counts[rune(c)]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// SeparatorName names a separator for people: "comma", "semicolon", "tab".
func SeparatorName(r rune) string {
	switch r {
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	}
	return "comma"
}

// Header returns the header's fields.
func (b *BatchReader) Header() []string { return b.header }

// Comma returns the separator that was read.
func (b *BatchReader) Comma() rune { return b.comma }

// BOM reports whether the file started with a UTF-8 byte-order mark.
func (b *BatchReader) BOM() bool { return b.bom }

// Read returns the next row, or io.EOF after the last. A row that cannot
// be a request (a field too long, a bad lease) comes with its refusal in
// Err; an error means the file itself is malformed.
func (b *BatchReader) Read() (BatchRow, error) {
	rec, err := b.cr.Read()
	if err == io.EOF {
		return BatchRow{}, io.EOF
	}
	if err != nil {
		// csv.ParseError carries the line; FieldPos would panic here.
		return BatchRow{}, fmt.Errorf("batch file: %w", err)
	}
	if b.rows == MaxBatchRows {
		return BatchRow{}, fmt.Errorf("batch file: more than %d rows; split it", MaxBatchRows)
	}
	b.rows++
	line, _ := b.cr.FieldPos(0)
	row := BatchRow{Line: line + b.skipped, Fields: rec}
	for _, f := range rec {
		if len(f) > maxBatchField {
			row.Err = &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: fmt.Sprintf("a field is longer than %d bytes", maxBatchField)}
		}
	}
	get := func(name string) string {
		if i, ok := b.col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row.Request = licensing.IssueRequest{Licence: get("licence"), Machine: get("machine"), Request: get("request"),
		LeaseDays: b.Default.LeaseDays, Release: b.Default.Release, Key: b.Default.Key}
	if l := get("lease"); l != "" && row.Err == nil {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			row.Err = &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: fmt.Sprintf("lease %q is not a number of days", l)}
		}
		row.Request.LeaseDays = n
	}
	return row, nil
}

// ReadBatch reads a whole batch file into memory (see BatchReader, which
// reads it a row at a time).
func ReadBatch(r io.Reader) (header []string, rows []BatchRow, err error) {
	b, err := NewBatchReader(r)
	if err != nil {
		return nil, nil, err
	}
	for {
		row, err := b.Read()
		if err == io.EOF {
			return b.Header(), rows, nil
		}
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, row)
	}
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
		if err := s.issueChunk(ctx, chunk); err != nil {
			return fmt.Errorf("batch of rows %d-%d %w (earlier batches are): %w", start+1, start+len(chunk), ErrNotRecorded, err)
		}
		if progress != nil {
			progress(start+len(chunk), len(rows))
		}
	}
	return nil
}

// IssueBatchFrom issues the rows of br as IssueBatch does while reading
// them: batchSize rows are read, recorded in one transaction, signed, and
// passed to emit, which writes them out; only the rows in hand are kept,
// so memory does not grow with the file. If a transaction fails, the
// rows after it are still read and passed to emit, unprocessed (neither
// Issued nor Err), and the error is returned at the end. An error from
// emit or from reading stops the batch at once; what was recorded before
// it stays recorded, and a re-run gives those rows their codes again.
func (s *Service) IssueBatchFrom(ctx context.Context, br *BatchReader, batchSize int, emit func([]BatchRow) error) error {
	if batchSize < 1 {
		batchSize = 200
	}
	chunk := make([]BatchRow, 0, batchSize)
	var failed error
	done := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if failed == nil {
			if err := s.issueChunk(ctx, chunk); err != nil {
				failed = fmt.Errorf("batch of rows %d-%d %w (earlier batches are): %w", done+1, done+len(chunk), ErrNotRecorded, err)
			}
		}
		done += len(chunk)
		err := emit(chunk)
		clear(chunk) // drop the rows' codes and fields before reading on
		chunk = chunk[:0]
		return err
	}
	for {
		row, err := br.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		chunk = append(chunk, row)
		if len(chunk) == batchSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return failed
}

// issueChunk records the rows of one chunk in one transaction, then signs
// their codes.
func (s *Service) issueChunk(ctx context.Context, chunk []BatchRow) error {
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
		return err
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
	return nil
}

// WriteBatch writes the results as CSV: the input columns, then serial,
// code, status and error.
func WriteBatch(w io.Writer, header []string, rows []BatchRow) error {
	bw := NewBatchWriter(w, header, ',', false)
	bw.Write(rows)
	return bw.Flush()
}

// BatchWriter writes the results of a batch as they come, in the input's
// dialect (its separator; a byte-order mark if it had one, so that a
// spreadsheet reads the output as UTF-8 too).
type BatchWriter struct {
	cw *csv.Writer
}

// NewBatchWriter writes the output's header: the input columns, then
// serial, code, status and error.
func NewBatchWriter(w io.Writer, header []string, comma rune, bom bool) *BatchWriter {
	if bom {
		io.WriteString(w, utf8BOM) // a write error shows again at Flush
	}
	cw := csv.NewWriter(w)
	cw.Comma = comma
	cw.Write(append(headerNames(header), "serial", "code", "status", "error"))
	return &BatchWriter{cw: cw}
}

// Write writes rows; errors are reported by Flush.
func (bw *BatchWriter) Write(rows []BatchRow) {
	for _, r := range rows {
		rec := neutralize(r.Fields)
		status, msg := r.Status()
		serial, code := "", ""
		if r.Issued != nil {
			serial, code = strconv.FormatUint(r.Issued.Serial, 10), r.Issued.Code
		}
		bw.cw.Write(append(rec, serial, code, status, neutralizeField(msg)))
	}
}

// Flush writes what is buffered and returns the first error of any write.
func (bw *BatchWriter) Flush() error {
	bw.cw.Flush()
	return bw.cw.Error()
}

// Status is a row's outcome as the output states it: "issued",
// "reissued", a refusal's reason code (with its message), "error" for
// another failure, or "not processed".
func (r BatchRow) Status() (status, message string) {
	switch {
	case r.Err != nil:
		code := licensing.ReasonCode(r.Err)
		if code == "" {
			code = "error"
		}
		return code, r.Err.Error()
	case r.Issued != nil && r.Issued.Reissued:
		return "reissued", ""
	case r.Issued != nil:
		return "issued", ""
	}
	return "error", "not processed"
}

// headerNames returns the input's column names as the output writes
// them: trimmed, as the reader matches them, then defused. Trimming first
// keeps a recognised name readable: " licence" or "\rlicence" is read as
// "licence", but defused untrimmed it would be written as "'\rlicence",
// which no reader takes for the licence column.
func headerNames(header []string) []string {
	out := make([]string, len(header))
	for i, h := range header {
		out[i] = neutralizeField(strings.TrimSpace(h))
	}
	return out
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

// SafeCSV returns fields with spreadsheet formulas defused, as the batch
// output writes them: for every CSV the vendor may open in a spreadsheet
// (reports, lists of codes).
func SafeCSV(fields ...string) []string { return neutralize(fields) }
