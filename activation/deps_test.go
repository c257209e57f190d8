package activation_test

import (
	"os/exec"
	"strings"
	"testing"
)

func deps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	m := map[string]bool{}
	for _, d := range strings.Fields(string(out)) {
		m[d] = true
	}
	return m
}

// TestOfflineProductLinksNoNetwork: a product that must never open a
// socket uses activation (Check, Activate, the Client without a Server)
// and verify, and links no network code: not net, net/http or
// crypto/tls, and of actkit only the product side. The online half lives
// in activation/online; the control program using it does link net/http,
// so the test can tell.
func TestOfflineProductLinksNoNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	allowed := map[string]bool{"codec": true, "verify": true, "activation": true, "internal/atomicfile": true,
		"activation/testdata/offlineproduct": true}
	for _, pkg := range []string{".", "../verify", "./testdata/offlineproduct"} {
		for dep := range deps(t, pkg) {
			switch {
			case dep == "net" || strings.HasPrefix(dep, "net/http") || dep == "crypto/tls" || strings.HasPrefix(dep, "crypto/x509"):
				t.Errorf("%s links %s", pkg, dep)
			case strings.HasPrefix(dep, "github.com/actkit/actkit/") && !allowed[strings.TrimPrefix(dep, "github.com/actkit/actkit/")]:
				t.Errorf("%s links %s", pkg, dep)
			}
		}
	}
	if !deps(t, "./testdata/onlineproduct")["net/http"] {
		t.Fatal("the control program with activation/online does not link net/http: this test would prove nothing")
	}
}
