package eddy

import (
	"encoding/json"
	"testing"
)

// prefersJSONTests feeds TestPrefersJSON and FuzzAccept's seeds.
var prefersJSONTests = []struct {
	accept string
	json   bool
}{
	{"", false},
	{"application/json", true},
	{"text/plain", false},
	{"*/*", false},
	{"application/json, text/plain", false},       // equal quality, equally specific: text
	{"text/plain;q=0.5, application/json", true},  // higher quality
	{"application/json;q=0.5, text/plain", false}, // lower quality
	{"text/html,application/json;q=0.9,*/*;q=0.8", true},
	{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false}, // a browser
	{"application/*", true},
	{"application/json;q=0", false},
	{"application/json, */*;q=0.1", true},
	{"APPLICATION/JSON", true},
	{"application/json;q=abc", false},
	{"application/json ; q=0.800, text/*;q=0.7", true},
	{"application/j\u017fon", false}, // U+017F folds to 's' in Unicode, not in HTTP (found by FuzzAccept)
}

func TestPrefersJSON(t *testing.T) {
	for _, tc := range prefersJSONTests {
		if got := prefersJSON([]byte(tc.accept)); got != tc.json {
			t.Errorf("prefersJSON(%q) = %v, want %v", tc.accept, got, tc.json)
		}
	}
}

// TestAppendJSONString: the error body's message is written as
// encoding/json writes a string (appendJSONText, shared with Ctx.JSON).
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "ctl\x00\x1f\n\r\t", "<a&b>", "héllo €",
		"bad \xff utf-8", "line\u2028sep\u2029", "\b\f"} {
		want, _ := json.Marshal(s)
		if got := appendJSONText(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONText(%q) = %s, want %s", s, got, want)
		}
	}
}
