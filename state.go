package eddy

import "sync/atomic"

// Key is a typed key for per-request state (on a Ctx) and per-app state (on
// an App), aiohttp's request['k'] / app['k'] without the type assertions:
//
//	var userKey = eddy.NewKey[*User]("user")
//	userKey.Set(c, u)          // in an auth middleware
//	u, ok := userKey.Get(c)    // in the handler
//
// Keys are compared by identity: two NewKey calls make two keys, whatever
// their names. The zero Key is not usable.
type Key[T any] struct{ id *keyID }

type keyID struct {
	name  string
	index int // slot in a Ctx's state slice
}

// keyCount numbers keys, so per-request state is a slice index, not a map.
var keyCount atomic.Int64

// NewKey returns a new key; name is used only in messages.
func NewKey[T any](name string) Key[T] {
	return Key[T]{id: &keyID{name: name, index: int(keyCount.Add(1) - 1)}}
}

// Name returns the name given to NewKey.
func (k Key[T]) Name() string { return k.id.name }

// Set stores v in c's per-request state. Storing a pointer or other
// word-sized value does not allocate; larger values are boxed once.
func (k Key[T]) Set(c *Ctx, v T) {
	if !c.enter() {
		return
	}
	defer c.exit()
	i := k.id.index
	c.used = true
	if i >= len(c.state) {
		if i < cap(c.state) {
			c.state = c.state[:i+1]
		} else {
			c.state = append(c.state, make([]any, i+1-len(c.state))...)
		}
	}
	c.state[i] = v
}

// Get returns the per-request value stored with Set, and whether one was.
func (k Key[T]) Get(c *Ctx) (T, bool) {
	var zero T
	if !c.enter() {
		return zero, false
	}
	defer c.exit()
	i := k.id.index
	if i < len(c.state) {
		if v, ok := c.state[i].(T); ok {
			return v, true
		}
	}
	return zero, false
}

// SetApp stores v in a's state. It may be called until the server starts
// accepting (startup hooks may call it); afterwards it panics, so that
// handlers on every loop may read app state without locks. A mounted app
// shares the state of the app it is mounted in.
func (k Key[T]) SetApp(a *App, v T) {
	a = a.top()
	if a.serving.Load() {
		panic("eddy: SetApp on a running app (key " + k.id.name + ")")
	}
	a.setState(k.id, v)
}

// GetApp returns the app value stored with SetApp, and whether one was.
func (k Key[T]) GetApp(a *App) (T, bool) {
	v, ok := a.top().state[k.id].(T)
	return v, ok
}

// top returns the app a is mounted in, transitively (a itself if none).
func (a *App) top() *App {
	for a.mountedIn != nil {
		a = a.mountedIn
	}
	return a
}

func (a *App) setState(k *keyID, v any) {
	if a.state == nil {
		a.state = make(map[*keyID]any)
	}
	a.state[k] = v
}
