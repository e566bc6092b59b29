// Package sip is gosips' SIP layer: message parsing and access, edits and
// serialisation, URIs, replies, UDP/TCP transports, next-hop resolution and
// transaction-matching keys. It is the only package that imports sipgo.
//
// # Why not sipgo's message model on the hot path
//
// The per-message budget is a few microseconds. sipgo parses every header
// into a typed object and copies strings, which costs about three times our
// parse and fifteen times the allocations (BenchmarkSIPParse, Go 1.26,
// 2-core VM, copy of the datagram included):
//
//	INVITE   gosips ~0.9 µs 2 allocs   sipgo ~2.7 µs 32 allocs
//	REGISTER gosips ~0.9 µs 2 allocs   sipgo ~3.1 µs 37 allocs
//	OPTIONS  gosips ~1.0 µs 2 allocs   sipgo ~2.2 µs 30 allocs
//
// Msg therefore keeps the received text and an index of offsets (no
// pointers, so the collector never scans it); header values, URIs and
// typed fields are substrings of that text and cost no allocation. Changes
// are recorded as edits applied when the message is serialised, which is how
// OpenSIPS "lumps" behave and what lets a branch copy (Clone) share the
// text. sipgo remains the reference: the tests cross-check our parser
// against it, and ToSipgo/FromSipgo convert at the edges.
//
// End to end, a stateless OPTIONS→200 server built on this package (receive,
// parse, AppendReply, send; BenchmarkUDPServerCPU) uses ~9.5 µs of CPU per
// transaction on that VM, three quarters of it in the kernel's sendto;
// Kamailio 5.6 answering the same load with sl_send_reply used ~14 µs.
//
// # Transports
//
// Transport binds "socket=" definitions. Each UDP socket has several reader
// goroutines (udp_workers) that parse and run the handler inline, like
// OpenSIPS worker processes; on Linux they block in recvfrom on their own
// threads rather than in the netpoller (~7% less CPU per message). Each TCP
// connection has one reader that frames messages by Content-Length and
// hands them to a shared pool of workers, so a blocked handler never stops
// a connection. Outgoing TCP connections are reused per remote address, and
// replies go back over the connection a request came on.
package sip
