package httpcodec

// validIPv6 reports whether s is an IPv6address of RFC 3986 3.2.2: eight
// 16-bit groups of one to four hex digits separated by ':', at most one
// "::" standing for one or more zero groups, and optionally a dotted IPv4
// address as the last two groups. It is what an IP literal ("[...]") in a
// Host or an authority may hold; zones (RFC 6874) and IPvFuture are not
// accepted. It agrees with net/netip.ParseAddr on addresses without a zone
// (TestValidIPv6 and FuzzValidIPv6 check that) but allocates nothing.
func validIPv6(s []byte) bool {
	groups, ellipsis := 0, false
	i := 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis, i = true, 2
	}
	for i < len(s) {
		j := i
		for j < len(s) && j-i < 4 && hexTable[s[j]] >= 0 {
			j++
		}
		if j == i {
			return false
		}
		if j < len(s) && s[j] == '.' {
			// The embedded IPv4 address ends the string and takes two groups.
			if !validIPv4(s[i:]) {
				return false
			}
			groups += 2
			break
		}
		groups++
		if j == len(s) {
			break
		}
		if s[j] != ':' || j+1 == len(s) {
			return false // not a separator, or a single trailing ':'
		}
		i = j + 1
		if s[i] == ':' {
			if ellipsis {
				return false
			}
			ellipsis = true
			i++
		}
	}
	if ellipsis {
		return groups < 8 // "::" stands for at least one group
	}
	return groups == 8
}

// validIPv4 reports whether s is a dotted-decimal IPv4 address: four
// decimal octets, 0 to 255, without leading zeros.
func validIPv4(s []byte) bool {
	fields, i := 0, 0
	for {
		v, j := 0, i
		for j < len(s) && isDigit(s[j]) && j-i < 3 {
			v = v*10 + int(s[j]-'0')
			j++
		}
		if j == i || v > 255 || (s[i] == '0' && j-i > 1) {
			return false
		}
		fields++
		if j == len(s) {
			return fields == 4
		}
		if s[j] != '.' || fields == 4 {
			return false
		}
		i = j + 1
	}
}
