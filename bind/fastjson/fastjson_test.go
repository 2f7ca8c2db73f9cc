package fastjson

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/bind"
	"github.com/eddy-go/eddy/eddytest"
)

// user is bind's typical JSON body.
type user struct {
	Name  string `json:"name"`
	Age   int    `json:"age"`
	Role  string `json:"role,omitempty"`
	Email string `json:"email"`
}

type item struct {
	SKU   string  `json:"sku"`
	Qty   int     `json:"qty"`
	Price float64 `json:"price"`
}

// order is a larger API payload: nested, slices, a map, a time, pointers.
type order struct {
	ID       int64             `json:"id"`
	Customer user              `json:"customer"`
	Items    []item            `json:"items"`
	Tags     []string          `json:"tags"`
	Meta     map[string]string `json:"meta"`
	Created  time.Time         `json:"created"`
	Paid     bool              `json:"paid"`
	Note     *string           `json:"note"`
	Raw      []byte            `json:"raw,omitempty"`
	Skipped  string            `json:"-"`
}

func mkOrder(items int) order {
	note := `<b>"fragile"</b> & 日本語 \ end`
	o := order{ID: 123456789, Customer: user{"ada", 36, "admin", "ada@example.com"},
		Tags: []string{"new", "priority"}, Meta: map[string]string{"src": "web", "ref": "x1", "a": "<&>"},
		Created: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Paid: true, Note: &note, Raw: []byte{0, 1, 2, 255}}
	for i := range items {
		o.Items = append(o.Items, item{"SKU-" + strings.Repeat("x", i%7), i + 1, 9.99 + float64(i)/3})
	}
	return o
}

// TestCodecMatchesStd checks Codec against encoding/json on the same
// values: the same bytes out, the same values back.
func TestCodecMatchesStd(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		zero func() any
	}{
		{"user", user{"ada", 36, "", "ada@example.com"}, func() any { return new(user) }},
		{"order", mkOrder(20), func() any { return new(order) }},
		{"empty order", order{}, func() any { return new(order) }},
		{"map", map[string]any{"b": 1.5, "a": []any{"x", nil, true}, "<": "&"}, func() any { return new(map[string]any) }},
		{"unicode escapes", "line\u2028sep\u2029 \x01 \"q\"", func() any { return new(string) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Codec{}.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal:\n got %s\nwant %s", got, want)
			}
			a, b := tc.zero(), tc.zero()
			if err := json.Unmarshal(want, a); err != nil {
				t.Fatal(err)
			}
			if err := (Codec{}).Unmarshal(want, b); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("Unmarshal:\n got %#v\nwant %#v", b, a)
			}
		})
	}
}

// TestCodecRejects checks that input encoding/json rejects is rejected.
func TestCodecRejects(t *testing.T) {
	for _, in := range []string{
		``, `{`, `{"name":}`, `{"age":"36"}`, `[1,2]`, `{} x`, `{"name":"a"`, `nul`, `{"age":1e400}`,
	} {
		var std, fast user
		if json.Unmarshal([]byte(in), &std) == nil {
			t.Fatalf("encoding/json accepts %q: not a rejection case", in)
		}
		if err := (Codec{}).Unmarshal([]byte(in), &fast); err == nil {
			t.Errorf("Unmarshal(%q) = nil error; encoding/json rejects it", in)
		}
	}
}

// TestBinder runs the codec through bind on an app.
func TestBinder(t *testing.T) {
	app := eddy.New(eddy.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	b := &bind.Binder{JSON: Codec{}}
	app.Post("/users", func(c *eddy.Ctx) error {
		var u user
		if err := b.Bind(c, &u); err != nil {
			return err
		}
		u.Age++
		return b.JSONResponse(c, u)
	})
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"name":"ada","age":36,"email":"a@b"}`, 200, `{"name":"ada","age":37,"email":"a@b"}`},
		{`{"name":"ada","age":`, 400, ""},
	} {
		req := eddytest.NewRequest("POST", "/users", []byte(tc.body))
		req.Header.Set("Content-Type", "application/json")
		resp := eddytest.Test(t, app, req)
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tc.status || (tc.want != "" && strings.TrimSpace(string(got)) != tc.want) {
			t.Errorf("%s: got %d %s, want %d %s", tc.body, resp.StatusCode, got, tc.status, tc.want)
		}
	}
}

// BenchmarkCodec compares Codec with encoding/json on bind's payloads.
func BenchmarkCodec(b *testing.B) {
	ub, _ := json.Marshal(user{"ada", 36, "admin", "ada@example.com"})
	ob, _ := json.Marshal(mkOrder(20))
	codecs := []struct {
		name string
		c    bind.JSONCodec
	}{{"std", bind.StdJSON{}}, {"fastjson", Codec{}}}
	for _, c := range codecs {
		for _, p := range []struct {
			name string
			data []byte
			zero func() any
		}{{"user", ub, func() any { return new(user) }}, {"order", ob, func() any { return new(order) }}} {
			b.Run("decode/"+p.name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(p.data)))
				for b.Loop() {
					if err := c.c.Unmarshal(p.data, p.zero()); err != nil {
						b.Fatal(err)
					}
				}
			})
			v := p.zero()
			_ = json.Unmarshal(p.data, v)
			b.Run("encode/"+p.name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(p.data)))
				for b.Loop() {
					if _, err := c.c.Marshal(v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
