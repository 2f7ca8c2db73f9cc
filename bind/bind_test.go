package bind

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

type input struct {
	Org     string        `path:"org" validate:"required"`
	Token   string        `header:"X-Token" validate:"required,len=4"`
	Langs   []string      `header:"X-Lang"`
	Dry     bool          `query:"dry"`
	Limit   *int          `query:"limit" validate:"min=1,max=100"`
	Wait    time.Duration `query:"wait"`
	Since   time.Time     `query:"since"`
	IDs     []int64       `query:"id" validate:"max=3"`
	Name    string        `json:"name" validate:"required,max=8"`
	Age     int           `json:"age" validate:"min=0,max=150"`
	Role    string        `json:"role" validate:"oneof=admin|user"`
	Email   string        `json:"email" validate:"email"`
	Comment string        `form:"comment" validate:"max=10"`
}

func TestBind(t *testing.T) {
	app := eddy.New(eddy.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := func(c *eddy.Ctx) error {
		var in input
		if err := Bind(c, &in); err != nil {
			return err
		}
		return JSON(c, in)
	}
	app.Post("/orgs/{org}/users", h)
	app.Post("/bad", func(c *eddy.Ctx) error { return Bind(c, input{}) })
	s := eddytest.New(t, app)
	json := "application/json"
	cases := []struct {
		name   string
		query  string
		ct     string
		body   string
		hdr    [][2]string
		status int
		want   []string // substrings of the body
	}{
		{"all good", "?dry=true&limit=5&wait=1.5s&since=2026-01-02T03:04:05Z&id=1&id=2", json,
			`{"name":"ada","age":36,"role":"admin","email":"ada@example.com"}`,
			[][2]string{{"X-Token", "abcd"}, {"X-Lang", "en"}, {"X-Lang", "fr"}}, 200,
			[]string{`"Org":"acme"`, `"Token":"abcd"`, `"Langs":["en","fr"]`, `"Dry":true`, `"Limit":5`,
				`"Wait":1500000000`, `"Since":"2026-01-02T03:04:05Z"`, `"IDs":[1,2]`, `"name":"ada"`, `"age":36`}},
		{"every bad field listed", "?limit=0&dry=maybe&id=1&id=2&id=3&id=4&wait=soon", json,
			`{"name":"much too long","age":200,"role":"root","email":"nope"}`, nil, 422,
			[]string{"header X-Token: is required", "query limit: must be at least 1", "query dry: must be true or false",
				"query id: must have length at most 3", "query wait: must be a duration", "json name: must have length at most 8",
				"json age: must be at most 150", "json role: must be one of admin, user", "json email: must be an email address"}},
		{"type error in body", "", json, `{"name":"ada","age":"old"}`, [][2]string{{"X-Token", "abcd"}}, 422,
			[]string{"json age: must be int, not string"}},
		{"malformed json", "", json, `{"name":`, [][2]string{{"X-Token", "abcd"}}, 400, []string{"invalid JSON body"}},
		{"missing required body field", "", json, `{}`, [][2]string{{"X-Token", "abcd"}}, 422, []string{"json name: is required"}},
		{"form", "", "application/x-www-form-urlencoded", url.Values{"comment": {"way too long a comment"}}.Encode(),
			[][2]string{{"X-Token", "abcd"}}, 422, []string{"form comment: must have length at most 10", "json name: is required"}},
		{"not a struct pointer", "", json, `{}`, nil, 500, nil},
	}
	for _, tc := range cases {
		path := "/orgs/acme/users" + tc.query
		if tc.name == "not a struct pointer" {
			path = "/bad"
		}
		opts := []eddytest.Option{eddytest.Header("Accept", "application/json")}
		for _, h := range tc.hdr {
			opts = append(opts, eddytest.Header(h[0], h[1]))
		}
		r := s.Post(t, path, tc.ct, []byte(tc.body), opts...)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Text(), w) && !strings.Contains(unescape(r.Text()), w) {
				t.Errorf("%s: body lacks %q: %s", tc.name, w, r.Body)
			}
		}
	}
}

// unescape decodes the JSON error body's message.
func unescape(s string) string {
	var v struct{ Error string }
	if json.Unmarshal([]byte(s), &v) == nil {
		return v.Error
	}
	return s
}

// countingCodec is a JSONCodec that counts its calls: the codec is
// pluggable.
type countingCodec struct {
	StdJSON
	n *int
}

func (c countingCodec) Unmarshal(b []byte, v any) error { *c.n++; return c.StdJSON.Unmarshal(b, v) }

func TestBinderCodec(t *testing.T) {
	n := 0
	b := &Binder{JSON: countingCodec{n: &n}}
	app := eddy.New(eddy.Config{})
	app.Post("/", func(c *eddy.Ctx) error {
		var v struct {
			A int `json:"a"`
		}
		if err := b.Bind(c, &v); err != nil {
			return err
		}
		return b.JSONResponse(c, v)
	})
	s := eddytest.New(t, app)
	if r := s.Post(t, "/", "application/json", []byte(`{"a":7}`)); r.Text() != `{"a":7}` || n != 1 {
		t.Fatalf("%q, codec called %d times", r.Body, n)
	}
}

func TestBadRulesPanic(t *testing.T) {
	type bad1 struct {
		A int `validate:"min=x"`
	}
	type bad2 struct {
		A int `validate:"frobnicate"`
	}
	for _, v := range []any{&bad1{}, &bad2{}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%T: no panic", v)
				}
			}()
			metaOf(reflectTypeOf(v))
		}()
	}
}

func reflectTypeOf(v any) reflect.Type { return reflect.TypeOf(v).Elem() }
