package signer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// ImportRow is one row of a licence import and what became of it.
type ImportRow struct {
	Line int    `json:"line"`
	Key  string `json:"key,omitempty"` // the key's display form, once it parsed
	// Outcome is "imported", "unchanged" (already imported with these
	// terms: a re-run) or "refused", with Why.
	Outcome string `json:"outcome"`
	Why     string `json:"why,omitempty"`
}

// ImportReport is what an import did: every row, and whether the
// licences were recorded (all of them, or none when a row was refused).
type ImportReport struct {
	Rows     []ImportRow `json:"rows"`
	Imported int         `json:"imported"`
	Refused  int         `json:"refused"`
	Recorded bool        `json:"recorded"`
}

// ErrImportRefused is returned, with the report, when rows were refused:
// nothing was recorded.
var ErrImportRefused = errors.New("rows refused; nothing imported")

// Import limits: a licence import is one transaction.
const MaxImportRows = 100_000

// ImportLicences brings a product's licences over from another licensing
// system with the keys their customers hold (docs/operations.md,
// "Migrating from another licensing system"). The CSV file has a header
// naming at least "key", "customer", "expires" (YYYY-MM-DD, or never or
// empty for perpetual) and "seats" or "plan" (both: seats overrides the
// plan's); "features" (comma- or space-separated) is optional. It reads
// the dialects spreadsheets write, as batch files do.
//
// Every row is checked first; then, if none was refused, every new
// licence is recorded in one transaction with its audit entry, or, on
// any failure, none is. A row whose key is already a licence of the
// product with the same terms is "unchanged", so a re-run of the same
// file records nothing new; one with other terms, or a key given twice,
// is refused as a duplicate.
func (s *Service) ImportLicences(ctx context.Context, product string, r io.Reader) (ImportReport, error) {
	var rep ImportReport
	f, err := openCSV(r, "import file")
	if err != nil {
		return rep, err
	}
	_, seats := f.col["seats"]
	_, plan := f.col["plan"]
	for _, need := range []string{"key", "customer", "expires"} {
		if _, ok := f.col[need]; !ok || !(seats || plan) {
			return rep, fmt.Errorf("import file: the header must name key, seats or plan, expires and customer columns (read as %s-separated: %q)",
				SeparatorName(f.comma), strings.Join(f.header, string(f.comma)))
		}
	}
	type row struct {
		ImportRow
		spec  licensing.LicenceSpec
		typed string
	}
	var rows []row
	for {
		rec, err := f.cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, fmt.Errorf("import file: %w", err)
		}
		if len(rows) == MaxImportRows {
			return rep, fmt.Errorf("import file: more than %d rows; split it", MaxImportRows)
		}
		line, _ := f.cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := f.col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		rw := row{ImportRow: ImportRow{Line: line + f.skipped}, typed: get("key")}
		rw.spec, rw.Why = importSpec(product, get)
		rows = append(rows, rw)
	}
	today := codec.DayOf(s.now())
	err = s.store.Update(ctx, func(tx ledger.Tx) error {
		p, err := tx.Product(product)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		var fresh []licensing.Licence
		for i := range rows {
			rw := &rows[i]
			var li licensing.Licence
			if rw.Why == "" && rw.spec.Plan != "" {
				pl, err := findPlan(tx, p.ID, rw.spec.Plan)
				if errors.Is(err, licensing.ErrUnknownPlan) {
					rw.Why = "unknown plan " + strconv.Quote(rw.spec.Plan)
				} else if err != nil {
					return err
				} else {
					rw.spec = rw.spec.FromPlan(pl, today)
				}
			}
			if rw.Why == "" {
				li, err = licensing.ImportLicence(p, rw.spec, rw.typed, today, s.now())
				if err != nil {
					rw.Why = "malformed: " + refusalText(err)
				}
			}
			if rw.Why == "" {
				rw.Key = li.Display
				if at, dup := seen[li.Key]; dup {
					rw.Why = fmt.Sprintf("duplicate: the same key as line %d", at)
				}
				seen[li.Key] = rw.Line
			}
			if rw.Why == "" {
				old, err := tx.Licence(li.Key)
				switch {
				case errors.Is(err, licensing.ErrUnknownLicence):
					rw.Outcome = "imported"
					fresh = append(fresh, li)
				case err != nil:
					return err
				case sameTerms(old, li):
					rw.Outcome = "unchanged"
				default:
					rw.Why = "duplicate: a licence with this key already exists with other terms"
				}
			}
			if rw.Why != "" {
				rw.Outcome = "refused"
				rep.Refused++
			}
		}
		if rep.Refused > 0 {
			return ErrImportRefused
		}
		for _, li := range fresh {
			if err := tx.InsertLicence(li); err != nil {
				return err
			}
			if err := audit(tx, s.now(), ledger.LicenceChain(li.Key), ledger.ActionLicenceNew, li.Display, ledger.NewLicenceEvent(li, "imported")); err != nil {
				return err
			}
		}
		rep.Imported = len(fresh)
		return nil
	})
	for _, rw := range rows {
		rep.Rows = append(rep.Rows, rw.ImportRow)
	}
	if err != nil {
		rep.Imported = 0
		return rep, err
	}
	rep.Recorded = true
	return rep, nil
}

// importSpec reads a row's terms, or why they cannot be.
func importSpec(product string, get func(string) string) (licensing.LicenceSpec, string) {
	spec := licensing.LicenceSpec{Product: product, Customer: get("customer"), Plan: get("plan")}
	if get("key") == "" {
		return spec, "malformed: no key"
	}
	if v := get("seats"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return spec, "malformed: seats must be a whole number, 1 or more"
		}
		spec.Seats = n
	} else if spec.Plan == "" {
		return spec, "malformed: no seats and no plan"
	}
	switch v := strings.ToLower(get("expires")); v {
	case "", "never":
		spec.Expires = codec.NoExpiry
	default:
		d, err := codec.ParseDay(v)
		if err != nil {
			return spec, "malformed: expires must be a date YYYY-MM-DD, or never"
		}
		spec.Expires = d
	}
	if v := get("features"); v != "" {
		spec.Features = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	}
	return spec, ""
}

// sameTerms reports an imported licence recorded with the terms li has.
func sameTerms(old, li licensing.Licence) bool {
	return old.Product == li.Product && old.Display == li.Display && old.Seats == li.Seats && old.Expires == li.Expires &&
		old.Customer == li.Customer && old.Plan == li.Plan && slices.Equal(old.Features, li.Features)
}

// refusalText is a refusal's words without its reason's prefix.
func refusalText(err error) string {
	var ref *licensing.Refusal
	if errors.As(err, &ref) && ref.Detail != "" {
		return ref.Detail
	}
	return err.Error()
}
