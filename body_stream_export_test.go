package eddy

// Parks reports how many times the app's connections were taken out of
// the poller because reading was paused while their client kept sending
// (loop.LoopStats.Parks, summed over the loops), for the tests of
// streamed bodies in package eddy_test.
func Parks(a *App) int64 {
	var n int64
	for _, s := range a.srv.Stats() {
		n += s.Parks
	}
	return n
}
