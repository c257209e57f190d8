package portal_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestDeclaredTooLargeFormRefusedBeforeContinue: a form post declaring a
// body over the 16 KiB cap, with "Expect: 100-continue", is answered with
// a refusal at once, over real HTTP, never invited to send its body.
func TestDeclaredTooLargeFormRefusedBeforeContinue(t *testing.T) {
	srv, _ := plainSite(t)
	u, _ := url.Parse(srv.URL)
	for _, path := range []string{"/activate", "/licence/sign-in", "/admin/sign-in"} {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", path, u.Host, srv.URL, 20<<20)
		first, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		first.Body.Close()
		if first.StatusCode < 400 || first.StatusCode >= 500 {
			t.Errorf("%s: first answer %s, want a refusal before any 100 Continue", path, first.Status)
		}
	}
}
