package bind

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpcodec"
)

// JSONCodec decodes and encodes JSON. The standard library's encoding/json
// is the default (StdJSON); any faster drop-in (goccy/go-json,
// bytedance/sonic, segmentio/encoding) fits in two lines of adapter.
type JSONCodec interface {
	Unmarshal(data []byte, v any) error
	Marshal(v any) ([]byte, error)
}

// StdJSON is JSONCodec on encoding/json.
type StdJSON struct{}

// Unmarshal is json.Unmarshal.
func (StdJSON) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// Marshal is json.Marshal.
func (StdJSON) Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// Binder binds requests into structs. The zero value uses StdJSON.
type Binder struct {
	// JSON decodes request bodies and encodes JSON answers. Default
	// StdJSON.
	JSON JSONCodec
}

// Default is the Binder the package functions use.
var Default = &Binder{}

// Bind fills dst, a pointer to a struct, from c with Default.
func Bind(c *eddy.Ctx, dst any) error { return Default.Bind(c, dst) }

// JSON answers with v encoded by Default's codec.
func JSON(c *eddy.Ctx, v any) error { return Default.JSONResponse(c, v) }

// FieldError is one bad field.
type FieldError struct {
	Source string // "path", "query", "header", "form" or "json"
	Name   string // the name in that source (the tag's)
	Rule   string // the rule that failed ("required", "max" ...), "type" for a bad value
	Msg    string
}

func (f FieldError) String() string { return f.Source + " " + f.Name + ": " + f.Msg }

// Error lists every field that failed binding or validation. It
// unwraps to an *eddy.HTTPError (422, its message listing the fields), so
// returning it from a handler answers 422.
type Error struct {
	Fields []FieldError
	http   *eddy.HTTPError
}

func (e *Error) Error() string { return "bind: " + e.http.Message }

// Unwrap returns the 422 *eddy.HTTPError the error handler answers.
func (e *Error) Unwrap() error { return e.http }

func newError(fields []FieldError) *Error {
	msgs := make([]string, len(fields))
	for i, f := range fields {
		msgs[i] = f.String()
	}
	return &Error{Fields: fields, http: eddy.NewHTTPError(422, "invalid request: "+strings.Join(msgs, "; "))}
}

var errNotStructPtr = errors.New("bind: destination must be a non-nil pointer to a struct")

func (b *Binder) codec() JSONCodec {
	if b.JSON == nil {
		return StdJSON{}
	}
	return b.JSON
}

// JSONResponse answers with v encoded by the Binder's codec, as
// application/json.
func (b *Binder) JSONResponse(c *eddy.Ctx, v any) error {
	out, err := b.codec().Marshal(v)
	if err != nil {
		return fmt.Errorf("bind: encoding the response: %w", err)
	}
	return c.Blob("application/json", out)
}

// Bind fills dst, a pointer to a struct, from c: the JSON body first (when
// the Content-Type is JSON and the body is not empty), then path, query,
// header and form fields by their tags; then it validates every field. A
// body that is not valid JSON is a 400 (*eddy.HTTPError); conversion and
// validation failures are one *Error (422) listing them all.
func (b *Binder) Bind(c *eddy.Ctx, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return errNotStructPtr
	}
	v = v.Elem()
	meta := metaOf(v.Type())
	var errs []FieldError
	if body := c.BodyBytes(); len(body) > 0 && isJSON(c.Header("Content-Type")) {
		if err := b.codec().Unmarshal(body, dst); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				errs = append(errs, FieldError{Source: "json", Name: te.Field, Rule: "type",
					Msg: "must be " + te.Type.String() + ", not " + te.Value})
			} else {
				return &eddy.HTTPError{Status: 400, Message: "invalid JSON body", Err: err}
			}
		}
	}
	var form *eddy.Form
	for i := range meta.fields {
		f := &meta.fields[i]
		if f.source == "" || f.source == "json" {
			continue
		}
		var vals []string
		switch f.source {
		case "path":
			if p := c.ParamBytes(f.name); p != nil {
				vals = []string{string(p)}
			}
		case "query":
			vals = c.QueryValues(f.name)
		case "header":
			vals = headerValues(c, f.name)
		case "form":
			if !isForm(c.Header("Content-Type")) {
				continue
			}
			if form == nil {
				var err error
				if form, err = c.Form(); err != nil {
					return err
				}
			}
			vals = form.Values(f.name)
		}
		if len(vals) == 0 {
			continue
		}
		if err := setValue(v.FieldByIndex(f.index), vals); err != nil {
			errs = append(errs, FieldError{Source: f.source, Name: f.name, Rule: "type", Msg: err.Error()})
		}
	}
	for i := range meta.fields {
		f := &meta.fields[i]
		if f.bad(errs) {
			continue // already reported
		}
		errs = f.validate(v.FieldByIndex(f.index), errs)
	}
	if len(errs) > 0 {
		return newError(errs)
	}
	return nil
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func isForm(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data")
}

// headerValues returns every value of the request header name: each field
// line, split at commas.
func headerValues(c *eddy.Ctx, name string) []string {
	r := c.Request()
	var out []string
	for i, n := 0, r.NumHeaders(); i < n; i++ {
		k, v := r.HeaderAt(i)
		if httpcodec.EqualFold(k, name) {
			out = append(out, string(v))
		}
	}
	return out
}

// meta is the binding plan of one struct type.
type meta struct{ fields []field }

type field struct {
	index  []int
	source string // "path", "query", "header", "form", "json" or ""
	name   string
	rules  []rule
}

type rule struct {
	name string
	arg  string
	num  float64
}

var metas sync.Map // reflect.Type -> *meta

func metaOf(t reflect.Type) *meta {
	if m, ok := metas.Load(t); ok {
		return m.(*meta)
	}
	m := &meta{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		f := field{index: sf.Index}
		for _, src := range [...]string{"path", "query", "header", "form"} {
			if n := sf.Tag.Get(src); n != "" && n != "-" {
				f.source, f.name = src, n
				break
			}
		}
		if f.source == "" {
			f.source, f.name = "json", sf.Name
			if n, _, _ := strings.Cut(sf.Tag.Get("json"), ","); n != "" && n != "-" {
				f.name = n
			}
		}
		for r := range strings.SplitSeq(sf.Tag.Get("validate"), ",") {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			name, arg, _ := strings.Cut(r, "=")
			ru := rule{name: name, arg: arg}
			switch name {
			case "min", "max", "len":
				n, err := strconv.ParseFloat(arg, 64)
				if err != nil {
					panic(fmt.Sprintf("bind: %s.%s: bad rule %q", t, sf.Name, r))
				}
				ru.num = n
			case "required", "oneof", "email":
			default:
				panic(fmt.Sprintf("bind: %s.%s: unknown rule %q", t, sf.Name, r))
			}
			f.rules = append(f.rules, ru)
		}
		m.fields = append(m.fields, f)
	}
	actual, _ := metas.LoadOrStore(t, m)
	return actual.(*meta)
}

func (f *field) bad(errs []FieldError) bool {
	for _, e := range errs {
		if e.Source == f.source && e.Name == f.name {
			return true
		}
	}
	return false
}

// validate checks v against f's rules, appending failures to errs.
func (f *field) validate(v reflect.Value, errs []FieldError) []FieldError {
	fail := func(r rule, msg string) []FieldError {
		return append(errs, FieldError{Source: f.source, Name: f.name, Rule: r.name, Msg: msg})
	}
	for _, r := range f.rules {
		if r.name == "required" {
			if v.IsZero() {
				return fail(r, "is required")
			}
			continue
		}
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				continue // absent and optional: other rules do not apply
			}
			v = v.Elem()
		}
		switch r.name {
		case "min", "max", "len":
			n, isLen := measure(v)
			what := "be"
			if isLen {
				what = "have length"
			}
			switch {
			case r.name == "min" && n < r.num:
				return fail(r, fmt.Sprintf("must %s at least %v", what, r.num))
			case r.name == "max" && n > r.num:
				return fail(r, fmt.Sprintf("must %s at most %v", what, r.num))
			case r.name == "len" && n != r.num:
				return fail(r, fmt.Sprintf("must %s exactly %v", what, r.num))
			}
		case "oneof":
			s := fmt.Sprint(v.Interface())
			ok := false
			for o := range strings.SplitSeq(r.arg, "|") {
				if s == o {
					ok = true
				}
			}
			if !ok && !(v.IsZero() && !hasRule(f, "required")) {
				return fail(r, "must be one of "+strings.ReplaceAll(r.arg, "|", ", "))
			}
		case "email":
			if v.Kind() == reflect.String && v.Len() > 0 && !validEmail(v.String()) {
				return fail(r, "must be an email address")
			}
		}
	}
	return errs
}

func hasRule(f *field, name string) bool {
	for _, r := range f.rules {
		if r.name == name {
			return true
		}
	}
	return false
}

// measure returns what min and max compare: a number's value, a length.
func measure(v reflect.Value) (float64, bool) {
	switch v.Kind() {
	case reflect.String:
		return float64(len([]rune(v.String()))), true
	case reflect.Slice, reflect.Map, reflect.Array:
		return float64(v.Len()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), false
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()), false
	case reflect.Float32, reflect.Float64:
		return v.Float(), false
	}
	return 0, false
}

func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	return strings.Contains(s[at+1:], ".")
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
	timeType        = reflect.TypeFor[time.Time]()
)

// setValue converts vals into v: a slice takes them all, anything else
// the first.
func setValue(v reflect.Value, vals []string) error {
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 && !v.Addr().Type().Implements(textUnmarshaler) {
		s := reflect.MakeSlice(v.Type(), len(vals), len(vals))
		for i, x := range vals {
			if err := setOne(s.Index(i), x); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	}
	return setOne(v, vals[0])
}

func setOne(v reflect.Value, s string) error {
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		if err := setOne(p.Elem(), s); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if v.CanAddr() && v.Addr().Type().Implements(textUnmarshaler) && v.Type() != timeType {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return fmt.Errorf("invalid value %q", s)
		}
		return nil
	}
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("must be a duration (like 1.5s), not %q", s)
		}
		v.SetInt(int64(d))
		return nil
	case v.Type() == timeType:
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return fmt.Errorf("must be an RFC 3339 time, not %q", s)
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("must be true or false, not %q", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("must be an integer, not %q", s)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("must be a non-negative integer, not %q", s)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("must be a number, not %q", s)
		}
		v.SetFloat(n)
	default:
		return fmt.Errorf("bind: unsupported field type %s", v.Type())
	}
	return nil
}
