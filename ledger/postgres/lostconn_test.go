package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/actkit/actkit/ledger"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestLostConnectionWords: a connection lost, refused or closed, a
// server that is starting up or has no connection to spare, and a
// statement timeout map to the sentinels whose words an operator acts
// on, and only a lock timeout reads as a locked ledger; a constraint
// violation or a plain error does not.
func TestLostConnectionWords(t *testing.T) {
	s := &Store{where: "postgres://db.internal/actkit"}
	for _, c := range []struct {
		err  error
		want error
	}{
		{fmt.Errorf("reading: %w", pgconn.ErrConnClosed), ledger.ErrUnreachable},
		{io.EOF, ledger.ErrUnreachable},
		{io.ErrUnexpectedEOF, ledger.ErrUnreachable},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, ledger.ErrUnreachable},
		{syscall.ECONNREFUSED, ledger.ErrUnreachable},
		{&pgconn.PgError{Code: "08006", Message: "connection failure"}, ledger.ErrUnreachable},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, ledger.ErrUnreachable},
		{&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, ledger.ErrStarting},
		{&pgconn.PgError{Code: "55P03", Message: "lock timeout"}, ledger.ErrBusy},
		{&pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"}, ledger.ErrNoConnection},
		{&pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"}, ledger.ErrTimeout},
	} {
		got := s.fail("", c.err)
		if !errors.Is(got, c.want) {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
		if c.want != ledger.ErrBusy && errors.Is(got, ledger.ErrBusy) {
			t.Errorf("%v reads as %v", c.err, ledger.ErrBusy)
		}
	}
	for _, err := range []error{&pgconn.PgError{Code: "23505"}, errors.New("something else")} {
		if got := s.fail("", err); errors.Is(got, ledger.ErrUnreachable) || errors.Is(got, ledger.ErrStarting) {
			t.Errorf("%v: %v", err, got)
		}
	}
}
