package eddy

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// A jsonPlan writes the JSON of one struct type (or pointer to one) itself,
// byte for byte as encoding/json's Encoder would (HTML characters escaped),
// without the Encoder's pooled state, type-cache lookup and copy: about
// 1,300 instructions less for a small struct. Only types whose encoding is
// that simple get one: exported fields of string, bool and integer kinds,
// named by their Go name or a plain tag name, with no option but
// omitempty, no json.Number, and no field or the type itself with a
// MarshalJSON or MarshalText method. Any other value goes to
// encoding/json.
type jsonPlan struct {
	ptr    bool // values are pointers to the struct
	fields []jsonField
}

// jsonField is one field of a jsonPlan's struct.
type jsonField struct {
	key       string // `"name":`
	off       uintptr
	kind      reflect.Kind
	omitEmpty bool
}

// jsonPlans holds the plan of every type Ctx.JSON has met (nil: none, the
// type goes to encoding/json). It grows by one entry per distinct type,
// which a program has a fixed number of.
var jsonPlans sync.Map // reflect.Type -> *jsonPlan

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonNumberType    = reflect.TypeFor[json.Number]()
)

// eface is the layout of an interface value with no methods.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// jsonPlanFor returns v's plan, or nil when encoding/json must encode v.
// The state remembers the last type it saw, so a handler answering the
// same type skips the shared cache's lookup too.
func (s *ctxState) jsonPlanFor(v any) *jsonPlan {
	typ := (*eface)(unsafe.Pointer(&v)).typ
	if typ == nil {
		return nil
	}
	if typ == s.jsonTyp {
		return s.jsonPlan
	}
	t := reflect.TypeOf(v)
	var p *jsonPlan
	if got, ok := jsonPlans.Load(t); ok {
		p = got.(*jsonPlan)
	} else {
		p = newJSONPlan(t)
		jsonPlans.Store(t, p)
	}
	s.jsonTyp, s.jsonPlan = typ, p
	return p
}

// newJSONPlan returns t's plan, or nil when its encoding is not simple.
func newJSONPlan(t reflect.Type) *jsonPlan {
	p := &jsonPlan{}
	if t.Kind() == reflect.Pointer {
		p.ptr, t = true, t.Elem()
	}
	if t.Kind() != reflect.Struct || hasMarshal(t) {
		return nil
	}
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil // embedded fields: encoding/json's promotion rules
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		if !plainJSONName(name) || (opts != "" && opts != "omitempty") || seen[name] {
			return nil
		}
		seen[name] = true
		switch sf.Type.Kind() {
		case reflect.String, reflect.Bool,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return nil
		}
		if hasMarshal(sf.Type) || sf.Type == jsonNumberType {
			return nil // json.Number is written unquoted, as a number
		}
		p.fields = append(p.fields, jsonField{
			key:       `"` + name + `":`,
			off:       sf.Offset,
			kind:      sf.Type.Kind(),
			omitEmpty: opts == "omitempty",
		})
	}
	return p
}

// hasMarshal reports whether t or *t has a method encoding/json calls.
func hasMarshal(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType) ||
		pt.Implements(jsonMarshalerType) || pt.Implements(textMarshalerType)
}

// plainJSONName reports whether name is ASCII letters, digits and '_'
// only: a key that encoding/json writes as it is.
func plainJSONName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// append appends v's JSON to b; v has p's type. A nil pointer is null, as
// encoding/json writes it.
func (p *jsonPlan) append(b []byte, v any) []byte {
	base := (*eface)(unsafe.Pointer(&v)).data
	if p.ptr && base == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	n := len(b)
	for i := range p.fields {
		f := &p.fields[i]
		at := unsafe.Add(base, f.off)
		if f.omitEmpty && jsonEmpty(f.kind, at) {
			continue
		}
		if len(b) != n {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		switch f.kind {
		case reflect.String:
			b = appendJSONText(b, *(*string)(at))
		case reflect.Bool:
			b = strconv.AppendBool(b, *(*bool)(at))
		case reflect.Int:
			b = strconv.AppendInt(b, int64(*(*int)(at)), 10)
		case reflect.Int8:
			b = strconv.AppendInt(b, int64(*(*int8)(at)), 10)
		case reflect.Int16:
			b = strconv.AppendInt(b, int64(*(*int16)(at)), 10)
		case reflect.Int32:
			b = strconv.AppendInt(b, int64(*(*int32)(at)), 10)
		case reflect.Int64:
			b = strconv.AppendInt(b, *(*int64)(at), 10)
		case reflect.Uint:
			b = strconv.AppendUint(b, uint64(*(*uint)(at)), 10)
		case reflect.Uint8:
			b = strconv.AppendUint(b, uint64(*(*uint8)(at)), 10)
		case reflect.Uint16:
			b = strconv.AppendUint(b, uint64(*(*uint16)(at)), 10)
		case reflect.Uint32:
			b = strconv.AppendUint(b, uint64(*(*uint32)(at)), 10)
		case reflect.Uint64:
			b = strconv.AppendUint(b, *(*uint64)(at), 10)
		}
	}
	return append(b, '}')
}

// jsonEmpty reports whether the field at at is empty for omitempty: "",
// false or 0.
func jsonEmpty(k reflect.Kind, at unsafe.Pointer) bool {
	switch k {
	case reflect.String:
		return len(*(*string)(at)) == 0
	case reflect.Bool:
		return !*(*bool)(at)
	case reflect.Int, reflect.Uint:
		return *(*uint)(at) == 0
	case reflect.Int8, reflect.Uint8:
		return *(*uint8)(at) == 0
	case reflect.Int16, reflect.Uint16:
		return *(*uint16)(at) == 0
	case reflect.Int32, reflect.Uint32:
		return *(*uint32)(at) == 0
	}
	return *(*uint64)(at) == 0
}

// jsonSafe marks the bytes appendJSONText copies as they are: ASCII from
// ' ' on but '"', '\\', '<', '>' and '&' (encoding/json's htmlSafeSet). A
// table, not five compares: a load per byte.
var jsonSafe = func() (t [256]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		t[b] = !strings.ContainsRune(`"\<>&`, b)
	}
	return t
}()

// jsonSpecial8 reports whether any byte of x is not in jsonSafe: below
// ' ', from 0x80 on, or one of '"', '\\', '<', '>', '&'. Each test is the
// exact "some byte is zero" (or "less than") bit trick, so it has no
// false negatives; it says nothing about which byte.
func jsonSpecial8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q, bs, lt, gt, amp := x^(lo*'"'), x^(lo*'\\'), x^(lo*'<'), x^(lo*'>'), x^(lo*'&')
	m := (x-lo*' ')&^x | x // a byte below ' ' or from 0x80 on
	m |= (q-lo)&^q | (bs-lo)&^bs | (lt-lo)&^lt | (gt-lo)&^gt | (amp-lo)&^amp
	return m&hi != 0
}

// appendJSONText appends s as a JSON string exactly as encoding/json does
// with HTML escaping on (its appendString): '"', '\\' and the control
// characters escaped (\b \f \n \r \t by name), '<', '>' and '&' as \u00XX,
// each invalid UTF-8 byte as \ufffd, U+2028 and U+2029 as \u2028, \u2029.
func appendJSONText(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	// Eight bytes at a time while none needs escaping (the usual text),
	// then byte by byte from the first eight that might.
	i := 0
	for i+8 <= len(s) && !jsonSpecial8(load64(s[i:])) {
		i += 8
	}
	start := 0
	for i < len(s) {
		b := s[i]
		if jsonSafe[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
