package eddy

import (
	"errors"
	"fmt"
	"testing"
)

func TestHTTPError(t *testing.T) {
	cause := errors.New("db down")
	e := ErrServiceUnavailable.Wrap(cause)
	if !errors.Is(e, cause) || !errors.Is(e, ErrServiceUnavailable) || errors.Is(e, ErrNotFound) {
		t.Error("errors.Is on a wrapped HTTPError")
	}
	if e.Text() != "Service Unavailable" || ErrServiceUnavailable.Err != nil {
		t.Errorf("Wrap changed the message or the sentinel: %q", e.Text())
	}
	if got := ErrNotFound.WithMessage("no such user").Error(); got != "eddy: 404 no such user" {
		t.Errorf("Error() = %q", got)
	}
	if got := NewHTTPError(422, "").Text(); got != "Unprocessable Entity" {
		t.Errorf("Text() = %q", got)
	}
	tests := []struct {
		err    error
		status int
	}{
		{ErrNotFound, 404},
		{fmt.Errorf("wrapped: %w", ErrForbidden), 403},
		{errors.New("plain"), 500},
		{NewHTTPError(418, "teapot"), 418},
		{errors.Join(errors.New("x"), fmt.Errorf("y: %w", ErrForbidden)), 403},
		{nil, 500},
	}
	for _, tc := range tests {
		if got := StatusOf(tc.err); got != tc.status {
			t.Errorf("StatusOf(%v) = %d, want %d", tc.err, got, tc.status)
		}
	}
}
