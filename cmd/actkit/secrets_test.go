package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestServiceNeverPrompts: once a command has marked itself a service, a
// passphrase that is not given is refused as such, before any terminal is
// looked for (test binaries never open one: the refusal would then be
// "no terminal to ask on").
func TestServiceNeverPrompts(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, now: time.Now, service: true}
	_, err := prompted(e, "Keystore passphrase: ", false)
	if err == nil || !strings.Contains(err.Error(), "a service never prompts") {
		t.Fatalf("got %v", err)
	}
}
