package eddy

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

type jsonSimple struct {
	Message string `json:"message"`
}

type jsonKinds struct {
	S     string
	B     bool
	I     int    `json:"i"`
	I8    int8   `json:"i8,omitempty"`
	I16   int16  `json:"i16"`
	I32   int32  `json:"i32,omitempty"`
	I64   int64  `json:"i64"`
	U     uint   `json:"u,omitempty"`
	U8    uint8  `json:"u8"`
	U16   uint16 `json:"u16,omitempty"`
	U32   uint32 `json:"u32"`
	U64   uint64 `json:"u64,omitempty"`
	E     string `json:"e,omitempty"`
	F     bool   `json:"f,omitempty"`
	Skip  string `json:"-"`
	Named jsonName
	hide  string
}

type jsonName string

type jsonWithMarshal struct{ A string }

func (jsonWithMarshal) MarshalJSON() ([]byte, error) { return []byte(`"custom"`), nil }

type jsonFieldText struct{ T jsonText }

type jsonText int

func (*jsonText) MarshalText() ([]byte, error) { return []byte("text"), nil }

type jsonEmbeds struct {
	jsonSimple
	B int
}

type jsonFloat struct{ F float64 }

type jsonStringOpt struct {
	N int `json:"n,string"`
}

type jsonDup struct {
	A string `json:"X"`
	X string
}

type jsonNumber struct{ N json.Number }

type jsonOddName struct {
	A string `json:"a-b"`
}

// TestJSONPlan: the types whose JSON Ctx.JSON writes itself get a plan, the
// others go to encoding/json, and every plan writes exactly what
// encoding/json's Encoder writes (HTML escaping on, newline dropped).
func TestJSONPlan(t *testing.T) {
	hide := jsonKinds{S: "s", hide: "x", Skip: "skip"}
	cases := []struct {
		name string
		v    any
		plan bool
	}{
		{"simple", jsonSimple{Message: "Hello, World!"}, true},
		{"pointer", &jsonSimple{Message: "<&>"}, true},
		{"nil pointer", (*jsonSimple)(nil), true},
		{"every kind, zero", jsonKinds{}, true},
		{"every kind", jsonKinds{S: "a\"b\\c\n\t\r\b\f\x01\x7f<>&\u2028\u2029é\xff", B: true, I: -1, I8: math.MinInt8,
			I16: math.MaxInt16, I32: -7, I64: math.MinInt64, U: 1, U8: 255, U16: 9, U32: math.MaxUint32,
			U64: math.MaxUint64, E: "e", F: true, Named: "n"}, true},
		{"unexported and skipped", hide, true},
		{"empty struct", struct{}{}, true},
		{"MarshalJSON", jsonWithMarshal{A: "a"}, false},
		{"field with MarshalText", jsonFieldText{T: 1}, false},
		{"embedded", jsonEmbeds{jsonSimple{"m"}, 2}, false},
		{"float", jsonFloat{F: 1.5}, false},
		{"string option", jsonStringOpt{N: 3}, false},
		{"duplicate names", jsonDup{A: "a", X: "b"}, false},
		{"punctuated name", jsonOddName{A: "a"}, false},
		{"json.Number", jsonNumber{N: "12"}, false},
		{"map", map[string]string{"a": "b"}, false},
		{"string", "text", false},
		{"nil", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &ctxState{}
			p := s.jsonPlanFor(tc.v)
			if (p != nil) != tc.plan {
				t.Fatalf("plan %v, want %v", p != nil, tc.plan)
			}
			if p == nil {
				return
			}
			if got, want := p.append(nil, tc.v), encodingJSON(t, tc.v); !bytes.Equal(got, want) {
				t.Errorf("plan wrote %s\nencoding/json %s", got, want)
			}
			if again := s.jsonPlanFor(tc.v); again != p {
				t.Error("the state did not keep the type's plan")
			}
		})
	}
}

// TestJSONTextBytes: every byte and every rune class, alone and between
// text, is escaped as encoding/json escapes it.
func TestJSONTextBytes(t *testing.T) {
	var ins []string
	for b := range 256 {
		ins = append(ins, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
		for at := range 17 { // each place in and after two words
			p := []byte("abcdefghijklmnopqr")
			p[at] = byte(b)
			ins = append(ins, string(p))
		}
	}
	ins = append(ins, "é", "\u2028x\u2029", "\U0001F600", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", strings.Repeat("<ab>", 50))
	for _, in := range ins {
		if got, want := appendJSONText(nil, in), encodingJSON(t, in); !bytes.Equal(got, want) {
			t.Errorf("%q: wrote %s, encoding/json %s", in, got, want)
		}
	}
}

// TestJSONSpecial8: a word is special exactly when one of its bytes is not
// in jsonSafe, for every byte value at every place.
func TestJSONSpecial8(t *testing.T) {
	for b := range 256 {
		for at := range 8 {
			w := []byte("abcdefgh")
			w[at] = byte(b)
			if got := jsonSpecial8(load64(string(w))); got != !jsonSafe[b] {
				t.Errorf("byte %#x at %d: special %v, want %v", b, at, got, !jsonSafe[b])
			}
		}
	}
}

// FuzzJSONPlan compares a plan's output with encoding/json's for any field
// values.
func FuzzJSONPlan(f *testing.F) {
	f.Add("Hello, World!", int64(0), uint64(0), true)
	f.Add("<script>&\u2028\xff\x00", int64(-1), uint64(1<<63), false)
	f.Fuzz(func(t *testing.T, s string, i int64, u uint64, b bool) {
		v := jsonKinds{S: s, E: s, B: b, F: b, I: int(i), I8: int8(i), I16: int16(i), I32: int32(i), I64: i,
			U: uint(u), U8: uint8(u), U16: uint16(u), U32: uint32(u), U64: u, Named: jsonName(s)}
		p := (&ctxState{}).jsonPlanFor(v)
		if p == nil {
			t.Fatal("no plan")
		}
		if got, want := p.append(nil, v), encodingJSON(t, v); !bytes.Equal(got, want) {
			t.Errorf("plan wrote %s\nencoding/json %s", got, want)
		}
	})
}

// encodingJSON is v as Ctx.JSON's encoding/json Encoder writes it.
func encodingJSON(t testing.TB, v any) []byte {
	var w bytes.Buffer
	if err := json.NewEncoder(&w).Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(w.Bytes(), []byte("\n"))
}
