// Package lsp is the language server of opensips.cfg (gosips lsp): check's
// diagnostics as the document changes, hover and completion from the
// module export tables, definition and references of routes and included
// files, document symbols (routes) and formatting through lang/format.
//
// The protocol side (JSON-RPC framing over stdio, the LSP 3.16 types) is
// github.com/tliron/glsp; this package only answers requests.
package lsp

import (
	"net/url"
	"path/filepath"
	"sync"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"
	"github.com/tliron/glsp/server"

	"gosips/api"
)

// Server holds the open documents and the module catalog.
type Server struct {
	mu      sync.Mutex
	docs    map[string]*document
	cat     *catalog
	version string
}

// New returns a server answering from the modules of reg.
func New(reg *api.Registry, version string) *Server {
	return &Server{docs: map[string]*document{}, cat: newCatalog(reg), version: version}
}

// RunStdio serves one client over standard input and output until it
// sends exit or closes its input.
func (s *Server) RunStdio() error {
	h := s.handler()
	srv := server.NewServer(h, "gosips-lsp", false)
	return srv.RunStdio()
}

func (s *Server) handler() *protocol.Handler {
	h := &protocol.Handler{}
	h.Initialize = func(ctx *glsp.Context, p *protocol.InitializeParams) (any, error) {
		caps := h.CreateServerCapabilities()
		full := protocol.TextDocumentSyncKindFull
		caps.TextDocumentSync = &protocol.TextDocumentSyncOptions{OpenClose: &protocol.True, Change: &full}
		caps.CompletionProvider = &protocol.CompletionOptions{TriggerCharacters: []string{"\"", "$", "(", "_"}}
		return protocol.InitializeResult{
			Capabilities: caps,
			ServerInfo:   &protocol.InitializeResultServerInfo{Name: "gosips", Version: &s.version},
		}, nil
	}
	h.Initialized = func(*glsp.Context, *protocol.InitializedParams) error { return nil }
	h.Shutdown = func(*glsp.Context) error { return nil }
	h.SetTrace = func(*glsp.Context, *protocol.SetTraceParams) error { return nil }
	h.TextDocumentDidOpen = func(ctx *glsp.Context, p *protocol.DidOpenTextDocumentParams) error {
		s.update(ctx, p.TextDocument.URI, p.TextDocument.Text)
		return nil
	}
	h.TextDocumentDidChange = func(ctx *glsp.Context, p *protocol.DidChangeTextDocumentParams) error {
		for _, c := range p.ContentChanges {
			switch c := c.(type) {
			case protocol.TextDocumentContentChangeEventWhole:
				s.update(ctx, p.TextDocument.URI, c.Text)
			case protocol.TextDocumentContentChangeEvent:
				// Only full sync is announced; a ranged change without a
				// range is the whole text.
				if c.Range == nil {
					s.update(ctx, p.TextDocument.URI, c.Text)
				}
			}
		}
		return nil
	}
	h.TextDocumentDidClose = func(ctx *glsp.Context, p *protocol.DidCloseTextDocumentParams) error {
		s.mu.Lock()
		delete(s.docs, p.TextDocument.URI)
		s.mu.Unlock()
		ctx.Notify(protocol.ServerTextDocumentPublishDiagnostics,
			protocol.PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: []protocol.Diagnostic{}})
		return nil
	}
	h.TextDocumentHover = func(_ *glsp.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
		d := s.doc(p.TextDocument.URI)
		if d == nil {
			return nil, nil
		}
		return s.hover(d, p.Position), nil
	}
	h.TextDocumentCompletion = func(_ *glsp.Context, p *protocol.CompletionParams) (any, error) {
		d := s.doc(p.TextDocument.URI)
		if d == nil {
			return nil, nil
		}
		return s.complete(d, p.Position), nil
	}
	h.TextDocumentDefinition = func(_ *glsp.Context, p *protocol.DefinitionParams) (any, error) {
		d := s.doc(p.TextDocument.URI)
		if d == nil {
			return nil, nil
		}
		if loc := s.definition(d, p.Position); loc != nil {
			return loc, nil
		}
		return nil, nil
	}
	h.TextDocumentReferences = func(_ *glsp.Context, p *protocol.ReferenceParams) ([]protocol.Location, error) {
		d := s.doc(p.TextDocument.URI)
		if d == nil {
			return nil, nil
		}
		return s.references(d, p.Position, p.Context.IncludeDeclaration), nil
	}
	h.TextDocumentDocumentSymbol = func(_ *glsp.Context, p *protocol.DocumentSymbolParams) (any, error) {
		d := s.doc(p.TextDocument.URI)
		if d == nil {
			return nil, nil
		}
		return s.symbols(d), nil
	}
	h.TextDocumentFormatting = func(_ *glsp.Context, p *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
		d := s.doc(p.TextDocument.URI)
		if d == nil {
			return nil, nil
		}
		return s.format(d)
	}
	return h
}

func (s *Server) doc(uri string) *document {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[uri]
}

// update stores a new version of a document and publishes its diagnostics.
func (s *Server) update(ctx *glsp.Context, uri, text string) {
	d := newDocument(uri, uriPath(uri), text)
	s.mu.Lock()
	s.docs[uri] = d
	s.mu.Unlock()
	ctx.Notify(protocol.ServerTextDocumentPublishDiagnostics,
		protocol.PublishDiagnosticsParams{URI: uri, Diagnostics: s.diagnostics(d)})
}

// uriPath turns a file:// URI into a path (other URIs are kept as names).
func uriPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return uri
	}
	return filepath.FromSlash(u.Path)
}

func pathURI(p string) string {
	abs, err := filepath.Abs(p)
	if err == nil {
		p = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}
