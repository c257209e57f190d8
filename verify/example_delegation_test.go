package verify_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/actkit/actkit/verify"
)

// A shipped version 1 keyring, the first signed keyring its vendor
// published, a delegation certificate the server holds, and two codes the
// server signed under it: one that fits, one perpetual.
const (
	shippedKeyring = "actkit-keyring v1\nproduct umenu\nkey ed25519:b78c:2aFh47o1sforBEhYtHyG4H8JFEgWULuthJT7MZ2JtLWVmsuKSA\n"
	signedUpdate   = "actkit-keyring v2\nproduct umenu\nversion 1\nexpires 2027-11-23\nthreshold 1\nroot ed25519:b78c:2aFh47o1sforBEhYtHyG4H8JFEgWULuthJT7MZ2JtLWVmsuKSA\nsignature b78c 5zLcePgntpThoGEP9A5mLQjxj9DaCgzQy35kRoyJaxC59MJHGALSBXPTuhYX9BGqXJXhm6CaaoNnw9xrKi4ARiyY\n"
	serverCert     = "actkit-delegation v1 2cRxqBbG7dfwCRW8dQvJBDYNR1wapRcJDsVrZmybBvcw7ueyWvPK6oKK394us3XQ49N41cZKkG7ERa5hoHPe3uFNbZYobyuMb3woyts4qbAL91raDct7BKzoPRCF5ej1hDLqBeTsfKyvehNSb2Qgt7ritvZmeeun2XMLvdHEN7CKeMNumRbGqgNXHgequ8B8xshLzGM5Ksd"
	onlineCode     = "2udL14akbbJ-HQRxgxcMWa4-EWmLwVJDzfZ-n3rWGYdBgqY-5KUZi97ok53-4rF2astVgXN-8e646AxoXvu-stNR5xnEdLh-R8jJYSXGfFN-DSASg11km8b-9h9"
	perpetualCode  = "4nms7w9HhhJ-Dhz65qgSLWs-8vKJD3VEQ7j-SmoUCUvZKM6-XQo1kkAD3yv-NvwDtRSsN9H-3sf3rYhy6gr-XEr2aZqtZeS-VZRZUZCSk69-BXfwxCUuDq"
)

func ExampleKeyring_VerifyDelegated() {
	kr, _ := verify.ParseKeyring(shippedKeyring)
	b := verify.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "18J8D-22RR5-50W00-0000C"}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	// An online answer carries the code and the server's certificate.
	terms, err := kr.VerifyDelegated(onlineCode, serverCert, b, now)
	fmt.Println(terms.KeyID, terms.Expires, err)
	// A stolen server key cannot mint a perpetual code.
	_, err = kr.VerifyDelegated(perpetualCode, serverCert, b, now)
	fmt.Println(errors.Is(err, verify.ErrOutsideDelegation), verify.ReasonCode(err))
	// Output:
	// b756 2026-12-23 <nil>
	// true outside-delegation
}

func ExampleKeyring_Update() {
	kr, _ := verify.ParseKeyring(shippedKeyring)
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	next, err := kr.Update(signedUpdate, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(kr.Version(), "->", next.Version())
	// Store next.Text(); offering the same update again changes nothing,
	// and an older one is refused.
	again, _ := next.Update(signedUpdate, now)
	fmt.Println(again == next)
	_, err = next.Update(shippedKeyring, now)
	fmt.Println(verify.ReasonCode(err))
	// Output:
	// 0 -> 1
	// true
	// malformed
}
