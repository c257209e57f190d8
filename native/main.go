// Command native is libactkit, the C ABI of actkit's product side, built
// with
//
//	go build -buildmode=c-shared -o libactkit.so ./native
//
// The functions are declared, with their contracts, in the hand-written
// actkit.h beside this file (the header cgo generates is not shipped); a
// test compiles both headers together so that they cannot disagree.
// Every export converts its C arguments, calls package abi, where the
// rules live, and converts the result; none lets a Go panic reach C.
package main

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
typedef const char actkit_cchar;
*/
import "C"

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/actkit/actkit/native/internal/abi"
)

func main() {}

// maxInput caps every string read from C before it is copied: the Go
// code caps each kind far lower, but it must not first copy an
// unterminated buffer of gigabytes.
const maxInput = 1 << 20

// str reads a C string argument. NULL is "" when the argument is
// optional and an error when it is not.
func str(p *C.actkit_cchar, name string, required bool) (string, *abi.Error) {
	if p == nil {
		if required {
			return "", &abi.Error{Status: abi.StatusArgument, Message: name + " is NULL"}
		}
		return "", nil
	}
	cp := (*C.char)(unsafe.Pointer(p))
	n := C.strnlen(cp, maxInput+1)
	if n > maxInput {
		return "", &abi.Error{Status: abi.StatusArgument, Message: fmt.Sprintf("%s is longer than %d bytes", name, maxInput)}
	}
	return abi.Text(name, C.GoStringN(cp, C.int(n)))
}

// put stores s in *out, allocated with malloc (actkit_free), if out is
// not NULL.
func put(out **C.char, s string) {
	if out != nil {
		*out = C.CString(s)
	}
}

// clear sets the outputs to NULL first, so that a caller may free them
// unconditionally whatever the call returned.
func clear(outs ...**C.char) {
	for _, o := range outs {
		if o != nil {
			*o = nil
		}
	}
}

// done returns e's status and puts its message in *err.
func done(e *abi.Error, err **C.char) C.int {
	if e == nil {
		return C.int(abi.StatusOK)
	}
	put(err, e.Message)
	return C.int(e.Status)
}

// guard is deferred by every export that returns a status: a panic, a
// bug, becomes ACTKIT_E_INTERNAL with its message instead of crossing
// into C, where it would abort the host process.
func guard(status *C.int, err **C.char) {
	if r := recover(); r != nil {
		if err != nil {
			if *err != nil {
				C.free(unsafe.Pointer(*err))
			}
			*err = C.CString(fmt.Sprintf("internal error in libactkit: %v", r))
		}
		*status = C.int(abi.StatusInternal)
	}
}

// args reads several arguments, stopping at the first error.
func args(ps ...argSpec) ([]string, *abi.Error) {
	out := make([]string, len(ps))
	for i, a := range ps {
		s, e := str(a.p, a.name, a.required)
		if e != nil {
			return nil, e
		}
		out[i] = s
	}
	return out, nil
}

type argSpec struct {
	p        *C.actkit_cchar
	name     string
	required bool
}

func req(p *C.actkit_cchar, name string) argSpec { return argSpec{p, name, true} }
func opt(p *C.actkit_cchar, name string) argSpec { return argSpec{p, name, false} }

//export actkit_abi_version
func actkit_abi_version() C.int32_t { return C.int32_t(abi.ABIVersion) }

//export actkit_version
func actkit_version() *C.actkit_cchar { return staticVersion }

//export actkit_status_name
func actkit_status_name(status C.int) *C.actkit_cchar {
	if s, ok := staticStatus[abi.Status(status)]; ok {
		return s
	}
	return nil
}

//export actkit_reason_name
func actkit_reason_name(reason C.int) *C.actkit_cchar {
	if int(reason) >= 1 && int(reason) <= len(staticReasons) {
		return staticReasons[reason-1]
	}
	return nil
}

//export actkit_free
func actkit_free(p unsafe.Pointer) { C.free(p) }

//export actkit_close
func actkit_close(h C.uint64_t) {
	defer func() { _ = recover() }()
	abi.Close(abi.Handle(h))
}

//export actkit_keyring_parse
func actkit_keyring_parse(text *C.actkit_cchar, flags C.int, keyring *C.uint64_t, err **C.char) (status C.int) {
	clear(err)
	defer guard(&status, err)
	if keyring == nil {
		return done(&abi.Error{Status: abi.StatusArgument, Message: "keyring is NULL"}, err)
	}
	*keyring = 0
	t, e := str(text, "text", true)
	if e != nil {
		return done(e, err)
	}
	h, e := abi.ParseKeyring(t, int(flags))
	if e == nil {
		*keyring = C.uint64_t(h)
	}
	return done(e, err)
}

//export actkit_keyring_product
func actkit_keyring_product(keyring C.uint64_t, product **C.char, err **C.char) (status C.int) {
	clear(product, err)
	defer guard(&status, err)
	p, e := abi.KeyringProduct(abi.Handle(keyring))
	if e == nil {
		put(product, p)
	}
	return done(e, err)
}

//export actkit_verify
func actkit_verify(keyring C.uint64_t, product, licenceKey, machineUID, code *C.actkit_cchar, nowUnixMs C.int64_t,
	terms **C.char, reason *C.int, suggestion **C.char, err **C.char) (status C.int) {
	clear(terms, suggestion, err)
	if reason != nil {
		*reason = 0
	}
	defer guard(&status, err)
	return verifyCall(keyring, product, licenceKey, machineUID, code, nil, nowUnixMs, terms, reason, suggestion, err)
}

//export actkit_verify_delegated
func actkit_verify_delegated(keyring C.uint64_t, product, licenceKey, machineUID, code, certificate *C.actkit_cchar, nowUnixMs C.int64_t,
	terms **C.char, reason *C.int, suggestion **C.char, err **C.char) (status C.int) {
	clear(terms, suggestion, err)
	if reason != nil {
		*reason = 0
	}
	defer guard(&status, err)
	return verifyCall(keyring, product, licenceKey, machineUID, code, certificate, nowUnixMs, terms, reason, suggestion, err)
}

// verifyCall is actkit_verify and, with a certificate (optional),
// actkit_verify_delegated.
func verifyCall(keyring C.uint64_t, product, licenceKey, machineUID, code, certificate *C.actkit_cchar, nowUnixMs C.int64_t,
	terms **C.char, reason *C.int, suggestion **C.char, err **C.char) C.int {
	a, e := args(opt(product, "product"), req(licenceKey, "licence_key"), req(machineUID, "machine_uid"), req(code, "code"),
		opt(certificate, "certificate"))
	if e != nil {
		return done(e, err)
	}
	var prod *string // NULL: the keyring's product
	if product != nil {
		prod = &a[0]
	}
	t, refusal, e := abi.VerifyDelegated(abi.Handle(keyring), prod, a[1], a[2], a[3], a[4], int64(nowUnixMs))
	if e != nil {
		return done(e, err)
	}
	if refusal != nil {
		if reason != nil {
			*reason = C.int(refusal.Reason)
		}
		if refusal.Suggestion != "" {
			put(suggestion, refusal.Suggestion)
		}
		return done(&abi.Error{Status: abi.StatusRefused, Message: refusal.Message}, err)
	}
	put(terms, t)
	return C.int(abi.StatusOK)
}

//export actkit_keyring_update
func actkit_keyring_update(keyring C.uint64_t, update *C.actkit_cchar, nowUnixMs C.int64_t,
	updated *C.uint64_t, text **C.char, reason *C.int, err **C.char) (status C.int) {
	clear(text, err)
	if updated != nil {
		*updated = 0
	}
	if reason != nil {
		*reason = 0
	}
	defer guard(&status, err)
	u, e := str(update, "update", true)
	if e != nil {
		return done(e, err)
	}
	h, t, refusal, e := abi.UpdateKeyring(abi.Handle(keyring), u, int64(nowUnixMs), updated != nil)
	var ok func()
	if updated != nil { // NULL: only the text is wanted
		ok = func() { *updated = C.uint64_t(h) }
	}
	return updateDone(e, refusal, t, text, reason, err, ok)
}

//export actkit_keyring_update_text
func actkit_keyring_update_text(keyringText *C.actkit_cchar, flags C.int, update *C.actkit_cchar, nowUnixMs C.int64_t,
	text **C.char, reason *C.int, err **C.char) (status C.int) {
	clear(text, err)
	if reason != nil {
		*reason = 0
	}
	defer guard(&status, err)
	a, e := args(req(keyringText, "keyring_text"), req(update, "update"))
	if e != nil {
		return done(e, err)
	}
	t, refusal, e := abi.UpdateKeyringText(a[0], int(flags), a[1], int64(nowUnixMs))
	return updateDone(e, refusal, t, text, reason, err, nil)
}

// updateDone returns the result of a keyring update: misuse, a refusal
// (ACTKIT_E_REFUSED with its reason) or the new text, calling ok (when
// not nil) on success.
func updateDone(e *abi.Error, refusal *abi.UpdateRefusal, t string, text **C.char, reason *C.int, err **C.char, ok func()) C.int {
	if e != nil {
		return done(e, err)
	}
	if refusal != nil {
		if reason != nil {
			*reason = C.int(refusal.Reason)
		}
		return done(&abi.Error{Status: abi.StatusRefused, Message: refusal.Message}, err)
	}
	if ok != nil {
		ok()
	}
	put(text, t)
	return C.int(abi.StatusOK)
}

//export actkit_keyring_info
func actkit_keyring_info(keyring C.uint64_t, info **C.char, err **C.char) (status C.int) {
	clear(info, err)
	defer guard(&status, err)
	js, e := abi.Info(abi.Handle(keyring))
	if e == nil {
		put(info, js)
	}
	return done(e, err)
}

//export actkit_machine_uid
func actkit_machine_uid(product, version *C.actkit_cchar, flags C.int, productValue *C.actkit_cchar,
	uid **C.char, explain **C.char, err **C.char) (status C.int) {
	clear(uid, explain, err)
	defer guard(&status, err)
	a, e := args(req(product, "product"), req(version, "version"), opt(productValue, "product_value"))
	if e != nil {
		return done(e, err)
	}
	u, x, e := abi.MachineUID(a[0], a[1], int(flags), a[2])
	if e == nil {
		put(uid, u)
		put(explain, x)
	}
	return done(e, err)
}

//export actkit_request_code
func actkit_request_code(product, licenceKey, machineUID, productVersion *C.actkit_cchar, code **C.char, err **C.char) (status C.int) {
	clear(code, err)
	defer guard(&status, err)
	a, e := args(req(product, "product"), req(licenceKey, "licence_key"), req(machineUID, "machine_uid"), opt(productVersion, "product_version"))
	if e != nil {
		return done(e, err)
	}
	text, e := abi.RequestCode(a[0], a[1], a[2], a[3])
	if e == nil {
		put(code, text)
	}
	return done(e, err)
}

//export actkit_deactivation_code
func actkit_deactivation_code(product, licenceKey, machineUID *C.actkit_cchar, serial C.uint64_t, nowUnixMs C.int64_t,
	code **C.char, err **C.char) (status C.int) {
	clear(code, err)
	defer guard(&status, err)
	a, e := args(req(product, "product"), req(licenceKey, "licence_key"), req(machineUID, "machine_uid"))
	if e != nil {
		return done(e, err)
	}
	text, e := abi.DeactivationCode(a[0], a[1], a[2], uint64(serial), int64(nowUnixMs))
	if e == nil {
		put(code, text)
	}
	return done(e, err)
}

//export actkit_client_new
func actkit_client_new(keyring C.uint64_t, stateDir, serverURL, machineUID *C.actkit_cchar, client *C.uint64_t, err **C.char) (status C.int) {
	clear(err)
	defer guard(&status, err)
	if client == nil {
		return done(&abi.Error{Status: abi.StatusArgument, Message: "client is NULL"}, err)
	}
	*client = 0
	a, e := args(req(stateDir, "state_dir"), opt(serverURL, "server_url"), req(machineUID, "machine_uid"))
	if e != nil {
		return done(e, err)
	}
	h, e := abi.NewClient(abi.Handle(keyring), a[0], a[1], a[2])
	if e == nil {
		*client = C.uint64_t(h)
	}
	return done(e, err)
}

//export actkit_client_set
func actkit_client_set(client C.uint64_t, name, value *C.actkit_cchar, err **C.char) (status C.int) {
	clear(err)
	defer guard(&status, err)
	a, e := args(req(name, "name"), opt(value, "value"))
	if e != nil {
		return done(e, err)
	}
	return done(abi.SetClientOption(abi.Handle(client), a[0], a[1]), err)
}

// clientCall runs a client call that answers a status.
func clientCall(client C.uint64_t, call abi.ClientCall, licenceKey *C.actkit_cchar, statusJSON, err **C.char) C.int {
	key, e := str(licenceKey, "licence_key", false)
	if e != nil {
		return done(e, err)
	}
	st, e := abi.ClientDo(context.Background(), abi.Handle(client), call, key)
	if st != "" {
		put(statusJSON, st)
	}
	return done(e, err)
}

//export actkit_client_status
func actkit_client_status(client C.uint64_t, statusJSON, err **C.char) (status C.int) {
	clear(statusJSON, err)
	defer guard(&status, err)
	return clientCall(client, abi.CallStatus, nil, statusJSON, err)
}

//export actkit_client_start
func actkit_client_start(client C.uint64_t, statusJSON, err **C.char) (status C.int) {
	clear(statusJSON, err)
	defer guard(&status, err)
	return clientCall(client, abi.CallStart, nil, statusJSON, err)
}

//export actkit_client_activate
func actkit_client_activate(client C.uint64_t, licenceKey *C.actkit_cchar, statusJSON, err **C.char) (status C.int) {
	clear(statusJSON, err)
	defer guard(&status, err)
	return clientCall(client, abi.CallActivate, licenceKey, statusJSON, err)
}

//export actkit_client_validate
func actkit_client_validate(client C.uint64_t, statusJSON, err **C.char) (status C.int) {
	clear(statusJSON, err)
	defer guard(&status, err)
	return clientCall(client, abi.CallValidate, nil, statusJSON, err)
}

//export actkit_client_deactivate
func actkit_client_deactivate(client C.uint64_t, statusJSON, err **C.char) (status C.int) {
	clear(statusJSON, err)
	defer guard(&status, err)
	return clientCall(client, abi.CallDeactivate, nil, statusJSON, err)
}

//export actkit_client_activate_code
func actkit_client_activate_code(client C.uint64_t, licenceKey, code *C.actkit_cchar, statusJSON, err **C.char) (status C.int) {
	clear(statusJSON, err)
	defer guard(&status, err)
	a, e := args(req(licenceKey, "licence_key"), req(code, "code"))
	if e != nil {
		return done(e, err)
	}
	st, e := abi.ClientActivateCode(abi.Handle(client), a[0], a[1])
	if st != "" {
		put(statusJSON, st)
	}
	return done(e, err)
}

//export actkit_client_request_code
func actkit_client_request_code(client C.uint64_t, licenceKey *C.actkit_cchar, code, err **C.char) (status C.int) {
	clear(code, err)
	defer guard(&status, err)
	key, e := str(licenceKey, "licence_key", false)
	if e != nil {
		return done(e, err)
	}
	text, e := abi.ClientRequestCode(abi.Handle(client), key)
	if e == nil {
		put(code, text)
	}
	return done(e, err)
}
