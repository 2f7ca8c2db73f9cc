package eddytest_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// testHello is written as in a _test.go file: in a test, pass the
// *testing.T (or a subtest's t) where it takes t.
func testHello(t testing.TB) {
	app := eddy.New(eddy.Config{})
	app.Get("/hello/{name}", func(c *eddy.Ctx) error {
		return c.Text("hello " + c.Param("name"))
	})
	app.Post("/users", func(c *eddy.Ctx) error {
		var u struct{ Name string }
		if err := c.BindJSON(&u); err != nil {
			return err
		}
		return c.Status(201).JSON(map[string]string{"created": u.Name})
	})
	app.Post("/search", func(c *eddy.Ctx) error {
		return c.Text("q=" + c.FormValue("q"))
	})

	s := eddytest.New(t, app) // shut down when t ends

	r := s.Get(t, "/hello/ada")
	fmt.Println(r.Status, r.Text())

	r = s.PostJSON(t, "/users", map[string]string{"name": "Grace"})
	var created map[string]string
	r.JSON(t, &created)
	fmt.Println(r.Status, created["created"])

	r = s.PostForm(t, "/search", url.Values{"q": {"loops"}})
	fmt.Println(r.Status, r.Text())

	r = s.Get(t, "/missing", eddytest.Header("Accept", "application/json"))
	fmt.Println(r.Status, r.Header.Get("Content-Type"), r.Text())

	c := s.Dial(t) // a raw connection, for protocol tests
	c.Send(t, "GET /hello/raw HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/pipelined HTTP/1.1\r\nHost: x\r\n\r\n")
	fmt.Println(c.ReadResponse(t, "GET").Text())
	fmt.Println(c.ReadResponse(t, "GET").Text())
}

func Example() {
	runOnce(testHello)
	// Output:
	// 200 hello ada
	// 201 Grace
	// 200 q=loops
	// 404 application/json {"error":"Not Found","status":404}
	// hello raw
	// hello pipelined
}

// runOnce calls f once with a real testing.TB outside of a test, as this
// example needs; tests pass their t instead.
func runOnce(f func(t testing.TB)) {
	testing.Benchmark(func(b *testing.B) {
		f(b)
		b.SkipNow() // once is enough: no more benchmark rounds
	})
}
