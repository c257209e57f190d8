package codec_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// registry returns every Label constant of labels.go with its value,
// computed by the type checker (so LabelX + "/suffix" counts as written).
func registry(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "labels.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var conf types.Config // labels.go imports nothing
	pkg, err := conf.Check("codec", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	for _, name := range pkg.Scope().Names() {
		c, ok := pkg.Scope().Lookup(name).(*types.Const)
		if !ok || !strings.HasPrefix(name, "Label") {
			continue
		}
		labels[name] = strings.Trim(c.Val().ExactString(), `"`)
	}
	if len(labels) < 10 {
		t.Fatalf("found only %d labels in labels.go: %v", len(labels), labels)
	}
	return labels
}

// documented returns every label named in the first column of the label
// table of docs/format.md.
func documented(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../docs/format.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	quoted := regexp.MustCompile("`([^`]*)`")
	var out []string
	inSection, inTable := false, false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "**Labels.**"):
			inSection = true
		case inSection && strings.HasPrefix(line, "|"):
			inTable = true
			cells := strings.Split(line, "|")
			if len(cells) < 3 || strings.HasPrefix(cells[1], "---") || strings.TrimSpace(cells[1]) == "label" {
				continue
			}
			for _, m := range quoted.FindAllStringSubmatch(cells[1], -1) {
				out = append(out, m[1])
			}
		case inTable:
			if len(out) == 0 {
				t.Fatal("docs/format.md: the label table is empty")
			}
			return out
		}
	}
	t.Fatal("docs/format.md: no label table after **Labels.**")
	return nil
}

// TestLabelsAreDocumented: every label in the registry is in the label
// table of docs/format.md, and the table names no label the registry lacks.
func TestLabelsAreDocumented(t *testing.T) {
	labels := registry(t)
	docs := documented(t)
	values := map[string]bool{}
	for name, v := range labels {
		values[v] = true
		if !slices.Contains(docs, v) {
			t.Errorf("%s (%q) is missing from the label table of docs/format.md", name, v)
		}
	}
	for _, d := range docs {
		if !values[d] {
			t.Errorf("docs/format.md lists %q, which is not a label in codec/labels.go", d)
		}
	}
}

// TestLabelsLiveInTheRegistry: no Go source outside codec/labels.go spells
// a label: a label written out elsewhere would escape both the registry
// and the table.
func TestLabelsLiveInTheRegistry(t *testing.T) {
	literal := regexp.MustCompile(`"actkit/v1/`)
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "js", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || path == filepath.Join(root, "codec", "labels.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if literal.Match(data) {
			t.Errorf("%s spells a label; use the constant in codec/labels.go", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
