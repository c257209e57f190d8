package portal

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	"github.com/actkit/actkit/signer"
)

// overviewTTL is how long the dashboard reuses an overview: its day
// counts read the activations of 30 days, which a dashboard left open
// and reloaded should not repeat for every view.
const overviewTTL = time.Minute

// overviewCache holds the last overview read.
type overviewCache struct {
	mu   sync.Mutex
	at   time.Time
	last signer.Overview
}

// get returns an overview at most overviewTTL old.
func (c *overviewCache) get(ctx context.Context, svc *signer.Service, now time.Time) (signer.Overview, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && now.Sub(c.at) < overviewTTL && now.After(c.at) {
		return c.last, nil
	}
	o, err := svc.Overview(ctx)
	if err != nil {
		return o, err
	}
	c.at, c.last = now, o
	return o, nil
}

// overview is the dashboard's summary as the template shows it.
type overview struct {
	signer.Overview
	Chart template.HTML
	// Activations and Refusals are the 30 days' totals.
	Activations, Refusals int
}

func newOverview(o signer.Overview) overview {
	v := overview{Overview: o, Chart: activityChart(o.Days)}
	for _, d := range o.Days {
		v.Activations += d.Activations
		v.Refusals += d.Refusals
	}
	return v
}

// activityChart draws activations and refusals per day as an SVG bar
// chart, made here so that it needs no script and no external asset.
// Every number in it is the server's; the text is escaped.
func activityChart(days []signer.DayActivity) template.HTML {
	const (
		w, h         = 640, 200
		left, bottom = 36, 24
		top          = 10
	)
	peak := 1
	for _, d := range days {
		peak = max(peak, d.Activations, d.Refusals)
	}
	plotH := float64(h - bottom - top)
	slot := float64(w-left) / float64(max(len(days), 1))
	bar := slot * 0.4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title"><title id="chart-title">Activations and refusals per day, last %d days</title>`, w, h, len(days))
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, h-bottom, w, h-bottom)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%d</text><text x="%d" y="%d" text-anchor="end">0</text>`, left-4, top+8, peak, left-4, h-bottom)
	for i, d := range days {
		x := float64(left) + float64(i)*slot + slot*0.1
		for j, n := range []int{d.Activations, d.Refusals} {
			if n == 0 {
				continue
			}
			bh := plotH * float64(n) / float64(peak)
			cls := [2]string{"act", "ref"}[j]
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d %s</title></rect>`,
				cls, x+float64(j)*bar, float64(h-bottom)-bh, bar, bh, d.Day, n, [2]string{"activations", "refusals"}[j])
		}
		if i%5 == 0 || i == len(days)-1 {
			// The last day's label ends at the chart's edge, not past it.
			anchor, lx := "middle", x+bar
			if i == len(days)-1 {
				anchor, lx = "end", float64(w)
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="%s">%s</text>`, lx, h-6, anchor, template.HTMLEscapeString(d.Day.String()[5:]))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
