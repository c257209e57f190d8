package codec

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestSmallOrderListIsDocumented: the small-order keys refused are
// exactly those docs/format.md section 6 lists, so an implementer reading
// only the spec refuses the same keys.
func TestSmallOrderListIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/format.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	begin, end := strings.Index(s, "<!-- small-order:begin -->"), strings.Index(s, "<!-- small-order:end -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/format.md has no small-order list")
	}
	documented := strings.Fields(s[begin+len("<!-- small-order:begin -->") : end])
	if !slices.Equal(documented, smallOrder[:]) {
		t.Fatalf("docs/format.md lists %q, codec refuses %q", documented, smallOrder)
	}
}
