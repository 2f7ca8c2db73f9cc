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
