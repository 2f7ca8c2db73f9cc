// Package bind fills one struct from every part of a request (path
// parameters, query, headers, form fields and a JSON body) by struct tags,
// then validates it, reporting every bad field at once with 422
// Unprocessable Content: echo's Bind and go-playground/validator's common
// rules in one small package, on eddy.Ctx.
//
//	type CreateUser struct {
//		Org   string   `path:"org" validate:"required"`
//		Token string   `header:"X-Token" validate:"required"`
//		Dry   bool     `query:"dry"`
//		Name  string   `json:"name" validate:"required,max=64"`
//		Age   int      `json:"age" validate:"min=0,max=150"`
//		Role  string   `json:"role" validate:"oneof=admin|user"`
//		Tags  []string `json:"tags" validate:"max=10"`
//	}
//
//	var in CreateUser
//	if err := bind.Bind(c, &in); err != nil {
//		return err // 400 for a malformed body, 422 listing every bad field
//	}
//
// # Sources
//
// A field takes its value from the tag that names it: path (a route
// parameter), query (a query parameter), header (a request header), form
// (a field of an urlencoded or multipart form). The JSON body, when the
// request's Content-Type is JSON, is decoded into the whole struct first
// by the Binder's codec (its json tags apply), then the tagged sources
// are applied over it. Slices take every value of a query parameter,
// header or form field. Field types: strings, bools, integers, floats,
// time.Duration, time.Time (RFC 3339), pointers to those (nil when
// absent), slices of those, and encoding.TextUnmarshaler.
//
// # Validation
//
// The validate tag lists rules, comma-separated: required (present and
// not the zero value), min=N and max=N (numbers: the value; strings,
// slices and maps: the length), len=N, oneof=a|b|c, email. A value that
// cannot be converted (age=abc) is a field error too. Every field is
// checked, and the error lists each bad one (Error.Fields) with its
// source and name.
//
// # Goroutines
//
// A Binder is safe for concurrent use; the metadata of each struct type
// is computed once and cached. Binding allocates (reflection): bind in
// handlers that can afford it, or decode by hand on the hottest paths.
package bind
