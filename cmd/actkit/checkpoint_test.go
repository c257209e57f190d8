package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
)

// TestOnlyCheckpointKeysVouch: a checkpoint signed with a product's key
// (one that signs codes) is refused by ledger verify; one signed with the
// checkpoint key is accepted.
func TestOnlyCheckpointKeysVouch(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(dir, "id.txt")
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	actkit := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if got := run(append([]string{"actkit"}, append(args, "--home", home)...), strings.NewReader(""), &out, &errb); got != want {
			t.Fatalf("actkit %s: exit %d, want %d\n%s", strings.Join(args, " "), got, want, errb.String())
		}
		return out.String() + errb.String()
	}
	actkit(0, "keys", "init", "--recipient", id.Recipient().String(), "--identity", idFile)
	actkit(0, "keys", "new", "--product", "umenu", "--identity", idFile)
	actkit(0, "keys", "new", "--checkpoint", "--identity", idFile)
	actkit(0, "product", "add", "umenu")

	ks, err := keygen.NewStore(filepath.Join(home, "keystore.age"), keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	product, _ := ks.Active("umenu")
	store, err := sqlite.Open(context.Background(), filepath.Join(home, "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ledger.SignCheckpoint(context.Background(), store, product, time.Now())
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := actkit(1, "ledger", "verify", "--checkpoint", cp.String(), "--identity", idFile)
	if !strings.Contains(out, "not by a checkpoint key") {
		t.Fatalf("a product key's checkpoint: %s", out)
	}
	line := strings.TrimSpace(actkit(0, "ledger", "checkpoint", "--identity", idFile))
	actkit(0, "ledger", "verify", "--checkpoint", line, "--identity", idFile)
	actkit(2, "keys", "new", "--checkpoint", "--product", "umenu", "--identity", idFile)
	if out := actkit(1, "product", "add", "actkit-checkpoint"); !strings.Contains(out, "reserved") {
		t.Fatalf("reserved product ID: %s", out)
	}
}
