package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// TestEveryKeystoreCommandTakesTheSecretFlags: every command whose action
// can reach the keystore unlock (unlockFromFlags) takes the one shared set
// of secret flags (keystoreFlags), so that no command refuses
// --passphrase-file or --identity that the others accept ('release' did).
// Reachability is read from this package's source: a command constructor
// reaches the unlock if its body (with its Action closure) refers, directly
// or through other functions of the package, to unlockFromFlags; references
// to other command constructors (subcommands) do not count.
func TestEveryKeystoreCommandTakesTheSecretFlags(t *testing.T) {
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	funcs := map[string]*ast.FuncDecl{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				funcs[fd.Name.Name] = fd
			}
		}
	}
	// A command constructor takes the env and returns a *cli.Command.
	isConstructor := func(fd *ast.FuncDecl) bool {
		if ps := fd.Type.Params.List; len(ps) == 0 {
			return false
		} else if star, ok := ps[0].Type.(*ast.StarExpr); !ok {
			return false
		} else if id, ok := star.X.(*ast.Ident); !ok || id.Name != "env" {
			return false
		}
		r := fd.Type.Results
		if r == nil || len(r.List) != 1 {
			return false
		}
		star, ok := r.List[0].Type.(*ast.StarExpr)
		if !ok {
			return false
		}
		sel, ok := star.X.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Command"
	}
	refs := func(fd *ast.FuncDecl) map[string]bool {
		out := map[string]bool{}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && funcs[id.Name] != nil && !isConstructor(funcs[id.Name]) {
				out[id.Name] = true
			}
			return true
		})
		return out
	}
	memo := map[string]bool{}
	var reaches func(name string, seen map[string]bool) bool
	reaches = func(name string, seen map[string]bool) bool {
		if name == "unlockFromFlags" {
			return true
		}
		if v, ok := memo[name]; ok {
			return v
		}
		if seen[name] {
			return false
		}
		seen[name] = true
		for r := range refs(funcs[name]) {
			if reaches(r, seen) {
				memo[name] = true
				return true
			}
		}
		return false
	}
	checked := 0
	for name, fd := range funcs {
		if !isConstructor(fd) || !reaches(name, map[string]bool{}) {
			continue
		}
		checked++
		if r := refs(fd); !r["keystoreFlags"] && !r["withKeystoreFlags"] {
			t.Errorf("%s builds a command that opens the actkit home (which unlocks the keystore when it needs to) but does not take keystoreFlags()", name)
		}
	}
	t.Logf("%d command constructors reach the keystore unlock", checked)
	if checked < 10 {
		t.Fatalf("only %d commands found to unlock the keystore: the source walk is broken", checked)
	}
	// And the shared set is the same set everywhere: a command with one
	// of its flags has all of them.
	shared := map[string]bool{}
	for _, f := range keystoreFlags() {
		shared[f.Names()[0]] = true
	}
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			has := map[string]bool{}
			for _, f := range c.Flags {
				if shared[f.Names()[0]] {
					has[f.Names()[0]] = true
				}
			}
			if len(has) > 0 && len(has) != len(shared) {
				t.Errorf("%s %s takes %v of the secret flags, not all", path, c.Name, has)
			}
			walk(path+" "+c.Name, c.Subcommands)
		}
	}
	walk("actkit", newApp(&env{stdout: io.Discard, stderr: io.Discard, now: time.Now}).Commands)
}

// TestEveryFlagIsDescribed: no flag shows an empty description in any
// command's --help ('--licence, --license' did, in release and transfer).
func TestEveryFlagIsDescribed(t *testing.T) {
	var walk func(path string, cmds []*cli.Command)
	seen := 0
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			for _, f := range c.Flags {
				seen++
				d, ok := f.(cli.DocGenerationFlag)
				if !ok || strings.TrimSpace(d.GetUsage()) == "" {
					t.Errorf("%s %s: --%s has no description", path, c.Name, f.Names()[0])
				}
			}
			walk(path+" "+c.Name, c.Subcommands)
		}
	}
	app := newApp(&env{stdout: io.Discard, stderr: io.Discard, now: time.Now})
	walk("actkit", app.Commands)
	for _, f := range app.Flags {
		if d, ok := f.(cli.DocGenerationFlag); !ok || d.GetUsage() == "" {
			t.Errorf("actkit: --%s has no description", f.Names()[0])
		}
	}
	if seen < 100 {
		t.Fatalf("only %d flags seen", seen)
	}
}
