package online_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/activation/online"
)

// A product's start-up with its licence server: activation on first use,
// validation when due, and a warning (never a refusal) when the server
// cannot be reached.
func ExampleNew() {
	srv, err := online.New("https://licence.example.com", online.Options{UserAgent: "umenu/4.2.17"})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := &activation.Client{
		Config:     activation.Config{ /* Keyring, StatePath, StateKey */ },
		Server:     srv,
		LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM",
	}
	st, err := c.Start(context.Background())
	var se *activation.ServerError
	switch {
	case errors.Is(err, activation.ErrOffline):
		fmt.Println("warning: working offline:", st)
	case errors.As(err, &se) && se.Code == "SEAT_LIMIT_EXCEEDED":
		fmt.Println("every seat is taken: deactivate another machine first")
	case err != nil:
		fmt.Println(err)
	}
	if !st.Licensed() {
		fmt.Println("paid features off:", st)
	}
}
