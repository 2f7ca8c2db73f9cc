package eddy

import (
	"strings"
	"testing"
)

func TestParseLogFormat(t *testing.T) {
	tests := []struct {
		format string
		kinds  []logKind
		err    string
	}{
		{DefaultAccessLogFormat, []logKind{tokRemote, tokLiteral, tokTime, tokLiteral, tokFirstLine, tokLiteral, tokStatus, tokLiteral, tokSize, tokLiteral, tokReqHeader, tokLiteral, tokReqHeader, tokLiteral}, ""},
		{"%Tf %T %D %P %%", []logKind{tokSecondsFloat, tokLiteral, tokSeconds, tokLiteral, tokMicros, tokLiteral, tokPID, tokLiteral}, ""},
		{"%{X-Id}o", []logKind{tokRespHeader}, ""},
		{"plain", []logKind{tokLiteral}, ""},
		{"%q", nil, "unknown token"},
		{"%", nil, "ends with"},
		{"%{X}", nil, "bad %{Name}"},
		{"%{}i", nil, "bad %{Name}"},
		{"%{X}z", nil, "bad %{Name}"},
	}
	for _, tc := range tests {
		toks, err := parseLogFormat(tc.format)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.format, err, tc.err)
			}
			continue
		}
		if err != nil || len(toks) != len(tc.kinds) {
			t.Errorf("%q: %v, %d tokens, want %d", tc.format, err, len(toks), len(tc.kinds))
			continue
		}
		for i, k := range tc.kinds {
			if toks[i].kind != k {
				t.Errorf("%q: token %d is %d, want %d", tc.format, i, toks[i].kind, k)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("AccessLogTo with a bad format did not panic")
		}
	}()
	AccessLogTo(new(strings.Builder), "%z")
}
