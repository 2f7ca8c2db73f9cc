package eddy

// LoopWakeups reports each loop's cross-goroutine wake-ups
// (loop.LoopStats.Wakeups), for the Hub tests in package eddy_test.
func LoopWakeups(a *App) []int64 {
	var n []int64
	for _, s := range a.srv.Stats() {
		n = append(n, s.Wakeups)
	}
	return n
}

// WSOpening reports how many WebSockets are between their upgrade and the
// end of their OnOpen, process-wide.
func WSOpening() int64 { return wsOpening.Load() }

// HubCounted reports the members and pending members h counts, summed over
// its shards: what makes a broadcast post to a loop.
func HubCounted(h *Hub) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, s := range h.list {
		n += int(s.count.Load())
	}
	return n
}
