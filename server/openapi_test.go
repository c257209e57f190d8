package server

import (
	"github.com/actkit/actkit/licensing"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIDocumentsEveryRouteAndCode: api/openapi.yaml names every
// route the server registers and every problem code it can answer; and
// every code has its words. The end-to-end test in cmd/actkit shows each
// code a product can cause is produced.
func TestOpenAPIDocumentsEveryRouteAndCode(t *testing.T) {
	doc, err := os.ReadFile("../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	var src []byte
	for _, f := range []string{"api.go", "admin.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	routes := regexp.MustCompile(`HandleFunc\("(?:GET|POST) (/[^"]*)"`).FindAllStringSubmatch(string(src), -1)
	if len(routes) < 7 {
		t.Fatalf("found %d routes in api.go", len(routes))
	}
	for _, r := range routes {
		if !strings.Contains(text, "\n  "+r[1]+":\n") {
			t.Errorf("route %s is not in api/openapi.yaml", r[1])
		}
	}
	// The paths registered in a loop (the US spellings) are in allowed.
	for path := range allowed {
		if !strings.Contains(text, "\n  "+path+":\n") {
			t.Errorf("route %s is not in api/openapi.yaml", path)
		}
	}
	codes := 0
	for code, words := range messages {
		codes++
		if words == "" {
			t.Errorf("%s has no words", code)
		}
		if !strings.Contains(text, "        - "+code+"\n") {
			t.Errorf("problem code %s is not in api/openapi.yaml", code)
		}
	}
	for _, r := range licensing.Reasons() {
		if _, ok := reasonProblems[r]; !ok {
			t.Errorf("licensing reason %v has no problem code", r)
		}
	}
	for _, p := range reasonProblems {
		if messages[p.code] == "" {
			t.Errorf("reason code %s has no words", p.code)
		}
	}
	if codes < 20 {
		t.Fatalf("only %d codes", codes)
	}
}
