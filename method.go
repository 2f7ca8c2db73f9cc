package eddy

import (
	"fmt"

	"github.com/eddy-go/eddy/httpcodec"
)

// methodIndex numbers the standard methods so an endpoint finds a route by
// array index; other methods go through a map keyed by the method text.
type methodIndex uint8

const (
	mGet methodIndex = iota
	mHead
	mPost
	mPut
	mPatch
	mDelete
	mOptions
	mConnect
	mTrace
	nMethods
	mOther = nMethods
)

var methodNames = [nMethods]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}

// methodOf returns the index of a method, mOther for any but the standard
// ones. The switch on string(b) compiles to comparisons without a
// conversion.
func methodOf(b []byte) methodIndex {
	switch string(b) {
	case "GET":
		return mGet
	case "HEAD":
		return mHead
	case "POST":
		return mPost
	case "PUT":
		return mPut
	case "PATCH":
		return mPatch
	case "DELETE":
		return mDelete
	case "OPTIONS":
		return mOptions
	case "CONNECT":
		return mConnect
	case "TRACE":
		return mTrace
	}
	return mOther
}

// checkMethod panics on a method Handle must not take: not a token, a
// standard method in the wrong case, or CONNECT. "" (Any) is fine.
func checkMethod(method string) {
	if method == "" {
		return
	}
	if !httpcodec.ValidToken(method) {
		panic(fmt.Sprintf("eddy: invalid method %q: a method is a token (letters, digits, !#$%%&'*+-.^_`|~)", method))
	}
	for _, std := range methodNames {
		if method != std && httpcodec.EqualFold(method, std) {
			panic(fmt.Sprintf("eddy: method %q never matches: methods are case-sensitive; did you mean %s?", method, std))
		}
	}
	if method == "CONNECT" {
		panic("eddy: CONNECT routes never match: a CONNECT target is host:port, not a path, and is answered 501")
	}
}
