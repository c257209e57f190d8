package server

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/actkit/actkit/codec"
)

// An answer never carries a licence key in full: answers pass through
// proxies, client logs and support tickets, and a key is what activates.
// A refusal's detail names its licence masked (maskedKey), and every
// other text a problem's detail might repeat of the request's keys (a
// ledger's "no licence KEY", in any spelling) is masked on the way out:
// caller hides the keys a request names, writeProblem masks them.

// maskedKey is a licence key's display form with its middle groups left
// out ("UMENU-…-H3NPM"): enough for a customer to tell their licences
// apart in an answer, without the answer carrying a whole key.
func maskedKey(display string) string {
	first, rest, ok := strings.Cut(display, "-")
	if !ok {
		if len(display) <= 8 {
			return display[:len(display)/2] + "…"
		}
		return display[:4] + "…" + display[len(display)-4:]
	}
	i := strings.LastIndexByte(rest, '-')
	return first + "-…-" + rest[i+1:]
}

// hide records texts (licence keys a request names, never an API token,
// whose mask would show part of its secret) that writeProblem masks in a
// problem's detail.
func hide(w http.ResponseWriter, texts ...string) {
	sw, ok := w.(*statusWriter)
	if !ok {
		return
	}
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			sw.hidden = append(sw.hidden, t)
		}
	}
}

// minHidden is the shortest text masked: shorter ones (a key's group)
// say nothing of a whole key, and would mask ordinary words.
const minHidden = 8

// maskHidden masks in detail every hidden key in its forms: as sent, its
// normal and binding forms (codec.NormalizeLicenceKey,
// codec.LicenceKeyBinding), each also without separators, in any case.
func maskHidden(detail string, hidden []string) string {
	if detail == "" {
		return detail
	}
	compact := strings.NewReplacer("-", "", " ", "")
	for _, h := range hidden {
		forms := []string{h}
		if n, err := codec.NormalizeLicenceKey(h); err == nil {
			forms = append(forms, n)
		}
		if n, _, err := codec.LicenceKeyBinding(h); err == nil {
			forms = append(forms, n)
		}
		for _, f := range forms {
			for _, v := range []string{f, compact.Replace(f)} {
				if len(v) < minHidden || !strings.Contains(strings.ToUpper(detail), strings.ToUpper(v)) {
					continue
				}
				detail = regexp.MustCompile("(?i)"+regexp.QuoteMeta(v)).ReplaceAllLiteralString(detail, maskedKey(v))
			}
		}
	}
	return detail
}
