// Package compare measures the JSON codecs bind/fastjson was chosen from
// against encoding/json: go test -run XXX -bench . (see ../README.md).
package compare

import (
	stdjson "encoding/json"
	"testing"
	"time"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	jsoniter "github.com/json-iterator/go"
	segjson "github.com/segmentio/encoding/json"
)

// user is bind's typical JSON body (bind_test.go's input, JSON part).
type user struct {
	Name  string `json:"name"`
	Age   int    `json:"age"`
	Role  string `json:"role"`
	Email string `json:"email"`
}

// message is bench/server's /json answer.
type message struct {
	Message string `json:"message"`
}

// order is a larger API payload: nested, a slice, a time.
type item struct {
	SKU   string  `json:"sku"`
	Qty   int     `json:"qty"`
	Price float64 `json:"price"`
}
type order struct {
	ID       int64             `json:"id"`
	Customer user              `json:"customer"`
	Items    []item            `json:"items"`
	Tags     []string          `json:"tags"`
	Meta     map[string]string `json:"meta"`
	Created  time.Time         `json:"created"`
	Paid     bool              `json:"paid"`
}

type codec struct {
	name string
	m    func(any) ([]byte, error)
	u    func([]byte, any) error
}

var it = jsoniter.ConfigCompatibleWithStandardLibrary

var codecs = []codec{
	{"std", stdjson.Marshal, stdjson.Unmarshal},
	{"goccy", gojson.Marshal, gojson.Unmarshal},
	{"segmentio", segjson.Marshal, segjson.Unmarshal},
	{"sonic", sonic.ConfigStd.Marshal, sonic.ConfigStd.Unmarshal},
	{"jsoniter", it.Marshal, it.Unmarshal},
}

func mkOrder() order {
	o := order{ID: 123456789, Customer: user{"ada", 36, "admin", "ada@example.com"},
		Tags: []string{"new", "priority", "gift"}, Meta: map[string]string{"src": "web", "ref": "x1"},
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Paid: true}
	for i := 0; i < 20; i++ {
		o.Items = append(o.Items, item{"SKU-000" + string(rune('A'+i)), i + 1, 9.99 + float64(i)})
	}
	return o
}

func BenchmarkDecode(b *testing.B) {
	ub, _ := stdjson.Marshal(user{"ada", 36, "admin", "ada@example.com"})
	ob, _ := stdjson.Marshal(mkOrder())
	for _, c := range codecs {
		b.Run("user/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(ub)))
			for b.Loop() {
				var v user
				if err := c.u(ub, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("order/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(ob)))
			for b.Loop() {
				var v order
				if err := c.u(ob, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	u := user{"ada", 36, "admin", "ada@example.com"}
	o := mkOrder()
	m := message{"Hello, World!"}
	for _, c := range codecs {
		b.Run("message/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.m(m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("user/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.m(u); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("order/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.m(o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
