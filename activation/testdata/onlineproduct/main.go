// Command onlineproduct is the dependency test's control: the same
// product with activation/online, which does link net/http.
package main

import (
	"context"
	"fmt"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/activation/online"
)

func main() {
	srv, err := online.New("https://licence.example.com", online.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := &activation.Client{Server: srv}
	fmt.Println(c.Start(context.Background()))
}
