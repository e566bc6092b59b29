// Package port rewrites OpenSER 0.9–1.x and OpenSIPS 1.x–2.x scripts into
// OpenSIPS 3.x syntax.
//
// Every rewrite is a text edit on a byte range of the input: comments, blank
// lines, indentation and the order of the file stay as they were, and only
// the changed tokens move. Porting runs in passes, each of which parses the
// current text, collects non-overlapping edits and applies them:
//
//  0. repair, only for an input that does not parse: the syntax errors
//     with one mechanical fix (empty route body, reserved route names,
//     "default" before other cases) are fixed first; any other error
//     leaves the input as it is, marked;
//  1. lexical: "//" comments, curly quotes, top-level ";", $avp(s:x)
//     prefixes, unbracketed indexes and removed variables (inside strings
//     and modparam values too);
//  2. rewrite: globals, loadmodule paths and renames, modparams, flow
//     control, old core tests, function names and argument types, and
//     the strings the checker rejects as formats ("5$", "$fU.");
//  3. modules: the loadmodule lines the rewritten script needs (transport
//     modules, dependencies, modules owning the functions it calls);
//  4. review: the result is compiled once more; whatever is still legacy or
//     wrong is kept, marked with a "# gosips-port:" comment line and
//     reported as manual work.
//
// The rule identifiers in notes and tests (G1, M6, X15, ...) are those of
// the porting guide (docs: legacy.md). H1–H8 are the rules driven by the
// release map of runtime/legacy (see history.go): renamed (H1) and split
// (H2) modules, replaced functions and their new mandatory arguments (H3),
// moved functions (M7: any move the history shows), old built-in db_url
// defaults (H5), flag-driven features turned into calls (H6), modules
// gosips will never provide (H7) and moved or dropped parameters (H8),
// also inside a "a|b" modparam, which OpenSIPS sets in every module the
// expression matches.
//
// G21 and P15 carry the TLS settings of the implicit default server and
// client domains of 1.x (core globals) and 2.x (un-prefixed proto_tls /
// tls_mgm modparams) to two explicit 3.x tls_mgm domains, default_server
// and default_client, matching any address, with tls_openssl as the TLS
// library (see tls.go). P16 turns presence's server_address URI into the
// contact_user of 3.1.
package port
