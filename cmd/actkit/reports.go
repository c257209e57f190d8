package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
)

var csvFlag = &cli.BoolFlag{Name: "csv", Usage: "print CSV on stdout (formulas defused for spreadsheets)"}

// filterFlags choose licences for 'licence list' and 'licence report'.
func filterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "product", Usage: "only this product's"},
		&cli.StringFlag{Name: "customer", Usage: "only customers whose name contains this text (any case)"},
		&cli.StringFlag{Name: "status", Usage: "only licences in this state: active, suspended, revoked or expired"},
		&cli.StringFlag{Name: "plan", Usage: "only licences of this type"},
		&cli.IntFlag{Name: "expiring", Usage: "only licences whose last day is within this many days (0: today)"},
		&cli.StringFlag{Name: "machine", Usage: "only licences on which this machine UID holds a seat"},
	}
}

func filterFrom(c *cli.Context) (signer.LicenceFilter, error) {
	f := signer.LicenceFilter{Product: c.String("product"), Customer: c.String("customer"),
		Status: licensing.Status(strings.ToLower(c.String("status"))), Plan: c.String("plan"), Machine: c.String("machine")}
	if c.IsSet("expiring") {
		n := c.Int("expiring")
		if n < 0 {
			return f, usageError("--expiring takes a number of days, 0 or more")
		}
		f.ExpiringWithin = &n
	}
	switch f.Status {
	case "", licensing.Active, licensing.Suspended, licensing.Revoked, signer.Expired:
	default:
		return f, usageError("--status %q: active, suspended, revoked or expired", c.String("status"))
	}
	if c.Bool("csv") && c.Bool("json") {
		return f, usageError("give --csv or --json, not both")
	}
	return f, nil
}

func licenceListCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "list",
		Usage: "list licences, filtered",
		Description: `Filters combine: every one given must match. STATUS shows "expired" for an
active licence whose last day has passed.

Examples:
   actkit licence list --product umenu
   actkit licence list --status active --expiring 60 --csv > renewals.csv
   actkit licence list --machine 19DSX-5JRR5-00000-0000E`,
		Flags: append(filterFlags(), csvFlag, jsonFlag),
		Action: func(c *cli.Context) error {
			f, err := filterFrom(c)
			if err != nil {
				return err
			}
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			list, err := svc.FindLicences(c.Context, f)
			if err != nil {
				return failed(c, e, err)
			}
			today := codec.DayOf(e.now())
			switch {
			case c.Bool("json"):
				return writeJSON(e.stdout, list)
			case c.Bool("csv"):
				return licencesCSV(e.stdout, list, today)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LICENCE\tPRODUCT\tPLAN\tSTATUS\tSEATS\tEXPIRES\tCUSTOMER")
			for _, li := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", li.Display, li.Product, orDash(li.Plan), signer.LicenceState(li, today), li.InUse, li.Seats, li.Expires, printable(li.Customer))
			}
			return tw.Flush()
		},
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return printable(s)
}

// licencesCSV writes licences for a spreadsheet: one row each, its
// machines in one field.
func licencesCSV(w io.Writer, list []licensing.Licence, today codec.Day) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"licence", "product", "plan", "status", "seats", "seats_in_use", "expires", "customer", "created", "machines"})
	for _, li := range list {
		machines := make([]string, len(li.Holders))
		for i, h := range li.Holders {
			machines[i] = h.Machine
		}
		cw.Write(signer.SafeCSV(li.Display, li.Product, li.Plan, string(signer.LicenceState(li, today)), strconv.Itoa(li.Seats), strconv.Itoa(li.InUse),
			li.Expires.String(), li.Customer, li.Created.UTC().Format(time.DateOnly), strings.Join(machines, " ")))
	}
	cw.Flush()
	return cw.Error()
}

func licenceReportCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "report",
		Usage: "seats sold, in use and free, by product and by customer",
		Description: `Counts the licences that match the filters (those of 'licence list'):
licences, seats, seats in use and free seats, per product and per customer,
and in total. Revoked licences are left out unless --status revoked asks
for them.

Examples:
   actkit licence report
   actkit licence report --product umenu --by customer --csv > seats.csv`,
		Flags: append(filterFlags(),
			&cli.StringFlag{Name: "by", Usage: "product or customer (default: both)"},
			csvFlag, jsonFlag),
		Action: func(c *cli.Context) error {
			f, err := filterFrom(c)
			if err != nil {
				return err
			}
			by := c.String("by")
			if by != "" && by != "product" && by != "customer" {
				return usageError("--by %q: product or customer", by)
			}
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			rep, err := svc.Seats(c.Context, f)
			if err != nil {
				return failed(c, e, err)
			}
			groups := []struct {
				name string
				rows []signer.SeatCount
			}{{"product", rep.ByProduct}, {"customer", rep.ByCustomer}}
			if by == "customer" {
				groups = groups[1:]
				rep.ByProduct = nil
			} else if by == "product" {
				groups = groups[:1]
				rep.ByCustomer = nil
			}
			switch {
			case c.Bool("json"):
				return writeJSON(e.stdout, rep)
			case c.Bool("csv"):
				cw := csv.NewWriter(e.stdout)
				cw.Write([]string{"by", "name", "licences", "seats", "seats_in_use", "seats_free"})
				for _, g := range groups {
					for _, r := range g.rows {
						cw.Write(signer.SafeCSV(g.name, r.Name, strconv.Itoa(r.Licences), strconv.Itoa(r.Seats), strconv.Itoa(r.InUse), strconv.Itoa(r.Free)))
					}
				}
				t := rep.Total
				cw.Write([]string{"total", "", strconv.Itoa(t.Licences), strconv.Itoa(t.Seats), strconv.Itoa(t.InUse), strconv.Itoa(t.Free)})
				cw.Flush()
				return cw.Error()
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, g := range groups {
				fmt.Fprintf(tw, "%s\tLICENCES\tSEATS\tIN USE\tFREE\n", strings.ToUpper(g.name))
				for _, r := range g.rows {
					name := printable(r.Name)
					if name == "" {
						name = "(none)"
					}
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", name, r.Licences, r.Seats, r.InUse, r.Free)
				}
				fmt.Fprintln(tw)
			}
			t := rep.Total
			fmt.Fprintf(tw, "TOTAL\t%d\t%d\t%d\t%d\n", t.Licences, t.Seats, t.InUse, t.Free)
			return tw.Flush()
		},
	})
}
