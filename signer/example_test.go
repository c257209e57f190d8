package signer_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/signer"
)

func Example() {
	dir, _ := os.MkdirTemp("", "actkit-example")
	defer os.RemoveAll(dir)
	ledger, err := signer.Open(filepath.Join(dir, "ledger.db"), signer.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ledger.Close()

	keys := &keygen.Keyset{} // in practice: the keystore's keys
	keys.Add(rand.Reader, "umenu", codec.Ed25519, time.Now())
	ledger.AddProduct(signer.Product{ID: "umenu", Features: []string{"export", "api"}})
	lic, _ := ledger.NewLicence(rand.Reader, signer.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry, Features: []string{"api"}})

	first, _ := ledger.Issue(keys, signer.IssueRequest{Licence: lic.Key, Machine: "11GZP-ZZRR5-00000-00005"})
	again, _ := ledger.Issue(keys, signer.IssueRequest{Licence: lic.Key, Machine: "11GZP-ZZRR5-00000-00005"})
	fmt.Println(first.Serial, again.Reissued, again.Code == first.Code)

	_, err = ledger.Issue(keys, signer.IssueRequest{Licence: lic.Key, Machine: "1R8FX-57RR5-00000-0000K"})
	var refusal *signer.Refusal
	if errors.As(err, &refusal) {
		fmt.Println(refusal.Code, len(refusal.Holders))
	}
	n, _, err := ledger.VerifyChain()
	fmt.Println(n, err)
	// Output:
	// 1 true true
	// seat-limit 1
	// 4 <nil>
}
