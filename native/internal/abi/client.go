package abi

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/activation/online"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/termsjson"
	"github.com/actkit/actkit/verify"
)

// client is an activation.Client with the options C sets on it. Its
// mutex orders option changes against calls (activation.Client's own
// mutex only orders its calls).
type client struct {
	mu     sync.Mutex
	c      *activation.Client
	url    string
	online online.Options
	dirty  bool // online options changed since the server was made
}

// StateFile is the name of the state file in a client's state directory:
// the product ID plus ".activation", so that products can share a
// directory.
func StateFile(stateDir, product string) string {
	return filepath.Join(stateDir, product+".activation")
}

// NewClient makes the online activation client for the keyring's product:
// its state file in stateDir (created if missing, 0700), the licence
// server at serverURL ("" for offline only: typed codes, request and
// deactivation codes), for this machine's UID.
func NewClient(keyring Handle, stateDir, serverURL, machineUID string) (Handle, *Error) {
	kr, e := lookup[*verify.Keyring](keyring, "keyring")
	if e != nil {
		return 0, e
	}
	if stateDir == "" {
		return 0, fail(StatusArgument, "the state directory is empty")
	}
	uid, err := codec.ParseMachineUID(machineUID)
	if err != nil {
		return 0, fail(StatusInvalid, "%v", err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return 0, fail(StatusFailed, "creating the state directory: %v", err)
	}
	c := &client{url: serverURL, c: &activation.Client{
		Config:  activation.Config{Keyring: kr, StatePath: StateFile(stateDir, kr.Product())},
		Machine: uid,
	}}
	if serverURL != "" {
		if err := c.makeServer(); err != nil {
			return 0, err
		}
	}
	return register(c), nil
}

func (c *client) makeServer() *Error {
	srv, err := online.New(c.url, c.online)
	if err != nil {
		return fail(StatusArgument, "%v", err)
	}
	c.c.Server, c.dirty = srv, false
	return nil
}

// ClientOptions are the names SetClientOption takes, with what each sets.
var ClientOptions = map[string]string{
	"licence-key":     "Client.LicenceKey: activated online at start when not activated yet",
	"machine-name":    "Client.MachineName: sent with activations for the vendor's records",
	"product-version": "Client.ProductVersion: goes into request codes",
	"state-key":       "Config.StateKey, in hex: the product's own secret that keys the state file's MAC",
	"grace-seconds":   "Config.Grace: the first-run grace period",
	"offline-grace-seconds": "Client.OfflineGrace: how long an online activation runs on its last answer " +
		"when the server names no grace",
	"clock-tolerance-seconds": "Config.ClockTolerance",
	"timeout-ms":              "online.Options.Timeout: per attempt",
	"attempts":                "online.Options.Attempts",
	"user-agent":              "online.Options.UserAgent",
	"now-unix-ms":             "Client.Now: a fixed clock in Unix milliseconds, \"\" for the system clock",
}

// SetClientOption sets one option of a client (ClientOptions).
func SetClientOption(h Handle, name, value string) *Error {
	c, e := lookup[*client](h, "client")
	if e != nil {
		return e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	num := func() (int64, *Error) {
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 || n > int64(100*365*24*time.Hour/time.Second) {
			return 0, fail(StatusArgument, "option %s: %q is not a whole number in range", name, value)
		}
		return n, nil
	}
	seconds := func(d *time.Duration) *Error {
		n, e := num()
		*d = time.Duration(n) * time.Second
		return e
	}
	cl := c.c
	switch name {
	case "licence-key":
		cl.LicenceKey = value
	case "machine-name":
		cl.MachineName = value
	case "product-version":
		cl.ProductVersion = value
	case "state-key":
		k, err := hex.DecodeString(value)
		if err != nil {
			return fail(StatusArgument, "option state-key: not hex")
		}
		cl.Config.StateKey = k
	case "grace-seconds":
		return seconds(&cl.Config.Grace)
	case "offline-grace-seconds":
		return seconds(&cl.OfflineGrace)
	case "clock-tolerance-seconds":
		return seconds(&cl.Config.ClockTolerance)
	case "timeout-ms":
		n, e := num()
		c.online.Timeout, c.dirty = time.Duration(n)*time.Millisecond, true
		return e
	case "attempts":
		n, e := num()
		c.online.Attempts, c.dirty = int(n), true
		return e
	case "user-agent":
		c.online.UserAgent, c.dirty = value, true
	case "now-unix-ms":
		if value == "" {
			cl.Now = nil
			return nil
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return fail(StatusArgument, "option now-unix-ms: %q is not a number", value)
		}
		t := time.UnixMilli(n).UTC()
		cl.Now = func() time.Time { return t }
	default:
		return fail(StatusArgument, "unknown client option %q", name)
	}
	return nil
}

// ClientStatus is the JSON form of an activation.Status. It leaves out
// the licence key: the product has it, and a secret is not repeated in
// answers.
type ClientStatus struct {
	State    string `json:"state"`
	Licensed bool   `json:"licensed"`
	// Message is Status.String(): the sentence for the user.
	Message          string `json:"message"`
	Terms            *Terms `json:"terms,omitempty"`
	GraceLeftSeconds int64  `json:"graceLeftSeconds,omitempty"`
	// Changes names the changed components (MachineChanged).
	Changes          string `json:"changes,omitempty"`
	ExpiredOn        string `json:"expiredOn,omitempty"`
	Reason           string `json:"reason,omitempty"`
	ReasonMessage    string `json:"reasonMessage,omitempty"`
	ValidateAfter    string `json:"validateAfter,omitempty"`
	OfflineUntil     string `json:"offlineUntil,omitempty"`
	ServerCode       string `json:"serverCode,omitempty"`
	DeactivationCode string `json:"deactivationCode,omitempty"`
	ActiveCount      int    `json:"activeCount,omitempty"`
	MaxActivations   int    `json:"maxActivations,omitempty"`
}

// stateNames are the JSON names of the states, stable like the reasons.
var stateNames = map[activation.State]string{
	activation.Activated: "activated", activation.InGrace: "in-grace", activation.ActivationRequired: "activation-required",
	activation.Expired: "expired", activation.MachineChanged: "machine-changed", activation.Invalid: "invalid",
	activation.ClockTampering: "clock-tampering", activation.ActivatedOffline: "activated-offline",
	activation.ValidationRequired: "validation-required", activation.SeatLost: "seat-lost",
	activation.Revoked: "revoked", activation.Deactivated: "deactivated",
}

func statusJSON(st activation.Status) string {
	cs := ClientStatus{State: stateNames[st.State], Licensed: st.Licensed(), Message: st.String(),
		ServerCode: st.ServerCode, DeactivationCode: st.DeactivationCode,
		ActiveCount: st.ActiveCount, MaxActivations: st.MaxActivations}
	if st.State == activation.Activated || st.State == activation.ActivatedOffline {
		cs.Terms = termsjson.Of(st.Terms)
	}
	if st.GraceLeft > 0 {
		cs.GraceLeftSeconds = int64(st.GraceLeft / time.Second)
	}
	if st.State == activation.MachineChanged {
		cs.Changes = st.Changes.String()
	}
	if st.State == activation.Expired && st.ExpiredOn != 0 {
		cs.ExpiredOn = st.ExpiredOn.String()
	}
	if st.Reason != nil {
		cs.Reason, cs.ReasonMessage = verify.ReasonCode(st.Reason), st.Reason.Error()
	}
	if !st.ValidateAfter.IsZero() {
		cs.ValidateAfter = st.ValidateAfter.UTC().Format(time.RFC3339)
	}
	if !st.OfflineUntil.IsZero() {
		cs.OfflineUntil = st.OfflineUntil.UTC().Format(time.RFC3339)
	}
	js, err := json.Marshal(cs)
	if err != nil { // cannot happen: strings and numbers only
		return `{"state":"invalid","licensed":false}`
	}
	return string(js)
}

// ClientCall names the calls of ClientDo.
type ClientCall int

const (
	CallStatus ClientCall = iota
	CallStart
	CallActivate
	CallValidate
	CallDeactivate
)

// ClientDo runs one call of the client and returns the Status as JSON,
// always, even with an error: as with activation.Client, the Status is
// the one to act on and the error says why the online step did not
// happen (StatusOffline: keep going on the grace). licenceKey is for
// CallActivate ("" means the licence-key option).
func ClientDo(ctx context.Context, h Handle, call ClientCall, licenceKey string) (string, *Error) {
	c, e := lookup[*client](h, "client")
	if e != nil {
		return "", e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dirty && c.url != "" {
		if e := c.makeServer(); e != nil {
			return "", e
		}
	}
	var st activation.Status
	var err error
	switch call {
	case CallStatus:
		st, err = c.c.Status()
	case CallStart:
		st, err = c.c.Start(ctx)
	case CallActivate:
		if licenceKey == "" {
			licenceKey = c.c.LicenceKey
		}
		if licenceKey == "" {
			return "", fail(StatusArgument, "no licence key: pass one or set the licence-key option")
		}
		st, err = c.c.Activate(ctx, licenceKey)
	case CallValidate:
		st, err = c.c.Validate(ctx)
	case CallDeactivate:
		st, err = c.c.Deactivate(ctx)
	default:
		return "", fail(StatusArgument, "unknown client call %d", call)
	}
	if err != nil {
		return statusJSON(st), &Error{Status: clientStatus(err), Message: err.Error()}
	}
	return statusJSON(st), nil
}

// ClientActivateCode activates offline with a code the user typed or
// pasted (Client.ActivateCode).
func ClientActivateCode(h Handle, licenceKey, code string) (string, *Error) {
	c, e := lookup[*client](h, "client")
	if e != nil {
		return "", e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.c.ActivateCode(licenceKey, code)
	if err != nil {
		return statusJSON(st), &Error{Status: clientStatus(err), Message: err.Error()}
	}
	return statusJSON(st), nil
}

// ClientRequestCode returns the request code for offline activation, for
// licenceKey or, if "", the licence-key option (Client.RequestCode).
func ClientRequestCode(h Handle, licenceKey string) (string, *Error) {
	c, e := lookup[*client](h, "client")
	if e != nil {
		return "", e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	text, err := c.c.RequestCode(licenceKey)
	if err != nil {
		var ce *codec.Error
		if errors.As(err, &ce) {
			return "", fail(StatusInvalid, "%v", err)
		}
		return "", fail(StatusFailed, "%v", err)
	}
	return text, nil
}
