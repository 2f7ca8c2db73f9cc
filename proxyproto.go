package eddy

import "github.com/eddy-go/eddy/loop"

// ProxyProtocol says whether the listener reads a PROXY protocol header
// (Config.ProxyProtocol): ProxyOff, ProxyOptional or ProxyRequired.
type ProxyProtocol = loop.ProxyProtocol

// The PROXY protocol modes (see Config.ProxyProtocol).
const (
	ProxyOff      = loop.ProxyOff
	ProxyOptional = loop.ProxyOptional
	ProxyRequired = loop.ProxyRequired
)

// ProxyHeader is a PROXY protocol header: its version, the client's and
// the destination's addresses, and version 2's TLVs (ProxyHeader.TLV).
type ProxyHeader = loop.ProxyHeader

// ProxyHeader returns the PROXY protocol header the connection came with
// (Config.ProxyProtocol), nil without one. It is shared by every request
// of the connection: do not change it.
func (c *Ctx) ProxyHeader() *ProxyHeader {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	return c.x.ProxyHeader()
}
