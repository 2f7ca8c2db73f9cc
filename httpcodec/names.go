package httpcodec

import "encoding/binary"

// Framing field names are recognised by comparing whole words: the name's
// bytes OR 0x20 against the lower-case name, 8 bytes at a time. That is
// exact for field names, which are validated tokens first: the only token
// bytes that OR 0x20 maps onto a lower-case letter are the upper-case
// letters, and none maps onto '-' (0x0d is not a token byte). It saves a
// table load and a branch per byte on every field of every request.

const fold8 = 0x2020202020202020

func word8(s string) uint64 { return binary.LittleEndian.Uint64([]byte(s)) }
func word4(s string) uint32 { return binary.LittleEndian.Uint32([]byte(s)) }

var (
	wHost     = word4("host")
	wExpe     = word4("expe")
	wpect     = word4("pect")
	wUpgr     = word4("upgr")
	wrade     = word4("rade")
	wConnecti = word8("connecti")
	wnnection = word8("nnection")
	wContent  = word8("content-")
	wtLength  = word8("t-length")
	wTransfer = word8("transfer")
	wEncoding = word8("-encodin")
	wncoding  = word8("encoding")
	wKeepAli  = word8("keep-ali")
	wepAlive  = word8("ep-alive")
	wClos     = word4("clos")

	// Singleton fields (see singletonOf).
	wRang     = word4("rang")
	wIfRange  = word8("if-range")
	wType     = word4("type")
	wMaxForw  = word8("max-forw")
	wards     = word4("ards")
	wAuthoriz = word8("authoriz")
	wrization = word8("rization")
	wIfModif  = word8("if-modif")
	wiedSinc  = word8("ied-sinc")
	wedSince  = word8("ed-since")
	wProxyAu  = word8("proxy-au")
	wthorizat = word8("thorizat")
	wIfUnmod  = word8("if-unmod")
	wifiedSi  = word8("ified-si")
)

func lo4(b []byte) uint32 { return binary.LittleEndian.Uint32(b) | 0x20202020 }
func lo8(b []byte) uint64 { return binary.LittleEndian.Uint64(b) | fold8 }

// Each isX reports whether the token b, of the length the caller has
// already switched on, is that name in any case.
func isHost(b []byte) bool   { return lo4(b) == wHost }
func isExpect(b []byte) bool { return lo4(b) == wExpe && lo4(b[2:]) == wpect }
func isUpgrade(b []byte) bool {
	return lo4(b) == wUpgr && lo4(b[3:]) == wrade
}
func isConnection(b []byte) bool {
	return lo8(b) == wConnecti && lo8(b[2:]) == wnnection
}
func isContentLength(b []byte) bool {
	return lo8(b) == wContent && lo8(b[6:]) == wtLength
}
func isTransferEncoding(b []byte) bool {
	return lo8(b) == wTransfer && lo8(b[8:]) == wEncoding && lo8(b[9:]) == wncoding
}

// Singleton fields: fields whose grammar allows one value, not a list (RFC
// 9110 5.3), and whose meaning changes with the value a recipient picks.
// Host and Content-Length are checked on their own. A repeat with a
// different value is ErrConflictingField; an identical repeat is accepted
// (Header returns the first). Each has a bit in a uint16 of "seen" flags.
const (
	sContentType = 1 << iota
	sAuthorization
	sProxyAuthorization
	sRange
	sIfRange
	sIfModifiedSince
	sIfUnmodifiedSince
	sMaxForwards
)

// singletonOf returns the singleton bit of the token b, or 0. It is called
// only for the lengths of singleton names (5, 8, 12, 13, 17 and 19).
func singletonOf(b []byte) uint16 {
	switch len(b) {
	case 5:
		if lo4(b) == wRang && b[4]|0x20 == 'e' {
			return sRange
		}
	case 8:
		if lo8(b) == wIfRange {
			return sIfRange
		}
	case 12:
		switch lo8(b) {
		case wContent:
			if lo4(b[8:]) == wType {
				return sContentType
			}
		case wMaxForw:
			if lo4(b[8:]) == wards {
				return sMaxForwards
			}
		}
	case 13:
		if lo8(b) == wAuthoriz && lo8(b[5:]) == wrization {
			return sAuthorization
		}
	case 17:
		if lo8(b) == wIfModif && lo8(b[8:]) == wiedSinc && b[16]|0x20 == 'e' {
			return sIfModifiedSince
		}
	case 19:
		switch lo8(b) {
		case wProxyAu:
			if lo8(b[8:]) == wthorizat && lo8(b[11:]) == wrization {
				return sProxyAuthorization
			}
		case wIfUnmod:
			if lo8(b[8:]) == wifiedSi && lo8(b[11:]) == wedSince {
				return sIfUnmodifiedSince
			}
		}
	}
	return 0
}
