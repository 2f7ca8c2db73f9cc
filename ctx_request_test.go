package eddy_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAccessorNaming checks the naming rule of Ctx's accessors on one
// request: the Bytes form is the borrowed view, the plain form an owned
// string with the same content, and (v, ok) tells absent from empty for
// query parameters, headers and cookies (the string forms give "" for
// both).
func TestAccessorNaming(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Post("/a/{p}", func(c *eddy.Ctx) error {
		check := func(what, owned string, view []byte) string {
			if owned != string(view) {
				return fmt.Sprintf("%s: %q != %q; ", what, owned, view)
			}
			return ""
		}
		out := check("Body", c.Body(), c.BodyBytes()) +
			check("Path", c.Path(), c.PathBytes()) +
			check("RawPath", c.RawPath(), c.RawPathBytes()) +
			check("RawQuery", c.RawQuery(), c.RawQueryBytes()) +
			check("Param", c.Param("p"), c.ParamBytes("p"))
		for _, name := range []string{"e", "x", "missing"} {
			q, qok := c.QueryBytes(name)
			h, hok := c.HeaderBytes("X-" + name)
			k, kok := c.CookieBytes(name)
			out += fmt.Sprintf("%s q=%q,%v h=%q,%v k=%q,%v s=%q%q%q; ", name, q, qok, h, hok, k, kok,
				c.Query(name), c.Header("X-"+name), c.Cookie(name))
		}
		return c.Text(out)
	})
	conn := eddytest.New(t, app).Dial(t)
	req := "POST /a/%7Ev?e=&x=1 HTTP/1.1\r\nHost: h\r\nX-e:\r\nX-x: 1\r\nCookie: e=; x=1\r\nContent-Length: 4\r\n\r\nbody"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp := readResponses(t, conn, 1, "POST")[0]
	want := `e q="",true h="",true k="",true s=""""""; ` +
		`x q="1",true h="1",true k="1",true s="1""1""1"; ` +
		`missing q="",false h="",false k="",false s=""""""; `
	if resp.StatusCode != 200 || body(resp) != want {
		t.Fatalf("got %d %q\nwant %q", resp.StatusCode, body(resp), want)
	}
}

// TestUnderscoreHeadersThroughApp: X_Forwarded_For never answers for
// X-Forwarded-For; with DropUnderscoreHeaders handlers do not see it.
func TestUnderscoreHeadersThroughApp(t *testing.T) {
	h := func(c *eddy.Ctx) error {
		return c.Text(c.Header("X-Forwarded-For") + "|" + c.Header("X_Forwarded_For") + "|" + c.Header("x_forwarded_for"))
	}
	for _, tc := range []struct {
		drop bool
		want string
	}{{false, "1.2.3.4|6.6.6.6|6.6.6.6"}, {true, "1.2.3.4||"}} {
		app := eddy.New(eddy.Config{DropUnderscoreHeaders: tc.drop})
		app.Get("/", h)
		s := eddytest.New(t, app)
		c := s.Dial(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX_Forwarded_For: 6.6.6.6\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n")
		if rs := readResponses(t, c, 1, "GET"); body(rs[0]) != tc.want {
			t.Errorf("drop %v: %q, want %q", tc.drop, body(rs[0]), tc.want)
		}
	}
}
