package contract

// The WebSocket contract, served at WSPath by every WebSocket benchmark server:
//
//   - every text and binary message is echoed back as received (same opcode, same bytes), up
//     to WSMaxMessage bytes;
//   - a text message starting with BroadcastPrefix is not echoed: the payload after the prefix
//     is sent as one text message to every connected client, the sender included;
//   - permessage-deflate is offered only when the server is started with -deflate.

// WSPath is where every server accepts WebSocket upgrades.
const WSPath = "/ws"

// WSMaxMessage is the largest message every server must accept and echo: 16 MiB.
const WSMaxMessage = 16 << 20

// BroadcastPrefix starts a text message that asks for a broadcast of the rest.
const BroadcastPrefix = "broadcast:"
