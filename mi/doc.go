// Package mi is the management interface: a JSON-RPC 2.0 dispatcher over
// the api.MICommand tables of the loaded modules and the core, served over
// HTTP (mi_http on httpd) and a named pipe (mi_fifo), plus a client for
// "gosips mi".
//
// The protocol follows OpenSIPS 3.x: a request names a command and passes
// its parameters either positionally (a JSON array, matched to a recipe by
// count) or by name (a JSON object, matched to a recipe by its exact name
// set). Protocol errors use the JSON-RPC codes and OpenSIPS's wording, with
// the detail in "data":
//
//	-32700 Parse error        the body is not JSON
//	-32600 Invalid Request    not a JSON-RPC 2.0 request object
//	-32601 Method not found   no such command
//	-32602 Invalid params     no recipe matches ("data" says why)
//	-32001 Method ambiguous   a short name matches several commands (4.x)
//
// Requests without "id" are notifications and get no answer, except for
// parse and invalid-request errors, which are answered with a null id.
//
// # Writing handlers
//
// A handler gets the parameters by name whatever form the caller used.
// Values are as decoded from JSON: string, json.Number, bool, nil, []any or
// map[string]any. Clients such as opensips-cli send every scalar as a
// string, so a handler expecting an integer must accept "10" as well as 10
// (see Int and Str).
//
// A handler returns a JSON-encodable result, or nil for the usual "OK".
// OpenSIPS prints object keys in a fixed order; use a struct with json tags
// (field order is kept, omitempty drops optional keys) or, for keys known
// only at run time, an Object. Go maps are printed with sorted keys.
//
// A handler error that is (or wraps) an *api.MIError or an *Error becomes a
// JSON-RPC error with its code and message (404 "AOR not found"); any other
// error becomes code 500 with the error text. A command without a handler
// answers 500 "command not implemented"; a panicking one 500 "Internal
// error".
//
// # Wiring
//
//	d, err := mi.NewDispatcher(log, moduleCommands...)
//	err = d.Register(mi.CoreCommands(d, mi.Core{Version: v, Start: t0, Stats: stats, ...})...)
//	h := mi.NewHTTPServer("127.0.0.1:8888", "mi", d, mi.WithPretty(pp))
//	f := mi.NewFIFOServer("/tmp/opensips_fifo", 0o660, "/tmp/", d)
//	err = h.Start(ctx); err = f.Start(ctx)
//	...; h.Shutdown(ctx); f.Close()
//
// Statistics live in an api.Stats owned by the running instance; modules
// update api.Stat counters and never import this package.
//
// # Transports
//
// HTTP (mi_http): POST /<root> with a JSON body. An answer is 200 with
// application/json, a notification 202 with no body, an empty body 400, a
// GET 405, another method 406 and a path outside the root 400, as mi_http
// and httpd answer. A missing Content-Type is accepted; one other than
// application/json gets 415 (httpd drops the connection).
//
// FIFO (mi_fifo): ":<reply>:<request>" written into the pipe; requests may
// span lines and writes, several may come in one write. The reply name must
// not contain '.', '/' or '\'. The reply fifo is opened (without blocking
// on a client that is not reading; four retries 80 ms apart) even for a
// notification, so that the client sees the end of file; it must be a plain
// fifo (no symlink, no hard link). Unlike mi_fifo, a request that is not
// valid JSON is answered with a parse error instead of being dropped.
package mi
