package eddy

import (
	"bytes"
	"errors"
	"html"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eddy-go/eddy/httpcodec"
)

// StaticOptions configures App.Static. The zero value serves files only:
// no index files, no directory listings, no dot files, symlinks not
// followed, no precompressed variants, and the default cache.
type StaticOptions struct {
	// Index is the file served for a directory (typically "index.html");
	// "" serves none. A directory named without its trailing slash is
	// redirected (308) to the name with it, so that relative links in the
	// index resolve.
	Index string
	// ListDirs answers a directory without an index with an HTML list of
	// its entries (at most 10,000, dot files hidden unless DotFiles).
	ListDirs bool
	// CacheControl is the Cache-Control value of every file answer of
	// this prefix ("public, max-age=3600", "no-cache" ...); "" sends none.
	CacheControl string
	// FollowSymlinks serves a symbolic link that points inside the
	// directory. By default a path with a symlink anywhere in it is a 404.
	// A link that points outside the directory is a 404 either way.
	FollowSymlinks bool
	// DotFiles serves names starting with '.' (".well-known" ...). By
	// default any path segment starting with '.' is a 404.
	DotFiles bool
	// Precompressed serves a sibling "name.br", "name.zst" or "name.gz"
	// (in that order of preference) instead of name when the client
	// accepts its encoding (Accept-Encoding), with Content-Encoding, the
	// Content-Type of name, and "Vary: Accept-Encoding" on every answer.
	Precompressed bool
	// CacheFiles bounds the number of names whose answers are cached in
	// memory (metadata, the bytes of small files, and the larger files
	// kept open: up to four descriptors a name with Precompressed, one
	// otherwise). Default 1024; negative disables the cache (every
	// request then opens its file in the pool). The files responses hold
	// while they are sent (their own, or a reference to the cache's) are
	// bounded in the whole process besides, as for Ctx.File: past half
	// the process's descriptor limit a file answer is a 503.
	CacheFiles int
	// CacheBytes bounds the file bytes the cache holds. Default 8 MiB.
	CacheBytes int64
	// CacheFileSize is the largest file read whole and kept in memory;
	// larger files are streamed from disk. Default 64 KiB.
	CacheFileSize int64
	// Revalidate is how long a cached answer is trusted before the file
	// is looked at again (a stat in the pool): a changed file is served
	// within this long. Default 1 s; negative looks at the file on every
	// request (still serving unchanged small files from memory).
	Revalidate time.Duration
}

// maxListing bounds a directory listing.
const maxListing = 10000

// Static serves the files under dir at prefix (aiohttp's add_static):
// GET and HEAD of prefix+"/"+name answer with the file dir/name, with
// everything Ctx.File does (Content-Type, ETag, Last-Modified, conditional
// requests, ranges). Names are checked on the loop before the disk is
// touched: a segment "." or "..", a backslash, a NUL or other control
// character, a percent sign left after decoding (an encoded slash, or a
// double encoding), invalid UTF-8 (overlong encodings), an empty segment
// or a dot file (unless DotFiles) answer 404. The directory is opened as
// an os.Root, so no name can reach outside it, whatever links it holds;
// symlinks are not followed at all unless FollowSymlinks.
//
// Files are opened and stat'ed only in the pool. Small files are read
// there into a bounded in-memory cache and answered from the loop; larger
// ones are kept open by the same cache (as nginx's open_file_cache does)
// and sent from the loop with sendfile(2), which copies them from the
// page cache to the socket, at most a couple of MiB per turn of the loop
// (a piece not in the page cache is read into it in the pool first, so
// the loop never waits for the disk);
// a connection that cannot take them at once gets them streamed with
// backpressure, read in pieces in the pool, never whole in memory. A file
// that changes is noticed within Revalidate; one rewritten in place
// (rather than replaced by a rename) can be sent with its old validators
// until then.
//
// Static panics (at setup) if dir cannot be opened as a directory. The
// route is named like any other: the returned Route takes RouteOptions
// through the pattern prefix+"/{path:.*}".
func (a *App) Static(prefix, dir string, opts StaticOptions, ropts ...RouteOption) *Route {
	return a.root.Static(prefix, dir, opts, ropts...)
}

// Static serves the files under dir at the group's prefix plus prefix,
// behind the group's middleware; see App.Static.
func (g *Group) Static(prefix, dir string, opts StaticOptions, ropts ...RouteOption) *Route {
	root, err := os.OpenRoot(dir)
	if err != nil {
		panic("eddy: Static " + prefix + ": " + err.Error())
	}
	if fi, err := root.Stat("."); err != nil || !fi.IsDir() {
		panic("eddy: Static " + prefix + ": " + dir + " is not a directory")
	}
	if strings.ContainsAny(opts.Index, "/\\") {
		panic("eddy: Static " + prefix + ": Index must be a file name")
	}
	st := &static{root: root, opts: opts}
	st.cache.maxEntries = opts.CacheFiles
	if st.cache.maxEntries == 0 {
		st.cache.maxEntries = 1024
	}
	st.cache.maxBytes = opts.CacheBytes
	if st.cache.maxBytes <= 0 {
		st.cache.maxBytes = 8 << 20
	}
	st.small = opts.CacheFileSize
	if st.small <= 0 {
		st.small = 64 << 10
	}
	switch {
	case opts.Revalidate == 0:
		st.revalidate = int64(time.Second)
	case opts.Revalidate > 0:
		st.revalidate = int64(opts.Revalidate)
	}
	if opts.CacheControl != "" {
		if err := checkHeader("Cache-Control", opts.CacheControl); err != nil {
			panic("eddy: Static " + prefix + ": " + err.Error())
		}
		st.extra += "Cache-Control: " + opts.CacheControl + "\r\n"
	}
	if opts.Precompressed {
		st.extra += "Vary: Accept-Encoding\r\n"
	}
	return g.Handle("GET", strings.TrimSuffix(prefix, "/")+"/{path:.*}", st.serve, ropts...)
}

// static is one App.Static: its root, options and cache.
type static struct {
	root       *os.Root
	opts       StaticOptions
	cache      fileCache
	small      int64
	revalidate int64  // nanoseconds a cached entry is trusted; 0: never
	extra      string // Cache-Control and Vary lines
}

// encodings are the precompressed siblings, in order of preference.
var encodings = [...]struct{ suffix, name string }{
	{".br", "br"},
	{".zst", "zstd"},
	{".gz", "gzip"},
}

// serve is the route's handler. On the loop it answers from the cache
// when it can; otherwise it resolves the name in the pool.
func (st *static) serve(c *Ctx) error {
	name := c.ParamBytes("path")
	if !st.validName(name) {
		return ErrNotFound
	}
	if e := st.cache.get(name); e != nil && time.Now().UnixNano()-e.checked.Load() < st.revalidate {
		e.used.Store(true)
		if e.redirect {
			return st.redirect(c)
		}
		rep := chooseRep(e.reps, c.x.Request().Header("Accept-Encoding"))
		if rep.data != nil || c.m.method == mHead || c.verdict(rep).status >= 300 {
			return c.serveRep(rep, nil, st.extra)
		}
		if rep.open != nil && rep.open.acquire() {
			return c.serveRep(rep, rep.open, st.extra)
		}
	}
	var res staticResult
	key := string(name)
	accept := string(c.x.Request().Header("Accept-Encoding"))
	return c.goThen(func() error {
		return st.resolve(key, accept, c.m.method == mHead, &res)
	}, func(c *Ctx) error {
		switch {
		case res.redirect:
			return st.redirect(c)
		case res.listing != nil:
			return c.HTML(string(res.listing))
		}
		return c.serveRep(res.rep, res.f, st.extra)
	}, func() {
		if res.f != nil {
			_ = res.f.Close() // gives the file and its slot back: the answer was never sent
		}
	})
}

// redirect answers a directory named without its trailing slash.
func (st *static) redirect(c *Ctx) error {
	loc := c.RawPath() + "/"
	if q := c.RawQuery(); q != "" {
		loc += "?" + q
	}
	return c.Redirect(308, loc)
}

// validName checks a request name (decoded, %2F kept encoded) before the
// disk is touched. See App.Static for what is refused.
func (st *static) validName(name []byte) bool {
	if !utf8.Valid(name) {
		return false
	}
	for _, b := range name {
		if b < 0x20 || b == 0x7f || b == '\\' || b == '%' {
			return false
		}
	}
	if len(name) > 0 && name[0] == '/' {
		return false // an empty first segment
	}
	for i := 0; i < len(name); {
		j := bytes.IndexByte(name[i:], '/')
		last := j < 0
		if last {
			j = len(name)
		} else {
			j += i
		}
		seg := name[i:j]
		switch {
		case len(seg) == 0:
			if !last {
				return false // "a//b"
			}
		case seg[0] == '.':
			if !st.opts.DotFiles || len(seg) == 1 || len(seg) == 2 && seg[1] == '.' {
				return false
			}
		}
		i = j + 1
	}
	return true
}

// staticResult is what the pool job found for a name.
type staticResult struct {
	rep      *fileRep
	f        bodyFile // open when rep's body must be streamed
	redirect bool
	listing  []byte
}

// resolve looks name up on disk (pool only): its cached entry revalidated
// or a new one built and cached, the representation chosen for accept,
// and its file opened when it must be streamed.
func (st *static) resolve(name, accept string, head bool, res *staticResult) error {
	dir := name == "" || strings.HasSuffix(name, "/")
	rel := strings.TrimSuffix(name, "/")
	if rel == "" {
		rel = "."
	}
	fi, err := st.lstatPath(rel)
	if err != nil {
		st.cache.drop(name)
		return err
	}
	if fi.IsDir() {
		if !dir {
			if st.opts.Index == "" && !st.opts.ListDirs {
				st.cache.drop(name)
				return ErrNotFound
			}
			res.redirect = true
			st.cache.put(name, st.stamp(&cacheEntry{redirect: true}))
			return nil
		}
		if st.opts.Index != "" {
			ip := path.Join(rel, st.opts.Index)
			if ifi, err := st.lstatPath(ip); err == nil && ifi.Mode().IsRegular() {
				return st.resolveFile(name, ip, ifi, accept, head, res)
			}
		}
		st.cache.drop(name) // an entry built from an index that is gone
		if st.opts.ListDirs {
			res.listing, err = st.list(rel, name)
			return err
		}
		return ErrNotFound
	}
	if dir || !fi.Mode().IsRegular() {
		st.cache.drop(name)
		return ErrNotFound
	}
	return st.resolveFile(name, rel, fi, accept, head, res)
}

// resolveFile builds (or revalidates) the entry for the file at rel, whose
// Lstat is fi. Pool only.
func (st *static) resolveFile(name, rel string, fi fs.FileInfo, accept string, head bool, res *staticResult) error {
	ctype := typeByName(rel)
	// The representations on disk now: the file, then its siblings.
	type cand struct {
		rel, enc string
		fi       fs.FileInfo
	}
	cands := []cand{{rel, "", fi}}
	if st.opts.Precompressed {
		for _, e := range encodings {
			if sfi, err := st.lstatPath(rel + e.suffix); err == nil && sfi.Mode().IsRegular() {
				cands = append(cands, cand{rel + e.suffix, e.name, sfi})
			}
		}
	}
	// Unchanged since it was cached: trust it again.
	if e := st.cache.get([]byte(name)); e != nil && !e.redirect && len(e.reps) == len(cands) {
		same := true
		for i, cd := range cands {
			if r := e.reps[i]; r.path != cd.rel || !r.same(cd.fi) {
				same = false
				break
			}
		}
		if same {
			st.stamp(e)
			return st.pick(e, accept, head, res)
		}
	}
	e := &cacheEntry{}
	keepOpen := st.cache.maxEntries > 0
	for _, cd := range cands {
		rep := newFileRep(cd.rel, cd.enc, ctype, cd.fi)
		if cd.fi.Size() <= st.small || keepOpen {
			f, err := st.root.Open(cd.rel)
			if err != nil {
				e.release()
				return staticErr(err)
			}
			var of *os.File
			if rep, of, err = describeOpen(f, cd.rel, cd.enc, ctype, st.small); err != nil {
				e.release()
				return err
			}
			if of != nil {
				// Too large for memory: kept open, described from the
				// open file, so that its validators match what is sent.
				rep.open = newSharedFile(of)
			}
			e.bytes += int64(len(rep.data))
		}
		e.reps = append(e.reps, rep)
	}
	err := st.pick(e, accept, head, res)
	if !st.cache.put(name, st.stamp(e)) {
		e.release() // not kept: the response holds its own reference
	}
	return err
}

// stamp marks e as just checked against the disk.
func (st *static) stamp(e *cacheEntry) *cacheEntry {
	e.checked.Store(time.Now().UnixNano())
	e.used.Store(true)
	return e
}

// pick chooses the representation for accept and, when its body must be
// streamed, takes a reference to the file the cache keeps open, or opens
// it, within the responseFiles bound (503 past it). Pool only.
func (st *static) pick(e *cacheEntry, accept string, head bool, res *staticResult) error {
	rep := chooseRep(e.reps, []byte(accept))
	res.rep = rep
	if rep.data != nil || head {
		return nil
	}
	if rep.open != nil && rep.open.acquire() {
		res.f = rep.open
		return nil
	}
	if !responseFiles.take() {
		return errTooManyFiles
	}
	f, err := st.root.Open(rep.path)
	if err != nil {
		responseFiles.put()
		return staticErr(err)
	}
	// Described from the open file: what is sent matches its validators
	// even if the file changed since the stat.
	var of *os.File
	res.rep, of, err = describeOpen(f, rep.path, rep.enc, rep.ctype, -1)
	if of != nil {
		res.f = responseFile{of} // gives the slot back when closed
	} else {
		responseFiles.put()
	}
	return err
}

// lstatPath returns the Lstat of rel inside the root. Unless symlinks are
// followed, every element of rel must be a plain file or directory, not a
// link: a link anywhere is a 404. With FollowSymlinks the final element is
// resolved (os.Root keeps it inside the directory). Pool only.
func (st *static) lstatPath(rel string) (fs.FileInfo, error) {
	if st.opts.FollowSymlinks {
		fi, err := st.root.Stat(rel)
		if err != nil {
			return nil, staticErr(err)
		}
		return fi, nil
	}
	for i := 0; i <= len(rel); i++ {
		if i < len(rel) && rel[i] != '/' {
			continue
		}
		fi, err := st.root.Lstat(rel[:i])
		if err != nil {
			return nil, staticErr(err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, ErrNotFound
		}
		if i == len(rel) {
			return fi, nil
		}
	}
	return nil, ErrNotFound
}

// staticErr maps an error looking a name up inside the root: 403 when
// it may not be read, else 404 (it does not exist, is not a directory, or
// escapes the root: the client learns nothing more).
func staticErr(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return ErrForbidden.Wrap(err)
	}
	return ErrNotFound.Wrap(err)
}

// list renders the listing of the directory rel, requested as name.
// Pool only.
func (st *static) list(rel, name string) ([]byte, error) {
	d, err := st.root.Open(rel)
	if err != nil {
		return nil, staticErr(err)
	}
	defer d.Close()
	ents, err := d.ReadDir(maxListing)
	if err != nil && len(ents) == 0 && !errors.Is(err, io.EOF) {
		return nil, staticErr(err)
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	title := html.EscapeString("/" + name)
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of " + title + "</title></head>\n<body><h1>Index of " + title + "</h1>\n<ul>\n")
	for _, ent := range ents {
		n := ent.Name()
		if n[0] == '.' && !st.opts.DotFiles {
			continue
		}
		if ent.IsDir() {
			n += "/"
		}
		b.WriteString(`<li><a href="` + html.EscapeString(url.PathEscape(strings.TrimSuffix(n, "/"))))
		if ent.IsDir() {
			b.WriteByte('/')
		}
		b.WriteString(`">` + html.EscapeString(n) + "</a></li>\n")
	}
	b.WriteString("</ul>\n</body></html>\n")
	return b.Bytes(), nil
}

// chooseRep picks the representation for an Accept-Encoding value: the
// first precompressed sibling whose encoding it accepts (q > 0), else the
// file itself.
func chooseRep(reps []*fileRep, accept []byte) *fileRep {
	if len(reps) == 1 || len(accept) == 0 {
		return reps[0]
	}
	for _, r := range reps[1:] {
		if acceptsEncoding(accept, r.enc) {
			return r
		}
	}
	return reps[0]
}

// acceptsEncoding reports whether an Accept-Encoding value accepts enc:
// named with a q-value other than 0, or not named and "*" is.
func acceptsEncoding(accept []byte, enc string) bool {
	q := httpcodec.ListQ(accept, enc)
	if q < 0 {
		q = httpcodec.ListQ(accept, "*")
	}
	return q > 0
}
