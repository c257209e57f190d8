package licensing

import (
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
)

// Plan is a licence type of a product: what a licence of that type grants
// and how its machines are managed online. Every product has the default
// plans (DefaultPlans), which the vendor can change, and any of its own.
type Plan struct {
	Product string `json:"product"`
	ID      string `json:"id"` // "core", "pro-monthly", ...
	Name    string `json:"name"`
	Seats   int    `json:"seats"`
	// TermMonths is how long a new licence runs (0: perpetual).
	TermMonths int      `json:"termMonths"`
	Features   []string `json:"features"`
	// LeaseDays, if positive, makes every code expire that many days
	// after issue: an online product renews it by validating, and a seat
	// whose lease lapsed is free again.
	LeaseDays int `json:"leaseDays"`
	// ValidateHours is how often products validate online.
	ValidateHours int `json:"validateHours"`
	// OfflineGraceDays is how long a product runs on its last answer.
	OfflineGraceDays int `json:"offlineGraceDays"`
	// ReleaseBudget is how many deactivations a licence may make in 30
	// days (0: no limit), so that deactivate/activate churn cannot mint
	// codes for more machines than the seats.
	ReleaseBudget int `json:"releaseBudget"`
}

// Plan defaults.
const (
	DefaultValidateHours    = 24
	DefaultOfflineGraceDays = 7
	ReleaseWindow           = 30 * 24 * time.Hour
)

// DefaultPlans are the licence types every product starts with: Core
// (free) 1 seat; Pro Monthly and Pro Annual, 3 seats with every feature
// for a month or a year; Custom, negotiated per licence.
func DefaultPlans(p Product) []Plan {
	all := append([]string{}, p.Features...)
	base := Plan{Product: p.ID, ValidateHours: DefaultValidateHours, OfflineGraceDays: DefaultOfflineGraceDays}
	core, monthly, annual, custom := base, base, base, base
	core.ID, core.Name, core.Seats, core.Features = "core", "Core (free)", 1, []string{}
	monthly.ID, monthly.Name, monthly.Seats, monthly.TermMonths, monthly.Features, monthly.LeaseDays, monthly.ReleaseBudget = "pro-monthly", "Pro Monthly", 3, 1, all, 14, 6
	annual.ID, annual.Name, annual.Seats, annual.TermMonths, annual.Features, annual.LeaseDays, annual.ReleaseBudget = "pro-annual", "Pro Annual", 3, 12, all, 30, 6
	custom.ID, custom.Name, custom.Seats, custom.Features = "custom", "Custom", 1, []string{}
	return []Plan{core, monthly, annual, custom}
}

// Validate checks a plan against its product.
func (pl Plan) Validate(p Product) error {
	if pl.ID == "" || len(pl.ID) > 32 || strings.Trim(pl.ID, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return refuse(ErrInvalid, "a plan ID is 1 to 32 lower-case letters, digits and hyphens")
	}
	if err := CheckSeats(pl.Seats, 0); err != nil {
		return err
	}
	if pl.TermMonths < 0 || pl.TermMonths > 1200 || pl.LeaseDays < 0 || pl.LeaseDays > 3650 ||
		pl.ValidateHours < 0 || pl.OfflineGraceDays < 0 || pl.ReleaseBudget < 0 {
		return refuse(ErrInvalid, "plan terms must be positive (term up to 100 years, lease up to 10 years)")
	}
	if _, err := p.FeatureBits(pl.Features); err != nil {
		return err
	}
	return nil
}

// Expiry is the expiry day of a licence of this plan started today.
func (pl Plan) Expiry(today codec.Day) codec.Day {
	if pl.TermMonths == 0 {
		return codec.NoExpiry
	}
	return codec.DayOf(today.Start().AddDate(0, pl.TermMonths, 0)) - 1
}
