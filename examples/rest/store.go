package main

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// User is the resource the API serves.
type User struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// userInput is the body of POST /users and PUT /users/{id}.
type userInput struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// validate returns one message per invalid field, or nil.
func (in *userInput) validate() map[string]string {
	bad := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.TrimSpace(in.Email)
	switch {
	case in.Name == "":
		bad["name"] = "required"
	case len(in.Name) > 100:
		bad["name"] = "at most 100 bytes"
	}
	switch local, domain, ok := strings.Cut(in.Email, "@"); {
	case in.Email == "":
		bad["email"] = "required"
	case !ok || local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(in.Email, " <>\"") || len(in.Email) > 254:
		bad["email"] = "not an email address"
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

// store keeps the users in memory.
//
// Why a mutex although handlers run on event loops: an App has one loop per core, and
// connections are spread over them, so two requests of two clients run at the same time on
// two loop goroutines, and handlers placed in the pool run on yet other goroutines. The store
// is one per app, shared by all of them. Every critical section is a few map operations with
// no I/O, so holding the lock on a loop never stalls it for long.
type store struct {
	mu     sync.Mutex
	nextID int64
	users  map[int64]User
}

func newStore() *store { return &store{nextID: 1, users: map[int64]User{}} }

// list returns every user, by ID.
func (s *store) list() []User {
	s.mu.Lock()
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b User) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *store) create(in userInput) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := User{ID: s.nextID, Name: in.Name, Email: in.Email}
	s.nextID++
	s.users[u.ID] = u
	return u
}

func (s *store) get(id int64) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	return u, ok
}

func (s *store) update(id int64, in userInput) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[id]; !ok {
		return User{}, false
	}
	u := User{ID: id, Name: in.Name, Email: in.Email}
	s.users[id] = u
	return u, true
}

func (s *store) delete(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.users[id]
	delete(s.users, id)
	return ok
}
