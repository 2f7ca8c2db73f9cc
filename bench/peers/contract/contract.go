// Package contract holds what every benchmark server answers, so the peers and eddy's
// bench/server serve byte-for-byte the same bodies:
//
//	GET  /plaintext -> "Hello, World!" (text/plain; charset=utf-8)
//	GET  /json      -> {"message":"Hello, World!"} (application/json), serialized per request
//	POST /echo      -> the request body (up to MaxBody bytes; larger -> 413)
//
// Every response carries a Server and a Date header. JSON bodies are serialized per request
// with encoding/json.Marshal of Message in every server that serializes (rawgnet, the floor,
// writes a canned reply instead).
package contract

// Plaintext is the body of GET /plaintext.
const Plaintext = "Hello, World!"

// JSON is the body GET /json must produce (what json.Marshal(Message{...}) yields).
const JSON = `{"message":"Hello, World!"}`

// MaxBody is the largest POST /echo body every server must accept: 4 MiB.
const MaxBody = 4 << 20

// Message is the value serialized for GET /json.
type Message struct {
	Message string `json:"message"`
}

// Hello returns the value serialized for GET /json.
func Hello() Message { return Message{Message: Plaintext} }
