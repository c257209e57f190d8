package main

import (
	"testing"

	"github.com/actkit/actkit/internal/pgtest"
)

// TestServeLedgerReplica runs the real binary on a PostgreSQL ledger with
// --ledger-replica naming a hot standby of it (a primary and a standby
// of the test's own, streaming on 127.0.0.1): activations and validations
// succeed, and go on succeeding after the standby stops.
func TestServeLedgerReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two database servers")
	}
	primary := pgtest.NewCluster(t)
	bin := actkitBinary(t)
	v := newVendor(t, bin, primary.URL())
	v.run("keys", "new", "--product", "umenu")
	v.run("product", "add", "umenu")
	lic := v.run("licence", "new", "--product", "umenu", "--seats", "2")
	standby := pgtest.NewStandby(t, primary)
	url, _, logs := v.serve("--ledger-replica", standby.URL())
	const guid = "9b2d6c1e-4f3a-4e8b-a1d2-7c6b5a4f3e2d"
	if r := call(t, "POST", url+"/api/licence/activate", lic, `{"machineId":"`+guid+`"}`); r.status != 200 {
		t.Fatalf("activate: %d %v", r.status, r.body)
	}
	// Just activated: the standby may not have it yet; the primary does.
	if r := call(t, "POST", url+"/api/licence/validate", lic, `{"machineId":"`+guid+`"}`); r.status != 200 || r.body["valid"] != true {
		t.Fatalf("validate: %d %v", r.status, r.body)
	}
	standby.Stop("fast")
	for range 3 {
		if r := call(t, "POST", url+"/api/licence/validate", lic, `{"machineId":"`+guid+`"}`); r.status != 200 || r.body["valid"] != true {
			t.Fatalf("validate with the standby stopped: %d %v\n%s", r.status, r.body, logs)
		}
	}
	if r := call(t, "GET", url+"/api/licence", lic, ""); r.status != 200 || r.body["activeCount"] != 1.0 {
		t.Fatalf("GET licence with the standby stopped: %d %v", r.status, r.body)
	}
}
