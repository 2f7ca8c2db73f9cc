package loop

import (
	"bytes"
	"io"
	"testing"
	"time"
)

func TestEcho(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"own-listener", Config{}},
		{"reuseport", Config{ReusePort: true}},
		{"unix", Config{Network: "unix"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg.Network == "unix" {
				cfg.Addr = t.TempDir() + "/s.sock"
			}
			s := startServer(t, cfg, func() Protocol { return echoProto{} })
			for i := 0; i < 4; i++ {
				c := dial(t, s)
				msg := bytes.Repeat([]byte{byte('a' + i)}, 1000*(i+1))
				if _, err := c.Write(msg); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, msg) {
					t.Fatal("echo mismatch")
				}
			}
			waitFor(t, 5*time.Second, "4 conns", func() bool { return s.NumConns() == 4 })
		})
	}
}
