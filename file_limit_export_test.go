package eddy

// SetResponseFileLimit sets the bound on the files held open for responses
// to n, for the tests of package eddy_test; restore puts the default back.
func SetResponseFileLimit(n int) (restore func()) {
	old := responseFiles.max.Swap(int64(n))
	return func() { responseFiles.max.Store(old) }
}

// ResponseFilesOpen is how many files responses hold open now.
func ResponseFilesOpen() int { return int(responseFiles.n.Load()) }
