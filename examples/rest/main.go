// Command rest is a small users API on eddy: JSON in and out, path parameters with a regex,
// validation errors as JSON (400 for a body that is not JSON, 422 for invalid fields).
//
//	GET    /users           list
//	POST   /users           create     {"name": "...", "email": "..."} -> 201
//	GET    /users/{id}      get        404 when absent
//	PUT    /users/{id}      replace    same body as create
//	DELETE /users/{id}      delete     204
//
//	go run ./examples/rest
//	curl -d '{"name":"Ada","email":"ada@example.com"}' localhost:8080/users
//	curl localhost:8080/users/1
package main

import (
	"errors"
	"flag"
	"log"
	"strconv"

	"github.com/eddy-go/eddy"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if err := newApp(eddy.Config{}).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// newApp builds the API with an empty store; main runs it and the test starts it on
// 127.0.0.1:0. Every handler runs on the loop: the store never blocks.
func newApp(cfg eddy.Config) *eddy.App {
	api := &api{users: newStore()}
	cfg.ErrorHandler = jsonErrors
	app := eddy.New(cfg)
	app.Get("/users", api.list)
	app.Post("/users", api.create)
	app.Get(`/users/{id:\d+}`, api.get)
	app.Put(`/users/{id:\d+}`, api.update)
	app.Delete(`/users/{id:\d+}`, api.delete)
	return app
}

type api struct{ users *store }

func (a *api) list(c *eddy.Ctx) error {
	return c.JSON(a.users.list())
}

func (a *api) create(c *eddy.Ctx) error {
	in, err := bindUser(c)
	if err != nil {
		return err
	}
	u := a.users.create(in)
	c.SetHeader("Location", "/users/"+strconv.FormatInt(u.ID, 10))
	return c.Status(201).JSON(u)
}

func (a *api) get(c *eddy.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	u, ok := a.users.get(id)
	if !ok {
		return errNoUser
	}
	return c.JSON(u)
}

func (a *api) update(c *eddy.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	in, err := bindUser(c)
	if err != nil {
		return err
	}
	u, ok := a.users.update(id, in)
	if !ok {
		return errNoUser
	}
	return c.JSON(u)
}

func (a *api) delete(c *eddy.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	if !a.users.delete(id) {
		return errNoUser
	}
	return c.NoContent(204)
}

var errNoUser = eddy.ErrNotFound.WithMessage("no such user")

// userID parses {id}; the route's \d+ already rejected non-digits, so only overflow is left.
func userID(c *eddy.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, eddy.ErrNotFound.WithMessage("no such user")
	}
	return id, nil
}

// bindUser decodes and validates a user body: 400 when it is not JSON of the right shape,
// 422 with one message per field when a field is invalid.
func bindUser(c *eddy.Ctx) (userInput, error) {
	var in userInput
	if err := c.BindJSON(&in); err != nil {
		return in, err
	}
	if bad := in.validate(); bad != nil {
		return in, &validationError{fields: bad}
	}
	return in, nil
}

// validationError is a 422 with the invalid fields.
type validationError struct{ fields map[string]string }

func (e *validationError) Error() string { return "rest: invalid fields" }

// errorBody is every error response of the API.
type errorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

// jsonErrors answers every error as JSON: {"error": "...", "fields": {...}}.
func jsonErrors(c *eddy.Ctx, err error) {
	var ve *validationError
	if errors.As(err, &ve) {
		c.Status(422).JSON(errorBody{Error: "invalid fields", Fields: ve.fields})
		return
	}
	status := eddy.StatusOf(err)
	msg := "internal server error" // never show an unexpected error's text
	var he *eddy.HTTPError
	if errors.As(err, &he) {
		msg = he.Text()
	}
	c.Status(status).JSON(errorBody{Error: msg})
}
