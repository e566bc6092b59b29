package rls

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// node is an element of a parsed XML document (local names only: the
// rls-services and resource-lists documents mix two namespaces).
type node struct {
	name     string
	attrs    []xml.Attr
	text     string
	children []*node
}

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// parseXML reads a document into a tree of elements.
func parseXML(doc []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var root *node
	var stack []*node
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local, attrs: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// normalizeURI un-escapes a URI of a document and adds "sip:" to a bare
// user@host (OpenSIPS' normalize_sip_uri).
func normalizeURI(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	if !strings.HasPrefix(strings.ToLower(s), "sip:") && strings.Contains(s, "@") {
		s = "sip:" + s
	}
	return s
}

// userHostURI is "sip:user@host" of a URI ("" when it does not parse).
func userHostURI(s string) string {
	u, err := sip.ParseURI(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return ""
	}
	if u.User == "" {
		return "sip:" + u.Host
	}
	return "sip:" + u.User + "@" + u.Host
}

// service finds the <service> of the owner's rls-services document whose
// uri is listURI; nil when there is no document or no such service.
func (m *Module) service(ctx context.Context, listURI, user, domain string) (*node, error) {
	doc, _, err := m.xcap.GetDoc(ctx, user, domain, api.XCAPRLSServices, "")
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, nil
	}
	root, err := parseXML(doc)
	if err != nil {
		return nil, fmt.Errorf("rls-services document of %s@%s: %w", user, domain, err)
	}
	if root.name != "rls-services" {
		return nil, fmt.Errorf("rls-services document of %s@%s: no rls-services element", user, domain)
	}
	for _, s := range root.children {
		if !strings.EqualFold(s.name, "service") {
			continue
		}
		uri, ok := s.attr("uri")
		if !ok {
			continue
		}
		if userHostURI(normalizeURI(uri)) == listURI {
			return s, nil
		}
	}
	return nil, nil
}

// walk calls fn for every entry of a list, following <list> nesting and
// <resource-list> references to the owner's resource-lists documents in
// the xcap table; n counts the entries.
func (m *Module) walk(ctx context.Context, list *node, user, domain string, depth int, fn func(uri string)) error {
	if depth > 8 {
		return errors.New("resource lists nested too deep")
	}
	for _, c := range list.children {
		switch strings.ToLower(c.name) {
		case "resource-list":
			ref, err := m.resourceList(ctx, strings.TrimSpace(c.text), user, domain)
			if err != nil {
				return err
			}
			if err := m.walk(ctx, ref, user, domain, depth+1, fn); err != nil {
				return err
			}
		case "entry":
			uri, ok := c.attr("uri")
			if !ok {
				return errors.New("entry without uri")
			}
			fn(normalizeURI(uri))
		case "list":
			if err := m.walk(ctx, c, user, domain, depth+1, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// resourceList resolves an XCAP URI of a <resource-list>: the document
// (its filename against xcap.doc_uri) and the node its selector names.
func (m *Module) resourceList(ctx context.Context, ref, user, domain string) (*node, error) {
	if u, err := url.PathUnescape(ref); err == nil {
		ref = u
	}
	var selector string
	path := ref
	if i := strings.Index(ref, "/~~/"); i >= 0 {
		path, selector = ref[:i], ref[i+3:]
	}
	tree := strings.Index(path, "/users/")
	if tree < 0 {
		tree = strings.Index(path, "/global/")
	}
	if tree < 0 {
		return nil, fmt.Errorf("<resource-list/> %q: unknown XCAP URI tree", ref)
	}
	rest := path[tree+1:]
	_, rest, _ = strings.Cut(rest, "/") // tree
	_, filename, ok := strings.Cut(rest, "/")
	if !ok {
		return nil, fmt.Errorf("<resource-list/> %q: no document", ref)
	}
	doc, _, err := m.xcap.GetDoc(ctx, user, domain, api.XCAPResourceLists, filename)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, fmt.Errorf("<resource-list/> %q not found", ref)
	}
	root, err := parseXML(doc)
	if err != nil {
		return nil, fmt.Errorf("resource-lists document %q: %w", filename, err)
	}
	if selector == "" {
		if root.name != "resource-lists" {
			return nil, fmt.Errorf("resource-lists document %q: no resource-lists element", filename)
		}
		return root, nil
	}
	n := selectNode(root, selector)
	if n == nil {
		return nil, fmt.Errorf("<resource-list/> %q: no node for the selector", ref)
	}
	return n, nil
}

// selectNode evaluates an XCAP node selector ("/resource-lists/list[@name="x"]",
// steps with an optional [@attr="value"] or [position] predicate).
func selectNode(root *node, sel string) *node {
	steps := strings.Split(strings.Trim(sel, "/"), "/")
	cur := []*node{{children: []*node{root}}}
	for _, st := range steps {
		name, pred, _ := strings.Cut(st, "[")
		pred = strings.TrimSuffix(pred, "]")
		if i := strings.IndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		var next []*node
		for _, p := range cur {
			pos := 0
			for _, c := range p.children {
				if c.name != name && name != "*" {
					continue
				}
				pos++
				if matchPred(c, pred, pos) {
					next = append(next, c)
				}
			}
		}
		if len(next) == 0 {
			return nil
		}
		cur = next
	}
	return cur[0]
}

func matchPred(n *node, pred string, pos int) bool {
	if pred == "" {
		return true
	}
	if k, v, ok := strings.Cut(pred, "="); ok && strings.HasPrefix(k, "@") {
		got, has := n.attr(strings.TrimSpace(k[1:]))
		return has && got == strings.Trim(strings.TrimSpace(v), `"'`)
	}
	if i, err := strconv.Atoi(strings.TrimSpace(pred)); err == nil {
		return i == pos
	}
	return false
}

// entries lists the resources of a service once each, in document order.
func (m *Module) entries(ctx context.Context, svc *node, user, domain string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	err := m.walk(ctx, svc, user, domain, 0, func(uri string) {
		if seen[uri] {
			m.log.Warn("resource listed twice", "owner", user+"@"+domain, "resource", uri)
			return
		}
		seen[uri] = true
		out = append(out, uri)
	})
	return out, err
}
