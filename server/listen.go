package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"
)

// HTTP is a listening server: Listen binds first (so a taken port fails
// at once), Serve answers until Shutdown, which lets requests in flight
// (an activation being recorded) finish.
type HTTP struct {
	srv *http.Server
	ln  net.Listener
	tls bool
}

// Listen binds addr ("127.0.0.1:8080", ":0" for any free port). With a
// certificate and key file it serves TLS 1.2+; without, plain HTTP for a
// reverse proxy in front.
func Listen(addr string, h http.Handler, certFile, keyFile string) (*HTTP, error) {
	srv := &http.Server{
		Handler: h,
		// Slow clients cannot hold connections or goroutines for long.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	hs := &HTTP{srv: srv, ln: ln}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			ln.Close()
			return nil, err
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		hs.ln, hs.tls = tls.NewListener(ln, srv.TLSConfig), true
	}
	return hs, nil
}

// Addr is the bound address, with the port chosen for ":0".
func (h *HTTP) Addr() net.Addr { return h.ln.Addr() }

// URL is the server's base URL.
func (h *HTTP) URL() string {
	if h.tls {
		return "https://" + h.ln.Addr().String()
	}
	return "http://" + h.ln.Addr().String()
}

// Serve answers requests until Shutdown; it then returns nil.
func (h *HTTP) Serve() error {
	err := h.srv.Serve(h.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, lets requests in flight finish until ctx
// ends, and closes.
func (h *HTTP) Shutdown(ctx context.Context) error { return h.srv.Shutdown(ctx) }
