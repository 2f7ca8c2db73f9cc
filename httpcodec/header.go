package httpcodec

// span is a compact view into the head buffer: offset and length. Storing
// two uint32s instead of a slice header (24 bytes) keeps Request small and
// lets Rebase move every view at once.
type span struct {
	off, len uint32
}

func (s span) of(buf []byte) []byte {
	// In int, not uint32: off <= end then needs no test (and no
	// wraparound can make it false), only end <= cap(buf) does.
	off := int(s.off)
	end := off + int(s.len)
	return buf[off:end:end]
}

// field is one field line: name and value spans (value without OWS).
type field struct {
	name, value span
}

// fields holds the field lines of a head in arrival order. The first
// DefaultMaxHeaders live in a fixed array (no allocation); when
// Limits.MaxHeaders is larger, the rest go to extra, which grows on the first
// head that needs it and is kept across reset.
type fields struct {
	n     int
	arr   [DefaultMaxHeaders]field
	extra []field
}

func (f *fields) reset() { f.n = 0 }

func (f *fields) add(fl field) {
	if f.n < len(f.arr) {
		f.arr[f.n] = fl
	} else {
		f.extra = append(f.extra[:f.n-len(f.arr)], fl)
	}
	f.n++
}

func (f *fields) at(i int) *field {
	if i < len(f.arr) {
		return &f.arr[i]
	}
	return &f.extra[i-len(f.arr)]
}

// lookup returns the value of the first field named name (ASCII
// case-insensitive), or nil. It compares lengths first, so most fields cost
// one integer comparison.
func (f *fields) lookup(buf []byte, name string) []byte {
	n := f.n
	if n > len(f.arr) {
		n = len(f.arr)
	}
	for i := 0; i < n; i++ {
		fl := &f.arr[i]
		if int(fl.name.len) == len(name) && EqualFold(fl.name.of(buf), name) {
			return fl.value.of(buf)
		}
	}
	for i := 0; i < f.n-n; i++ {
		fl := &f.extra[i]
		if int(fl.name.len) == len(name) && EqualFold(fl.name.of(buf), name) {
			return fl.value.of(buf)
		}
	}
	return nil
}

// lookupBytes is lookup for a name given as bytes (a name taken from the
// head itself), for rare paths: it goes through at.
func (f *fields) lookupBytes(buf, name []byte) []byte {
	for i := 0; i < f.n; i++ {
		fl := f.at(i)
		if int(fl.name.len) == len(name) && EqualFold(fl.name.of(buf), name) {
			return fl.value.of(buf)
		}
	}
	return nil
}

// clone copies f into dst, giving dst its own extra slice.
func (f *fields) clone(dst *fields) {
	dst.n = f.n
	dst.arr = f.arr
	if len(f.extra) > 0 {
		dst.extra = append([]field(nil), f.extra...)
	} else {
		dst.extra = nil
	}
}
