// Package presxml holds the XML documents of the presence event packages
// shared by the presence modules: PIDF (RFC 3863) merging and inspection,
// dialog-info (RFC 4235) aggregation and watcherinfo (RFC 3857) bodies.
// It works on the raw bytes of top-level elements, so that published
// extensions (RPID, data-model elements) pass through untouched.
package presxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// XML namespaces of the documents.
const (
	NSPIDF        = "urn:ietf:params:xml:ns:pidf"
	NSDialogInfo  = "urn:ietf:params:xml:ns:dialog-info"
	NSWatcherinfo = "urn:ietf:params:xml:ns:watcherinfo"
	NSRPID        = "urn:ietf:params:xml:ns:pidf:rpid"
)

// Element is one top-level child of a document's root element.
type Element struct {
	Name xml.Name
	Attr []xml.Attr
	// Raw is the element's text exactly as in the document.
	Raw []byte
}

// Doc is a parsed document: its root and the root's children.
type Doc struct {
	Root xml.Name
	// Attr are the root's attributes; NSDecls the namespace declarations
	// among them, as written ("xmlns", "xmlns:dm").
	Attr     []xml.Attr
	NSDecls  []xml.Attr
	Children []Element
}

// Parse reads a document, checking that it is well-formed.
func Parse(body []byte) (*Doc, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("empty document")
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	doc := &Doc{}
	depth := 0
	var start int64
	var cur *Element
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				if doc.Root.Local != "" {
					return nil, errors.New("malformed xml: more than one root element")
				}
				doc.Root = t.Name
				doc.Attr = t.Attr
				raw, err := rawAttrs(body[off:d.InputOffset()])
				if err == nil {
					doc.NSDecls = raw
				}
			case 2:
				start = off
				cur = &Element{Name: t.Name, Attr: t.Attr}
			}
		case xml.EndElement:
			if depth == 2 && cur != nil {
				cur.Raw = body[start:d.InputOffset()]
				doc.Children = append(doc.Children, *cur)
				cur = nil
			}
			depth--
		}
	}
	if doc.Root.Local == "" {
		return nil, errors.New("malformed xml: no root element")
	}
	return doc, nil
}

// rawAttrs returns the namespace declarations of a start tag as written
// (encoding/xml resolves prefixes and loses them).
func rawAttrs(tag []byte) ([]xml.Attr, error) {
	s := strings.TrimSpace(string(tag))
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimRight(s, "/>")
	var out []xml.Attr
	for {
		i := strings.Index(s, "xmlns")
		if i < 0 {
			return out, nil
		}
		if i > 0 && !isSpace(s[i-1]) {
			s = s[i+5:]
			continue
		}
		rest := s[i:]
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return out, nil
		}
		name := strings.TrimSpace(rest[:eq])
		v := strings.TrimLeft(rest[eq+1:], " \t\r\n")
		if v == "" || (v[0] != '"' && v[0] != '\'') {
			return out, nil
		}
		end := strings.IndexByte(v[1:], v[0])
		if end < 0 {
			return out, nil
		}
		out = append(out, xml.Attr{Name: xml.Name{Local: name}, Value: v[1 : end+1]})
		s = v[end+2:]
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// Attr returns the value of an attribute by local name.
func Attr(attrs []xml.Attr, local string) (string, bool) {
	for _, a := range attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// Escape escapes s for an attribute value or text.
func Escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// CheckPIDF validates a published presence document: well-formed XML
// whose root is a PIDF presence element.
func CheckPIDF(body []byte) error {
	doc, err := Parse(body)
	if err != nil {
		return err
	}
	if doc.Root.Local != "presence" {
		return fmt.Errorf("root element is <%s>, not <presence>", doc.Root.Local)
	}
	return nil
}

// MergePIDF builds the presence document of entity from several
// publications (oldest first): the tuples, persons, devices and notes of
// every document under one <presence> root that declares every namespace
// the documents declared. Documents that do not parse are skipped.
func MergePIDF(entity string, bodies [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<presence xmlns="` + NSPIDF + `"`)
	docs := make([]*Doc, 0, len(bodies))
	seen := map[string]bool{"xmlns": true}
	for _, body := range bodies {
		doc, err := Parse(body)
		if err != nil {
			continue
		}
		docs = append(docs, doc)
		for _, ns := range doc.NSDecls {
			if seen[ns.Name.Local] {
				continue
			}
			seen[ns.Name.Local] = true
			b.WriteString(" " + ns.Name.Local + `="` + Escape(ns.Value) + `"`)
		}
	}
	b.WriteString(` entity="` + Escape(entity) + `">`)
	for _, doc := range docs {
		for _, el := range doc.Children {
			b.Write(el.Raw)
		}
	}
	b.WriteString("</presence>\n")
	return b.Bytes()
}

// OfflinePIDF is the document of a presentity whose publication expired
// (presence_xml's generate_offline_body): its tuples with basic status
// closed, or one closed tuple when none is known.
func OfflinePIDF(entity string, last []byte) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<presence xmlns="` + NSPIDF + `" entity="` + Escape(entity) + `">`)
	n := 0
	if doc, err := Parse(last); err == nil {
		for _, el := range doc.Children {
			if el.Name.Local != "tuple" {
				continue
			}
			id, _ := Attr(el.Attr, "id")
			b.WriteString(`<tuple id="` + Escape(id) + `"><status><basic>closed</basic></status></tuple>`)
			n++
		}
	}
	if n == 0 {
		b.WriteString(`<tuple id="offline"><status><basic>closed</basic></status></tuple>`)
	}
	b.WriteString("</presence>\n")
	return b.Bytes()
}

// BasicStatus returns the basic status ("open", "closed") of the first
// tuple that has one, or "".
func BasicStatus(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	in := false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			in = t.Name.Local == "basic"
		case xml.CharData:
			if in {
				return strings.TrimSpace(string(t))
			}
		case xml.EndElement:
			in = false
		}
	}
}

// RegistrationPIDF is the document pua_usrloc publishes for a registered
// user: one tuple with basic status open.
func RegistrationPIDF(entity, tupleID string) []byte {
	return []byte(`<?xml version="1.0"?>` + "\n" + `<presence xmlns="` + NSPIDF +
		`" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="` + NSRPID +
		`" xmlns:c="urn:ietf:params:xml:ns:pidf:cipid" entity="` + Escape(entity) +
		`"><tuple id="` + Escape(tupleID) + `"><status><basic>open</basic></status></tuple></presence>` + "\n")
}
