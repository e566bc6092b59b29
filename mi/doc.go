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
// answers 500 "command not implemented".
package mi
