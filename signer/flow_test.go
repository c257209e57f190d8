package signer_test

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/verify"
)

// TestWholeFlow is the issue's story against a real SQLite file.
func TestWholeFlow(t *testing.T) {
	l, ks, li := setup(t, 2)
	a, b, c := uid(1), uid(2), uid(3)
	codeA, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: a})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: b}); err != nil {
		t.Fatal(err)
	}
	// The third machine is refused, naming the holders and the way out.
	_, err = l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: c})
	var ref *signer.Refusal
	if !errors.As(err, &ref) || ref.Code != signer.CodeSeatLimit || len(ref.Holders) != 2 {
		t.Fatalf("third machine: %v", err)
	}
	if !strings.Contains(ref.Message, a) || !strings.Contains(ref.Hint, "actkit release") {
		t.Fatalf("seat-limit message %q hint %q", ref.Message, ref.Hint)
	}
	// Re-issuing to the first machine takes no seat and returns the same code.
	again, err := l.Issue(ks, signer.IssueRequest{Licence: strings.ToLower(li.Key), Machine: strings.ToLower(a)})
	if err != nil || !again.Reissued || again.Serial != codeA.Serial || again.Code != codeA.Code {
		t.Fatalf("re-issue: %+v %v", again, err)
	}
	if got, _ := l.Licence(li.Key); got.InUse != 2 {
		t.Fatalf("seats in use %d", got.InUse)
	}
	// Release one; the third machine now succeeds.
	serial, err := l.Release(li.Key, b)
	if err != nil || serial == 0 {
		t.Fatalf("release: %v", err)
	}
	codeC, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: c})
	if err != nil {
		t.Fatal(err)
	}
	// The codes verify with the exported keyring; A's code fails on B.
	kr, err := ks.Export("umenu", false)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := verify.NewKeyring(kr)
	for _, is := range []signer.Issued{codeA, codeC} {
		terms, err := v.Verify(is.Code, verify.Binding{Product: "umenu", LicenceKey: li.Key, MachineUID: is.Machine}, testNow)
		if err != nil {
			t.Fatalf("serial %d: %v", is.Serial, err)
		}
		if terms.Serial != is.Serial || !terms.HasFeature(0) || terms.HasFeature(1) || !terms.HasFeature(2) || terms.Expires.String() != "2027-11-23" {
			t.Fatalf("terms %+v", terms)
		}
	}
	_, err = v.Verify(codeA.Code, verify.Binding{Product: "umenu", LicenceKey: li.Key, MachineUID: b}, testNow)
	if !errors.Is(err, verify.ErrWrongMachine) {
		t.Fatalf("A's code on B: %v", err)
	}
	if n, _, err := l.VerifyChain(); err != nil || n < 6 {
		t.Fatalf("chain: %d %v", n, err)
	}
	if err := l.IntegrityCheck(); err != nil {
		t.Fatal(err)
	}
}

func TestRefusals(t *testing.T) {
	l, ks, li := setup(t, 1)
	m := uid(1)
	typo := []byte(li.Key)
	typo[len(typo)-2] = map[bool]byte{true: 'A', false: 'B'}[typo[len(typo)-2] == 'B']
	unknown, _ := codec.NewLicenceKey(rand.Reader, "UMENU")
	cases := []struct {
		name string
		req  signer.IssueRequest
		code string
	}{
		{"typo in licence", signer.IssueRequest{Licence: string(typo), Machine: m}, signer.CodeLicenceTypo},
		{"unknown licence", signer.IssueRequest{Licence: unknown, Machine: m}, signer.CodeUnknownLicence},
		{"machine typo", signer.IssueRequest{Licence: li.Key, Machine: m[:len(m)-1] + "0"}, signer.CodeBadMachine},
		{"both forms", signer.IssueRequest{Licence: li.Key, Machine: m, Request: "x"}, signer.CodeInvalid},
		{"bad request code", signer.IssueRequest{Request: "2222222222"}, signer.CodeBadRequest},
	}
	for _, c := range cases {
		if _, err := l.Issue(ks, c.req); signer.RefusalCode(err) != c.code {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
	if _, err := l.Issue(ks, signer.IssueRequest{Licence: string(typo), Machine: m}); !strings.Contains(err.Error(), "did you mistype it?") {
		t.Errorf("typo message: %v", err)
	}

	// Suspended, resumed, expired, revoked, no key, wrong product.
	if _, err := l.Suspend(li.Key, "unpaid"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: m}); signer.RefusalCode(err) != signer.CodeSuspended {
		t.Fatalf("suspended: %v", err)
	}
	l.Resume(li.Key, "paid")
	past, _ := codec.ParseDay("2026-01-01")
	if _, err := l.Extend(li.Key, past); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: m}); signer.RefusalCode(err) != signer.CodeExpired {
		t.Fatalf("expired: %v", err)
	}
	l.Extend(li.Key, codec.NoExpiry)
	empty := &keygen.Keyset{}
	if _, err := l.Issue(empty, signer.IssueRequest{Licence: li.Key, Machine: m}); signer.RefusalCode(err) != signer.CodeNoActiveKey {
		t.Fatalf("no key: %v", err)
	}
	req := codec.RequestCode{Product: "other", LicenceKey: li.Key, ProductVersion: "1.0"}
	req.MachineUID, _ = codec.ParseMachineUID(m)
	txt, _ := req.Text()
	if _, err := l.Issue(ks, signer.IssueRequest{Request: txt}); signer.RefusalCode(err) != signer.CodeWrongProduct {
		t.Fatalf("wrong product: %v", err)
	}
	if _, err := l.Revoke(li.Key, "refund"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: m}); signer.RefusalCode(err) != signer.CodeRevoked {
		t.Fatalf("revoked: %v", err)
	}
	if _, err := l.Resume(li.Key, ""); signer.RefusalCode(err) != signer.CodeRevoked {
		t.Fatalf("revoked licence changed: %v", err)
	}
	// Nothing refused was recorded as an activation.
	got, _ := l.Licence(li.Key)
	if got.InUse != 0 {
		t.Fatalf("refusals took %d seats", got.InUse)
	}
}
