package eddy

// Form is a parsed form body (application/x-www-form-urlencoded or
// multipart/form-data), aiohttp's request.post(). The Ctx owns it and reuses
// its storage across requests: it is valid until the handler returns (until
// the response is finished after Defer).
type Form struct {
	args  args
	files []FormFile
}

// FormFile is a file part of a multipart form. Data is a view of the
// request body: valid until the handler returns; copy it to keep it.
type FormFile struct {
	Field       string // the form field name
	Filename    string // as sent by the client: never trust it as a path
	ContentType string // the part's Content-Type, "" if none
	Data        []byte
}

// Value returns a copy of the first value of the field, "" if absent.
func (f *Form) Value(name string) string {
	v, _ := f.args.get(name)
	return string(v)
}

// ValueBytes returns the first value of the field and whether it exists.
// Borrowed: valid until the handler returns; copy it to keep it.
func (f *Form) ValueBytes(name string) ([]byte, bool) { return f.args.get(name) }

// Values returns copies of every value of the field, in order.
func (f *Form) Values(name string) []string { return f.args.values(name) }

// Len returns the number of non-file fields.
func (f *Form) Len() int { return len(f.args.pairs) }

// At returns the i-th non-file field, in arrival order.
// Borrowed: valid until the handler returns; copy it to keep it.
func (f *Form) At(i int) (name, value []byte) { return f.args.at(i) }

// File returns the first file sent for the field, or nil.
func (f *Form) File(field string) *FormFile {
	for i := range f.files {
		if f.files[i].Field == field {
			return &f.files[i]
		}
	}
	return nil
}

// Files returns every file part, in arrival order.
func (f *Form) Files() []FormFile { return f.files }

func (f *Form) reset() {
	f.args.reset()
	clear(f.files)
	f.files = f.files[:0]
}
