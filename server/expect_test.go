package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// zeros is an endless body.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestDeclaredTooLargeRefusedBeforeContinue: a request that declares a
// body over the cap and asks "Expect: 100-continue" gets 413 at once, not
// "100 Continue" followed by a reset: on the real listener, with Go's
// client (which waits for the 100 before sending) and with a raw
// connection that reads exactly what the server sends first.
func TestDeclaredTooLargeRefusedBeforeContinue(t *testing.T) {
	f := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	li := f.licence(t, licensing.LicenceSpec{Seats: 1})
	hs, err := server.Listen("127.0.0.1:0", f.api, "", "")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	})
	const size = 20 << 20

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second}}
	req, _ := http.NewRequest("POST", hs.URL()+"/api/licence/activate", io.LimitReader(zeros{}, size))
	req.ContentLength = size
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("Authorization", bearer(li.Display))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("the client saw no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}

	conn, err := net.Dial("tcp", hs.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /api/licence/validate HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", bearer(li.Display), size)
	first, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	first.Body.Close()
	if first.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("first answer %d %s, want 413 before any 100 Continue", first.StatusCode, first.Status)
	}
}
