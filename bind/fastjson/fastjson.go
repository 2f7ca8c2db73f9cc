// Package fastjson is a faster JSON codec for bind: goccy/go-json, a
// drop-in for encoding/json (same struct tags, same errors for bad input,
// HTML escaping on), chosen over segmentio/encoding, bytedance/sonic and
// json-iterator by measurement on bind's payloads (the figures are in the
// README beside this file). It lives in a module of its own so that eddy's
// core module does not depend on it.
//
//	bind.Default.JSON = fastjson.Codec{}          // every bind.Bind and bind.JSON
//	b := &bind.Binder{JSON: fastjson.Codec{}}     // or one Binder
//
// Codec is stateless and safe for concurrent use.
package fastjson

import (
	gojson "github.com/goccy/go-json"

	"github.com/eddy-go/eddy/bind"
)

// Codec is bind.JSONCodec on goccy/go-json.
type Codec struct{}

var _ bind.JSONCodec = Codec{}

// Unmarshal decodes data into v, as encoding/json.Unmarshal does.
func (Codec) Unmarshal(data []byte, v any) error { return gojson.Unmarshal(data, v) }

// Marshal encodes v, as encoding/json.Marshal does.
func (Codec) Marshal(v any) ([]byte, error) { return gojson.Marshal(v) }
