package eddy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/eddy-go/eddy"
)

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

// The aiohttp tutorial's first server: "/" and "/{name}".
func Example() {
	app := eddy.New(eddy.Config{})
	handle := func(c *eddy.Ctx) error {
		name := c.Param("name")
		if name == "" {
			name = "Anonymous"
		}
		return c.Text("Hello, " + name)
	}
	app.Get("/", handle)
	app.Get("/{name}", handle)

	if err := app.Start("127.0.0.1:0"); err != nil { // app.Run(":8080") in a program
		panic(err)
	}
	defer app.Shutdown(context.Background())
	base := "http://" + app.Addr().String()
	fmt.Println(get(base + "/"))
	fmt.Println(get(base + "/eddy"))
	// Output:
	// 200 Hello, Anonymous
	// 200 Hello, eddy
}

// Errors are responses: return an *HTTPError (or a sentinel) and the error
// handler answers with its status.
func ExampleHTTPError() {
	users := map[string]string{"1": "Ada"}
	app := eddy.New(eddy.Config{})
	app.Get("/users/{id:[0-9]+}", func(c *eddy.Ctx) error {
		u, ok := users[c.Param("id")]
		if !ok {
			return eddy.ErrNotFound.WithMessage("no such user")
		}
		return c.JSON(map[string]string{"name": u})
	})
	if err := app.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer app.Shutdown(context.Background())
	base := "http://" + app.Addr().String()
	fmt.Println(get(base + "/users/1"))
	fmt.Println(get(base + "/users/2"))
	fmt.Println(get(base + "/users/x"))
	// Output:
	// 200 {"name":"Ada"}
	// 404 no such user
	// 404 Not Found
}

// Blocking work goes to the pool, per route; Go runs one blocking step from
// an on-loop handler.
func ExampleCtx_Go() {
	app := eddy.New(eddy.Config{})
	lookup := func(id string) (string, error) { return "user " + id, nil } // a database call
	app.Get("/pool/{id}", func(c *eddy.Ctx) error {
		u, err := lookup(c.Param("id"))
		if err != nil {
			return err
		}
		return c.Text(u)
	}, eddy.InPool)
	app.Get("/go/{id}", func(c *eddy.Ctx) error {
		id := c.Param("id")
		var u string
		return c.Go(func() (err error) { u, err = lookup(id); return err },
			func(c *eddy.Ctx) error { return c.Text(u) })
	})
	if err := app.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer app.Shutdown(context.Background())
	base := "http://" + app.Addr().String()
	fmt.Println(get(base + "/pool/1"))
	fmt.Println(get(base + "/go/2"))
	// Output:
	// 200 user 1
	// 200 user 2
}
