package archtest

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/actkit/actkit"

type pkg struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	Imports    []string
}

// packages lists the module's packages (all build tags of this platform).
func packages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var ps []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) < 10 {
		t.Fatalf("only %d packages listed", len(ps))
	}
	return ps
}

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }

// under reports whether a package path (relative to the module) is dir or
// inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

var (
	productSide = []string{"codec", "verify", "activation", "machine", "native"}
	vendorSide  = []string{"keygen", "licensing", "ledger", "signer", "home", "server", "portal"}
)

func isBackend(p string) bool { return under(p, "ledger") && p != "ledger" && p != "ledger/ledgertest" }

func anyUnder(p string, dirs []string) bool {
	for _, d := range dirs {
		if under(p, d) {
			return true
		}
	}
	return false
}

// TestLayering fails when an import breaks the layers of docs/architecture.md.
func TestLayering(t *testing.T) {
	for _, p := range packages(t) {
		from := rel(p.ImportPath)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			to := rel(imp)
			switch {
			case anyUnder(from, productSide) && anyUnder(to, vendorSide):
				t.Errorf("%s (product side) imports %s (vendor side): products must not link vendor code", from, to)
			case from == "licensing" && to != "codec":
				t.Errorf("licensing imports %s: the rules may use only codec", to)
			case from == "signer" && (isBackend(to) || to == "keygen"):
				t.Errorf("signer imports %s: the service takes a ledger.Store and codec.Signer keys, never a backend or the keystore", to)
			case (from == "server" || from == "portal") && !(to == "signer" || to == "licensing" || to == "ledger" || to == "codec" || to == "internal/ratelimit"):
				t.Errorf("%s imports %s: the API and the pages add transport and words over signer, licensing and codec", from, to)
			case isBackend(to) && !(from == "home" || under(from, "cmd") || under(from, "tools") || isBackend(from) && under(to, "ledger/internal")):
				t.Errorf("%s imports the backend %s: only home, cmd/* and tools/* choose a backend", from, to)
			}
		}
	}
}

// shellWords are texts that only a shell front end may say.
var shellWords = regexp.MustCompile(`actkit (keys|product|licence|license|issue|release|transfer|ledger|machine-id|request|inspect|verify|demo|serve|token|plan|version|completion|man)\b|ACTKIT_|--[a-z][a-z-]+`)

// forbiddenCalls are what a library must not do: print to the process's
// streams or end the process.
var forbiddenCalls = map[string][]string{
	"fmt": {"Print", "Printf", "Println"},
	"os":  {"Exit", "Stdout", "Stderr"},
	"log": {"Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"},
}

// TestLibrariesStayQuiet fails when a library package (anything but main
// packages, test-support packages named *test, and what lives under cmd/,
// tools/ and examples/) imports
// urfave/cli, prints, exits, or has the text of an actkit command, a flag
// or an ACTKIT_ variable in a string.
func TestLibrariesStayQuiet(t *testing.T) {
	checked := 0
	for _, p := range packages(t) {
		r := rel(p.ImportPath)
		if p.Name == "main" || under(r, "cmd") || under(r, "tools") || under(r, "examples") || strings.HasSuffix(p.Name, "test") {
			continue // programs, and test-support packages (ledgertest, atomicfiletest) that no product links
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/urfave/cli") {
				t.Errorf("%s imports %s", r, imp)
			}
		}
		for _, name := range p.GoFiles {
			checked++
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if id, ok := n.X.(*ast.Ident); ok {
						for _, sel := range forbiddenCalls[id.Name] {
							if n.Sel.Name == sel {
								t.Errorf("%s/%s uses %s.%s: libraries return data and errors", r, name, id.Name, sel)
							}
						}
					}
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "print" || id.Name == "println") {
						t.Errorf("%s/%s calls %s", r, name, id.Name)
					}
				case *ast.BasicLit:
					if n.Kind == token.STRING {
						s, _ := strconv.Unquote(n.Value)
						if m := shellWords.FindString(s); m != "" {
							t.Errorf("%s/%s: string %.60q has the shell words %q: hints belong in cmd/", r, name, s, m)
						}
					}
				}
				return true
			})
		}
	}
	if checked < 50 {
		t.Fatalf("only %d library files checked", checked)
	}
}
