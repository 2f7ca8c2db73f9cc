package loop

// chunks is a growable array stored in fixed-size chunks: growing allocates one more
// chunk and never copies, so a burst of connections leaves no garbage behind (a slice
// grown by append to n entries leaves about 4n entries of old arrays for the GC, which
// stay resident as RSS), and the slack is at most one chunk instead of up to a quarter of
// the array. Element addresses are stable. Touched only by its loop.
type chunks[T any] struct {
	c []*[chunkLen]T
	n int
}

const (
	chunkShift = 8
	chunkLen   = 1 << chunkShift
	chunkMask  = chunkLen - 1
)

func (a *chunks[T]) len() int { return a.n }

// at returns the address of entry i (i < len).
func (a *chunks[T]) at(i int) *T { return &a.c[i>>chunkShift][i&chunkMask] }

// push appends v and returns its index.
func (a *chunks[T]) push(v T) int {
	i := a.n
	if i>>chunkShift == len(a.c) {
		a.c = append(a.c, new([chunkLen]T))
	}
	a.c[i>>chunkShift][i&chunkMask] = v
	a.n++
	return i
}

// pop zeroes and drops the last entry. A chunk is freed once the array shrank a whole
// chunk below it, so a size that goes up and down across a boundary does not allocate
// each time.
func (a *chunks[T]) pop() {
	a.n--
	var zero T
	a.c[a.n>>chunkShift][a.n&chunkMask] = zero
	if keep := (a.n+chunkMask)>>chunkShift + 1; len(a.c) > keep {
		a.c[len(a.c)-1] = nil
		a.c = a.c[:len(a.c)-1]
	}
}
