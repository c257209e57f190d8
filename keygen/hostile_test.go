package keygen_test

import (
	"strings"
	"testing"

	"github.com/actkit/actkit/keygen"
)

func TestHostileIdentityAndRecipients(t *testing.T) {
	inputs := []string{"", "  \n", strings.Repeat("A", 1<<20), "\xff\xfe", "AGE-SECRET-KEY-1\x00",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n-----END OPENSSH PRIVATE KEY-----\n"}
	for _, in := range inputs {
		if ids, err := keygen.ParseIdentityFile([]byte(in)); err == nil || len(ids) != 0 {
			t.Errorf("identity %.20q accepted", in)
		} else if strings.Contains(err.Error(), in) && len(in) > 3 {
			t.Errorf("error quotes the identity file: %v", err)
		}
		if in == "" || strings.TrimSpace(in) == "" {
			continue // an empty recipients file is simply empty
		}
		if _, err := keygen.ParseRecipients(strings.NewReader(in)); err == nil {
			t.Errorf("recipients %.20q accepted", in)
		}
	}
}
