package portal_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/portal"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// staffSignIn signs the browser in with a new token of the scope.
func staffSignIn(t *testing.T, ctx context.Context, site *vendorSite, scope string) {
	t.Helper()
	_, token, err := site.svc.NewToken(context.Background(), rand.Reader, "staff", scope, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(site.url+"/admin/sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
		chromedp.SendKeys(chromedp.CSS("#secret"), token),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("main[data-page=dashboard]")))
	if err != nil {
		t.Fatal(err)
	}
}

// customerSignIn signs the browser in to My licence.
func customerSignIn(t *testing.T, ctx context.Context, site *vendorSite, li licensing.Licence) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(site.url+"/licence/sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
		chromedp.SendKeys(chromedp.CSS("#secret"), li.Display),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("main[data-page=licence]")))
	if err != nil {
		t.Fatal(err)
	}
}

func evalJS[T any](t *testing.T, ctx context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// TestDashboardOverview: the dashboard's first page shows the totals,
// the activity of 30 days as an SVG chart drawn by the server (JavaScript
// off), the licences expiring soon and the newest events.
func TestDashboardOverview(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	bg := context.Background()
	full := site.licence(t, 1)
	if _, err := site.svc.Issue(bg, licensing.IssueRequest{Licence: full.Display, Machine: machineUID(1).String()}); err != nil {
		t.Fatal(err)
	}
	for n := 2; n <= 3; n++ { // two refusals: the only seat is held
		if _, err := site.svc.Issue(bg, licensing.IssueRequest{Licence: full.Display, Machine: machineUID(n).String()}); !errorsIsSeatLimit(err) {
			t.Fatalf("machine %d: %v", n, err)
		}
	}
	soon, err := site.svc.NewLicence(bg, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 5,
		Expires: codec.DayOf(time.Now()) + 10, Customer: "Soon GmbH"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := site.svc.Issue(bg, licensing.IssueRequest{Licence: soon.Display, Machine: machineUID(4).String()}); err != nil {
		t.Fatal(err)
	}
	staffSignIn(t, ctx, site, licensing.ScopeRead)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(site.url+"/admin"), chromedp.WaitVisible(chromedp.CSS("#stats"))); err != nil {
		t.Fatal(err)
	}
	stats := strings.Join(strings.Fields(text(t, ctx, "#stats")), " ")
	for _, want := range []string{"2 licences", "6 seats sold", "2 seats in use", "2 activations, 30 days", "2 refusals, 30 days"} {
		if !strings.Contains(stats, want) {
			t.Errorf("overview %q lacks %q", stats, want)
		}
	}
	today := codec.DayOf(time.Now()).String()
	// Today's bars: two activations and two refusals, both the chart's peak.
	bars := evalJS[[]string](t, ctx, `[...document.querySelectorAll("svg.chart rect")].map(r => r.getAttribute("class") + " " + r.querySelector("title").textContent + " " + r.getAttribute("height"))`)
	if len(bars) != 2 || !strings.HasPrefix(bars[0], "act "+today+": 2 activations") || !strings.HasPrefix(bars[1], "ref "+today+": 2 refusals") {
		t.Errorf("chart bars: %q", bars)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#days tbody tr").length`); n != 30 {
		t.Errorf("%d days in the figures, want 30", n)
	}
	if exp := text(t, ctx, "#expiring-soon"); !strings.Contains(exp, soon.Display) || strings.Contains(exp, full.Display) {
		t.Errorf("expiring soon: %q", exp)
	}
	if rec := text(t, ctx, "#recent"); !strings.Contains(rec, "code.issue") || !strings.Contains(rec, soon.Display) {
		t.Errorf("recent events: %q", rec)
	}
	if evalJS[bool](t, ctx, `document.querySelectorAll("main script").length > 0`) {
		t.Error("the overview holds a script")
	}
	shot(t, ctx, "dashboard")
	// Dark mode follows the system's setting.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	bg0 := evalJS[string](t, ctx, `getComputedStyle(document.documentElement).backgroundColor`)
	fg0 := evalJS[string](t, ctx, `getComputedStyle(document.documentElement).color`)
	if bg0 != "rgb(17, 17, 17)" || fg0 != "rgb(238, 238, 238)" {
		t.Errorf("dark mode: background %s, text %s", bg0, fg0)
	}
	shot(t, ctx, "dashboard-dark")
}

func errorsIsSeatLimit(err error) bool { return licensing.ReasonCode(err) == "seat-limit" }

// TestRevokeFromDashboard: revoking asks first and a cancel changes
// nothing; once confirmed the licence is revoked. Its customer can still
// sign in to My licence and see that, but is offered nothing that changes
// state, and a deactivation posted anyway is refused with the seat kept.
func TestRevokeFromDashboard(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	bg := context.Background()
	li := site.licence(t, 2)
	if _, err := site.svc.Issue(bg, licensing.IssueRequest{Licence: li.Display, Machine: machineUID(1).String()}); err != nil {
		t.Fatal(err)
	}
	staffSignIn(t, ctx, site, licensing.ScopeAdmin)
	nav, wait := chromedp.Navigate(site.url+"/admin/licence?key="+li.Display), chromedp.WaitVisible(chromedp.CSS("#revoke"))
	if err := chromedp.Do(ctx, nav, wait, chromedp.Click(chromedp.CSS("#revoke")), chromedp.WaitVisible(chromedp.CSS("main[data-page=confirm] #confirm"))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "revoke-confirm")
	if q := text(t, ctx, "main"); !strings.Contains(q, "cannot be undone") || !strings.Contains(q, "ACME Plant 3") {
		t.Errorf("revoke confirmation: %q", q)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("main a.button")), chromedp.WaitVisible(chromedp.CSS("main[data-page=staff_licence]"))); err != nil {
		t.Fatal(err)
	}
	if got, _ := site.svc.Licence(bg, li.Display); got.Status != licensing.Active {
		t.Fatalf("cancel changed the status to %s", got.Status)
	}
	if err := chromedp.Do(ctx, nav, wait, chromedp.SendKeys(chromedp.CSS("#reason"), "chargeback"), chromedp.Click(chromedp.CSS("#revoke")),
		chromedp.WaitVisible(chromedp.CSS("#confirm")), chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS(".message"))); err != nil {
		t.Fatal(err)
	}
	if got, _ := site.svc.Licence(bg, li.Display); got.Status != licensing.Revoked {
		t.Fatalf("after confirming: %s", got.Status)
	}
	if page := text(t, ctx, "main"); !strings.Contains(page, "licence.revoke") || !strings.Contains(page, "Revoked for good") {
		t.Errorf("licence page after revoking: %q", page)
	}

	// The customer of the revoked licence, in a fresh browser.
	cctx := browser(t)
	customerSignIn(t, cctx, site, li)
	page := text(t, cctx, "main")
	if !strings.Contains(page, "revoked") || !strings.Contains(page, machineUID(1).String()) {
		t.Errorf("My licence of a revoked licence: %q", page)
	}
	shot(t, cctx, "my-licence-revoked")
	if n := evalJS[int](t, cctx, `document.querySelectorAll("main form").length`); n != 0 {
		t.Errorf("a revoked licence's page offers %d forms", n)
	}
	// A deactivation posted anyway (a page left open, a hand-made form).
	status := evalJS[int](t, cctx, `(async () => { const f = new URLSearchParams({machine: "`+machineUID(1).String()+`"}); return (await fetch("/licence/deactivate", {method: "POST", body: f})).status })()`, chromedp.EvalAwaitPromise)
	if status != 403 {
		t.Errorf("deactivating on a revoked licence: status %d, want 403", status)
	}
	if got, _ := site.svc.Licence(bg, li.Display); got.InUse != 1 {
		t.Fatalf("the seat was freed on a revoked licence: %d in use", got.InUse)
	}
}

// TestCustomerPages: a customer's menu has no link to the vendor
// dashboard; a licence without a plan says so instead of "Type —"; on a
// phone, codes, keys and UIDs wrap only at their hyphens.
func TestCustomerPages(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	li := site.licence(t, 1)
	if err := fillActivation(ctx, site.url, li.Display, requestCode(t, li.Display, 1), "code"); err != nil {
		t.Fatal(err)
	}
	customerSignIn(t, ctx, site, li)
	if n := evalJS[int](t, ctx, `document.querySelectorAll('a[href^="/admin"]').length`); n != 0 {
		t.Errorf("a customer's page links to the dashboard %d times", n)
	}
	if dl := text(t, ctx, "dl"); !strings.Contains(dl, "custom terms (no plan)") || strings.Contains(dl, "—") {
		t.Errorf("a licence without a plan: %q", dl)
	}
	for _, path := range []string{"/", "/licence"} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 800), chromedp.Navigate(site.url+path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		if n := evalJS[int](t, ctx, `document.querySelectorAll('a[href^="/admin"]').length`); n != 0 {
			t.Errorf("%s links to the dashboard for a customer", path)
		}
	}
	// Every group on one line, and the long codes did wrap (at hyphens).
	split := evalJS[int](t, ctx, `[...document.querySelectorAll(".code .grp")].filter(g => g.getClientRects().length !== 1).length`)
	groups := evalJS[int](t, ctx, `document.querySelectorAll(".code .grp").length`)
	wrapped := evalJS[bool](t, ctx, `[...document.querySelectorAll(".code[data-copy]")].some(c => c.getClientRects().length > 1 || c.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(c).lineHeight))`)
	if groups < 10 || split != 0 || !wrapped {
		t.Errorf("%d groups, %d split across lines, code wrapped: %v", groups, split, wrapped)
	}
	shot(t, ctx, "my-licence-phone")
}

// TestVendorBrand: the vendor's name and logo replace "Licensing" on
// every page; the logo is served by the portal itself.
func TestVendorBrand(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0xc0
	}
	img.Set(0, 0, color.Black)
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	site := newSiteWith(t, func(c *portal.Config) { c.Brand = portal.Brand{Name: "Umenu Software GmbH", Logo: logo.Bytes()} })
	ctx := browser(t)
	for _, path := range []string{"/", "/activate", "/licence/sign-in"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(site.url+path), chromedp.WaitVisible(chromedp.CSS("header .brand"))); err != nil {
			t.Fatal(err)
		}
		title := evalJS[string](t, ctx, `document.title`)
		if h := text(t, ctx, "header .brand"); h != "Umenu Software GmbH" || !strings.HasSuffix(title, "Umenu Software GmbH") || strings.Contains(text(t, ctx, "body")+title, "Licensing") {
			t.Errorf("%s: header %q, title %q", path, h, title)
		}
	}
	if ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector("header .brand img"); return i.complete && i.naturalWidth === 8 && new URL(i.src).origin === location.origin })()`, chromedp.WithPollingTimeout(5*time.Second))); err != nil || !ok {
		t.Errorf("the logo did not load from the portal: %v", err)
	}
}
