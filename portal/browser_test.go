package portal_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/portal"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/verify"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

var updateShots = flag.Bool("update-screenshots", false, "write the pages' screenshots into docs/portal/")

// docShots are the screenshots docs/portal.md shows.
var docShots = map[string]bool{"code": true, "seat-limit": true, "my-licence": true, "dashboard-licence": true,
	"dashboard": true, "dashboard-dark": true, "revoke-confirm": true, "my-licence-revoked": true, "my-licence-token": true}

// vendorSite is a licence server with its pages on 127.0.0.1, over a
// real ledger and real keys.
type vendorSite struct {
	url     string
	svc     *signer.Service
	keyring *verify.Keyring
	product string
}

func newSite(t *testing.T) *vendorSite { t.Helper(); return newSiteWith(t, nil) }

// newSiteWith is newSite with the pages' configuration changed by edit.
func newSiteWith(t *testing.T, edit func(*portal.Config)) *vendorSite {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ks := keygen.NewKeyset()
	if _, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now()); err != nil {
		t.Fatal(err)
	}
	svc := signer.New(store, ks, signer.Options{})
	if _, err := svc.AddProduct(ctx, "umenu", "", []string{"export", "cloud"}); err != nil {
		t.Fatal(err)
	}
	kr, err := ks.Export("umenu", false)
	if err != nil {
		t.Fatal(err)
	}
	vkr, err := verify.ParseKeyring(kr.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := portal.Config{Service: svc, Rate: 1000, Burst: 1000, SignInRate: 1000, SignInBurst: 1000}
	if edit != nil {
		edit(&cfg)
	}
	pages, err := portal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Pages: pages, Rate: 1e6, Burst: 1 << 20}))
	t.Cleanup(srv.Close)
	return &vendorSite{url: srv.URL, svc: svc, keyring: vkr, product: "umenu"}
}

func (s *vendorSite) licence(t *testing.T, seats int) licensing.Licence {
	t.Helper()
	li, err := s.svc.NewLicence(context.Background(), rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: seats,
		Expires: codec.NoExpiry, Features: []string{"export"}, Customer: "ACME Plant 3"})
	if err != nil {
		t.Fatal(err)
	}
	return li
}

// machineUID is machine n's UID, with a network adapter and an OS ID.
func machineUID(n int) codec.MachineUID {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork], u.Slots[codec.SlotOSID], u.Slots[codec.SlotCPU], u.Slots[codec.SlotVersion] = uint16(100+n), uint16(900+n), 5, 42
	return u
}

// requestCode is what the product on machine n shows.
func requestCode(t *testing.T, lic string, n int) string {
	t.Helper()
	rc, err := codec.RequestCode{Product: "umenu", LicenceKey: lic, MachineUID: machineUID(n), ProductVersion: "4.2.17"}.Text()
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// browser starts headless Chromium (Debian's chromium), or skips when it
// is missing (fails under CI, which installs it).
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if path, err = exec.LookPath("chromium-browser"); err != nil {
			msg := "no Chromium: install Debian's chromium (apt-get install -y chromium) to run the browser tests"
			if os.Getenv("CI") != "" {
				t.Fatal(msg + " (CI installs it)")
			}
			t.Skip(msg)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.Flag("window-size", "1000,900"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// shot saves a screenshot of the page as a test artifact (in
// ACTKIT_ARTIFACTS, or a folder under the system's temp folder), and
// into docs/portal/ with -update-screenshots.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("ACTKIT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "actkit-portal-screenshots")
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if *updateShots && docShots[name] {
		if err := os.WriteFile(filepath.Join("..", "docs", "portal", name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// fillActivation fills and sends the manual activation form, pasting the
// licence key and the request code as a customer copying them would, and
// waits for the page that answers (main[data-page=...]): want is
// "code", "seatlimit", or "activate" (the form again, with an error).
func fillActivation(ctx context.Context, url, lic, request, want string) error {
	wait := chromedp.CSS("main[data-page=" + want + "]")
	if want == "activate" {
		wait = chromedp.CSS("main[data-page=activate] .error")
	}
	return chromedp.Do(ctx,
		chromedp.Navigate(url+"/activate"),
		chromedp.SetValue(chromedp.CSS("#licence"), lic),
		chromedp.SetValue(chromedp.CSS("#request"), request),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(wait),
	)
}

// TestManualActivationInABrowser: the customer's round trip, in
// Chromium: the code read from the page verifies for that licence and
// machine; a typo in the request code is named by group; the seat limit
// says which machines hold the seats and how to free one.
func TestManualActivationInABrowser(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	li := site.licence(t, 1)
	shotTaken := false
	start := time.Now()
	if err := fillActivation(ctx, site.url, li.Display, requestCode(t, li.Display, 1), "code"); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#code"), "data-copy"))
	if err != nil || !attr.Exists {
		t.Fatalf("no code on the page: %v; page says %q", err, text(t, ctx, "main"))
	}
	if _, err := site.keyring.Verify(attr.Value, verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: machineUID(1).String()}, time.Now()); err != nil {
		t.Fatalf("the code from the page does not verify: %v", err)
	}
	t.Logf("manual round trip in Chromium (open the form, paste, submit, the code on the page): %s", elapsed)
	page := text(t, ctx, "main")
	for _, want := range []string{"Group 1", "capital ", "small ", "Copy"} {
		if !strings.Contains(page+text(t, ctx, "body"), want) {
			t.Errorf("the result page lacks %q", want)
		}
	}
	if ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector(".qr img").complete && document.querySelector(".qr img").naturalWidth > 0`, chromedp.WithPollingTimeout(5*time.Second))); err != nil || !ok {
		t.Errorf("the QR code did not load: %v", err)
	}
	shot(t, ctx, "code")
	shotTaken = true

	// A typo in the request code: the group is named.
	rc := []byte(requestCode(t, li.Display, 2))
	i := strings.IndexByte(string(rc), '-') + 3 // inside group 2
	if rc[i] == 'x' {
		rc[i] = 'y'
	} else {
		rc[i] = 'x'
	}
	if err := fillActivation(ctx, site.url, li.Display, string(rc), "activate"); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, ctx, ".error"); !strings.Contains(msg, "group 2") {
		t.Errorf("typo message: %q", msg)
	}
	shot(t, ctx, "typo")

	// The only seat is taken: the page names the machine that holds it.
	if err := fillActivation(ctx, site.url, li.Display, requestCode(t, li.Display, 2), "seatlimit"); err != nil {
		t.Fatal(err)
	}
	page = text(t, ctx, "main")
	if !strings.Contains(page, "Every seat of this licence is in use") || !strings.Contains(page, machineUID(1).String()) || !strings.Contains(page, "sign in to My licence") {
		t.Errorf("seat-limit page: %q", page)
	}
	shot(t, ctx, "seat-limit")
	if !shotTaken {
		t.Fatal("no screenshot")
	}
}

// TestMyLicenceDeactivation: the customer signs in with the licence key,
// sees the machine, deactivates it, and another machine then activates.
func TestMyLicenceDeactivation(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	li := site.licence(t, 1)
	if err := fillActivation(ctx, site.url, li.Display, requestCode(t, li.Display, 1), "code"); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(site.url+"/licence"),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
		chromedp.SendKeys(chromedp.CSS("#secret"), strings.ToLower(li.Display)),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("main[data-page=licence] table")),
	)
	if err != nil {
		t.Fatal(err)
	}
	page := text(t, ctx, "main")
	if !strings.Contains(page, machineUID(1).String()) || !strings.Contains(page, "1 of 1 in use") {
		t.Fatalf("My licence: %q", page)
	}
	shot(t, ctx, "my-licence")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("td form button")), chromedp.WaitVisible(chromedp.CSS(".message"))); err != nil {
		t.Fatal(err)
	}
	if page := text(t, ctx, "main"); !strings.Contains(page, "0 of 1 in use") || !strings.Contains(page, "No machine holds a seat") {
		t.Fatalf("after deactivating: %q", page)
	}
	if err := fillActivation(ctx, site.url, li.Display, requestCode(t, li.Display, 2), "code"); err != nil {
		t.Fatalf("the second machine did not get a code: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#code"), "data-copy")); err != nil {
		t.Fatalf("the second machine did not get a code: %q", text(t, ctx, "main"))
	}
}

// TestDashboard: staff sign in with an admin token, search by customer,
// open a licence with its machines and audit trail, suspend it, and
// export the search as CSV.
func TestDashboard(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	li := site.licence(t, 2)
	if _, err := site.svc.Issue(context.Background(), licensing.IssueRequest{Licence: li.Display, Machine: machineUID(1).String()}); err != nil {
		t.Fatal(err)
	}
	_, token, err := site.svc.NewToken(context.Background(), rand.Reader, "staff", licensing.ScopeAdmin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(site.url+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
		chromedp.SendKeys(chromedp.CSS("#secret"), token),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("main[data-page=dashboard] #q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "acme plant"),
		chromedp.Click(chromedp.CSS("form[role=search] button")),
		// The results page, not the dashboard it was sent from: its
		// search field carries the query.
		chromedp.WaitVisible(chromedp.CSS(`main[data-page=dashboard] #q[value="acme plant"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if page := text(t, ctx, "main"); !strings.Contains(page, li.Display) {
		t.Fatalf("search: %q", page)
	}
	shot(t, ctx, "dashboard")
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("td a")), chromedp.WaitVisible(chromedp.CSS("main[data-page=staff_licence] #reason")))
	if err != nil {
		t.Fatal(err)
	}
	page := text(t, ctx, "main")
	if !strings.Contains(page, machineUID(1).String()) || !strings.Contains(page, "code.issue") || !strings.Contains(page, "licence.new") {
		t.Fatalf("licence page: %q", page)
	}
	shot(t, ctx, "dashboard-licence")
	// Suspending asks first; the confirmation page says what it does.
	err = chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#reason"), "unpaid"), chromedp.Click(chromedp.CSS("#suspend")),
		chromedp.WaitVisible(chromedp.CSS("main[data-page=confirm] #confirm")))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := site.svc.Licence(context.Background(), li.Display); got.Status != licensing.Active {
		t.Fatalf("suspended before it was confirmed: %s", got.Status)
	}
	if page := text(t, ctx, "#effects"); !strings.Contains(page, "1 machine(s) hold seats") {
		t.Errorf("the confirmation does not say what it affects: %q", page)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS(".message"))); err != nil {
		t.Fatal(err)
	}
	if got, _ := site.svc.Licence(context.Background(), li.Display); got.Status != licensing.Suspended {
		t.Fatalf("status after suspending: %s", got.Status)
	}
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/admin/licences.csv?q=acme").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(csv, li.Display) || !strings.HasPrefix(csv, "licence,product") {
		t.Fatalf("CSV export: %v %q", err, csv)
	}
}

// TestCrossSitePostIsRefused: a page on another site that posts the
// activation form (as a forged form would) is refused, and nothing is
// issued.
func TestCrossSitePostIsRefused(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	li := site.licence(t, 1)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/activate"><input name="licence" value="%s"><input name="request" value="%s"></form><script>document.forms[0].submit()</script>`,
			site.url, li.Display, requestCode(t, li.Display, 1))
	}))
	defer evil.Close()
	// Another site: localhost, not 127.0.0.1.
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	if err := chromedp.Do(ctx, chromedp.Navigate(evilURL), chromedp.WaitVisible(chromedp.CSS("main[data-page=message]"))); err != nil {
		t.Fatal(err)
	}
	if h := text(t, ctx, "h1"); h != "Request refused" {
		t.Fatalf("a cross-site POST got %q: %q", h, text(t, ctx, "body"))
	}
	if got, _ := site.svc.Licence(context.Background(), li.Display); got.InUse != 0 {
		t.Fatal("the cross-site POST issued a code")
	}
}

// TestPagesWorkWithoutJavaScript: with scripts off, the round trip still
// works (the copy button, which only script adds, is absent).
func TestPagesWorkWithoutJavaScript(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	li := site.licence(t, 1)
	err := chromedp.Do(ctx,
		chromedp.Navigate(site.url+"/activate"),
		chromedp.SendKeys(chromedp.CSS("#licence"), li.Display),
		chromedp.SendKeys(chromedp.CSS("#request"), requestCode(t, li.Display, 1)),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("main[data-page=code]")))
	if err != nil {
		t.Fatal(err)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#code"), "data-copy"))
	if err != nil || !attr.Exists {
		t.Fatalf("no code without JavaScript: %v", err)
	}
	if _, err := site.keyring.Verify(attr.Value, verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: machineUID(1).String()}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text(t, ctx, "main"), "Copy") {
		t.Error("a copy button without JavaScript")
	}
	// A phone's screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); err != nil || wide {
		t.Errorf("the code page scrolls sideways on a phone: %v", err)
	}
	shot(t, ctx, "code-phone")
}

// TestCustomerTokenInABrowser: the customer signs in to My licence in
// Chromium, makes an API token with the form, sees it once (a reload
// shows only its ID), and an add-in's documented call with it
// (POST /api/licence/activate, Authorization: Bearer TOKEN) activates a
// machine over real HTTP; after the customer presses Revoke, the same
// call is refused.
func TestCustomerTokenInABrowser(t *testing.T) {
	site := newSite(t)
	ctx := browser(t)
	li := site.licence(t, 2)
	customerSignIn(t, ctx, site, li)
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#token-name"), "Excel add-in"),
		chromedp.Click(chromedp.CSS("#new-token-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-token")))
	if err != nil {
		t.Fatalf("making a token: %v; page says %q", err, text(t, ctx, "main"))
	}
	token := text(t, ctx, "#new-token")
	if !strings.HasPrefix(token, "actk_") || !strings.Contains(text(t, ctx, ".message"), "shown only this once") {
		t.Fatalf("the new token %q; page says %q", token, text(t, ctx, "main"))
	}
	if loc := evalJS[string](t, ctx, `location.pathname + location.search`); strings.Contains(loc, token[5:]) || loc != "/licence?done=token" {
		t.Fatalf("the page's address: %s", loc)
	}
	shot(t, ctx, "my-licence-token")
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#tokens"))); err != nil {
		t.Fatal(err)
	}
	if page := text(t, ctx, "main"); strings.Contains(page, token[5:]) || !strings.Contains(page, "Excel add-in") ||
		evalJS[int](t, ctx, `document.querySelectorAll("#new-token").length`) != 0 {
		t.Fatalf("the reloaded page: %q", page)
	}
	if ts, _ := site.svc.LicenceTokens(context.Background(), li.Key); len(ts) != 1 {
		t.Fatalf("%d tokens after a reload", len(ts))
	}

	// The add-in's call, as the licence API documents it.
	activate := func() (int, string) {
		t.Helper()
		body := `{"licenceKey": "` + li.Display + `", "machineId": "550e8400-e29b-41d4-a716-446655440000", "machineName": "DESKTOP-ABC123"}`
		req, _ := http.NewRequest("POST", site.url+"/api/licence/activate", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		code, _ := m["code"].(string)
		if resp.StatusCode == 200 && (m["machineId"] != "550e8400-e29b-41d4-a716-446655440000" || m["activeCount"] != 1.0 || m["maxActivations"] != 2.0) {
			t.Errorf("the activation's answer: %v", m)
		}
		return resp.StatusCode, code
	}
	if st, code := activate(); st != 200 {
		t.Fatalf("activating with the page's token: %d %s", st, code)
	}
	if got, _ := site.svc.Licence(context.Background(), li.Display); got.InUse != 1 {
		t.Fatalf("%d seats in use after the token's activation", got.InUse)
	}

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#tokens form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".message")))
	if err != nil {
		t.Fatal(err)
	}
	if page := text(t, ctx, "main"); !strings.Contains(page, "was revoked") || !strings.Contains(page, "revoked") {
		t.Fatalf("after revoking: %q", page)
	}
	if st, code := activate(); st != http.StatusUnauthorized || code != "INVALID_TOKEN" {
		t.Fatalf("activating with the revoked token: %d %s", st, code)
	}
}
