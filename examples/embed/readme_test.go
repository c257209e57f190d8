package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEHasThisExample keeps the README's embedding example identical
// to this program, which CI compiles.
func TestREADMEHasThisExample(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```") {
		t.Fatal("README.md's embedding example differs from examples/embed/main.go: copy it over")
	}
}
