package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// The listener's limits (server.Listen; docs/api.md, Operations).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
)

// slowClient is a connection that trickles a request and records when
// the server closed it and what, if anything, it answered.
type slowClient struct {
	conn   net.Conn
	start  time.Time
	closed chan struct{}
	after  time.Duration
	answer string
}

// trickle dials addr, writes head at once, then drip one byte every
// interval until the server closes the connection or stop is closed.
func trickle(t *testing.T, addr, head, drip string, interval time.Duration, stop <-chan struct{}) *slowClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &slowClient{conn: conn, start: time.Now(), closed: make(chan struct{})}
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.closed)
		b, _ := io.ReadAll(conn) // until the server closes it
		c.after, c.answer = time.Since(c.start), string(b)
	}()
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; ; i = (i + 1) % len(drip) {
			select {
			case <-stop:
				return
			case <-c.closed:
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte{drip[i]}); err != nil {
				return
			}
		}
	}()
	return c
}

// status is the status of an answer's first line, or 0.
func status(answer string) int {
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(answer)), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSlowClientsAreCutOff: on the real listener (server.Listen), clients
// that send their headers byte by byte are disconnected after the read
// header timeout (5 s), and a client that sends its body byte by byte
// after the read timeout (15 s), with at most a 4xx; meanwhile the server
// answers everyone else at once. A header over the 16 KiB limit is 431.
func TestSlowClientsAreCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the listener's 15 s read timeout")
	}
	f := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	li := f.licence(t, licensing.LicenceSpec{Seats: 1})
	hs, err := server.Listen("127.0.0.1:0", f.api, "", "")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve() }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	addr := hs.Addr().String()
	stop := make(chan struct{})
	defer close(stop)

	// Twenty clients trickle their headers, one the body of an activation.
	var headers []*slowClient
	for i := range 20 {
		headers = append(headers, trickle(t, addr, "POST /api/licence/activate HTTP/1.1\r\n", fmt.Sprintf("X-Slow-%d: ", i)+strings.Repeat("a", 64), 200*time.Millisecond, stop))
	}
	body := machineBody(machineN(9))
	head := fmt.Sprintf("POST /api/licence/activate HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", addr, li.Display, len(body)+1000)
	bodyClient := trickle(t, addr, head, body, 500*time.Millisecond, stop)

	// Everyone else is answered at once, until the slow body is cut off.
	client := &http.Client{Timeout: 2 * time.Second}
	machine := machineN(1)
	answered := 0
	deadline := time.After(readTimeout + 5*time.Second)
poll:
	for {
		select {
		case <-bodyClient.closed:
			break poll
		case <-deadline:
			t.Fatalf("the slow body's connection is still open after %v", readTimeout+5*time.Second)
		case <-time.After(250 * time.Millisecond):
		}
		for _, action := range []string{"activate", "validate"} {
			req, _ := http.NewRequest("POST", hs.URL()+"/api/licence/"+action, strings.NewReader(machineBody(machine)))
			req.Header.Set("Authorization", bearer(li.Display))
			req.Header.Set("Content-Type", "application/json")
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s beside the slow clients: %v", action, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || time.Since(start) > time.Second {
				t.Fatalf("%s beside the slow clients: %d after %v", action, resp.StatusCode, time.Since(start))
			}
			answered++
		}
	}

	for i, c := range headers {
		select {
		case <-c.closed:
		case <-time.After(time.Second):
			t.Fatalf("slow header %d: still open after %v", i, time.Since(c.start))
		}
		if c.after < readHeaderTimeout-time.Second || c.after > readHeaderTimeout+3*time.Second {
			t.Errorf("slow header %d: closed after %v, want about %v", i, c.after, readHeaderTimeout)
		}
		if st := status(c.answer); c.answer != "" && (st < 400 || st >= 500) {
			t.Errorf("slow header %d: answered %q", i, c.answer)
		}
	}
	if c := bodyClient; c.after < readTimeout-2*time.Second || c.after > readTimeout+3*time.Second {
		t.Errorf("slow body: closed after %v, want about %v", c.after, readTimeout)
	} else if st := status(c.answer); c.answer != "" && (st < 400 || st >= 500) {
		t.Errorf("slow body: answered %q", c.answer)
	}
	t.Logf("slow headers closed after %v, the slow body after %v (answer %d); %d requests answered meanwhile",
		headers[0].after.Round(time.Millisecond), bodyClient.after.Round(time.Millisecond), status(bodyClient.answer), answered)
	if got, err := f.svc.Licence(f.ctx, li.Display); err != nil || got.InUse != 1 || got.Holders[0].Machine != machine {
		t.Errorf("after the slow clients: %+v %v", got, err)
	}

	// A header over MaxHeaderBytes: 431, the connection not kept.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\n\r\n", addr, strings.Repeat("b", 64<<10))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("an oversized header: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("an oversized header: %d", resp.StatusCode)
	}
}
