package presxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CheckDialogInfo validates a published dialog-info document.
func CheckDialogInfo(body []byte) error {
	doc, err := Parse(body)
	if err != nil {
		return err
	}
	if doc.Root.Local != "dialog-info" {
		return fmt.Errorf("root element is <%s>, not <dialog-info>", doc.Root.Local)
	}
	return nil
}

// statePriority orders dialog states by interest for force_single_dialog
// (least interesting first); unknown states rank lowest.
func statePriority(state string) int {
	switch strings.TrimSpace(state) {
	case "terminated":
		return 1
	case "trying":
		return 2
	case "proceeding":
		return 3
	case "confirmed":
		return 4
	case "early":
		return 5
	}
	return 0
}

// dialogState returns the text of the <state> element of a <dialog>.
func dialogState(raw []byte) string {
	d := xml.NewDecoder(bytes.NewReader(raw))
	depth, in := 0, false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			in = depth == 2 && t.Name.Local == "state"
		case xml.CharData:
			if in {
				return strings.TrimSpace(string(t))
			}
		case xml.EndElement:
			depth--
			in = false
		}
	}
}

// versionPlaceholder marks where PerWatcher writes the version.
const versionPlaceholder = `version="0"`

// DialogInfo aggregates dialog-info documents of entity (RFC 4235): the
// <dialog> elements of every document under one root, state "full", or
// "partial" for a NOTIFY caused by one PUBLISH. With single, only the
// dialog in the most interesting state is kept (force_single_dialog).
// The version is 0 until SetVersion rewrites it for a watcher.
func DialogInfo(entity string, bodies [][]byte, partial, single bool) []byte {
	var dialogs []Element
	for _, body := range bodies {
		doc, err := Parse(body)
		if err != nil {
			continue
		}
		for _, el := range doc.Children {
			if el.Name.Local == "dialog" {
				dialogs = append(dialogs, el)
			}
		}
	}
	if single && len(dialogs) > 1 {
		best := 0
		for i, el := range dialogs {
			if statePriority(dialogState(el.Raw)) >= statePriority(dialogState(dialogs[best].Raw)) {
				best = i
			}
		}
		dialogs = dialogs[best : best+1]
	}
	state := "full"
	if partial {
		state = "partial"
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<dialog-info xmlns="` + NSDialogInfo + `" ` + versionPlaceholder +
		` entity="` + Escape(entity) + `" state="` + state + `"`)
	if len(dialogs) == 0 {
		b.WriteString("/>\n")
		return b.Bytes()
	}
	b.WriteString(">")
	for _, el := range dialogs {
		b.Write(el.Raw)
	}
	b.WriteString("</dialog-info>\n")
	return b.Bytes()
}

// EmptyDialogInfo is the dialog-info document of an entity with no
// published dialog.
func EmptyDialogInfo(entity string) []byte {
	return []byte(`<?xml version="1.0"?>` + "\n" + `<dialog-info xmlns="` + NSDialogInfo + `" ` + versionPlaceholder +
		` state="full" entity="` + Escape(entity) + `"/>` + "\n")
}

var versionAttr = regexp.MustCompile(`version="[0-9]*"`)

// SetVersion writes a watcher's version counter into the first version
// attribute of the root element (after the XML declaration).
func SetVersion(body []byte, version int) []byte {
	i := bytes.Index(body, []byte("<dialog-info"))
	if i < 0 {
		return body
	}
	loc := versionAttr.FindIndex(body[i:])
	if loc == nil {
		return body
	}
	out := make([]byte, 0, len(body)+8)
	out = append(out, body[:i+loc[0]]...)
	out = append(out, `version="`...)
	out = strconv.AppendInt(out, int64(version), 10)
	out = append(out, '"')
	return append(out, body[i+loc[1]:]...)
}

// Watcher is one entry of a watcherinfo document.
type Watcher struct {
	ID     string
	URI    string
	Status string // active, pending, terminated, waiting
	Event  string // subscribe, approved, timeout, ...
}

// Watcherinfo builds a full watcherinfo document (RFC 3857) listing the
// watchers of resource for package pkg.
func Watcherinfo(resource, pkg string, version int, ws []Watcher) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<watcherinfo xmlns="` + NSWatcherinfo + `" version="` +
		strconv.Itoa(version) + `" state="full"><watcher-list resource="` + Escape(resource) +
		`" package="` + Escape(pkg) + `"`)
	if len(ws) == 0 {
		b.WriteString("/></watcherinfo>\n")
		return b.Bytes()
	}
	b.WriteString(">")
	for _, w := range ws {
		b.WriteString(`<watcher id="` + Escape(w.ID) + `" event="` + Escape(w.Event) + `" status="` +
			Escape(w.Status) + `">` + Escape(w.URI) + `</watcher>`)
	}
	b.WriteString("</watcher-list></watcherinfo>\n")
	return b.Bytes()
}

// DialogPart is one side of a published dialog.
type DialogPart struct {
	URI     string // identity
	Display string
	Target  string // contact; the identity when empty
}

// DialogDoc describes one dialog to publish (pua_dialoginfo).
type DialogDoc struct {
	// Entity is the presentity (the entity attribute); Local and Peer
	// the two parties as the dialog names them.
	Entity      string
	Local, Peer DialogPart
	ID, CallID  string
	State       string
	Initiator   bool
	LocalTag    string
	RemoteTag   string
	// What to include (include_callid, include_tags, include_localremote).
	WithCallID, WithTags, WithLocalRemote bool
}

func part(b *bytes.Buffer, name string, p DialogPart) {
	b.WriteString("<" + name + "><identity")
	if p.Display != "" {
		b.WriteString(` display="` + Escape(p.Display) + `"`)
	}
	target := p.Target
	if target == "" {
		target = p.URI
	}
	b.WriteString(">" + Escape(p.URI) + `</identity><target uri="` + Escape(target) + `"/></` + name + ">")
}

// Build renders the dialog-info document of d (state "partial", as
// OpenSIPS' pua_dialoginfo publishes).
func (d *DialogDoc) Build() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<dialog-info xmlns="` + NSDialogInfo + `" version="1" state="partial" entity="` +
		Escape(d.Entity) + `"><dialog id="` + Escape(d.ID) + `"`)
	if d.WithCallID {
		b.WriteString(` call-id="` + Escape(d.CallID) + `"`)
	}
	if d.WithTags {
		if d.LocalTag != "" {
			b.WriteString(` local-tag="` + Escape(d.LocalTag) + `"`)
		}
		if d.RemoteTag != "" {
			b.WriteString(` remote-tag="` + Escape(d.RemoteTag) + `"`)
		}
	}
	if d.Initiator {
		b.WriteString(` direction="initiator">`)
	} else {
		b.WriteString(` direction="recipient">`)
	}
	b.WriteString("<state>" + Escape(d.State) + "</state>")
	if d.WithLocalRemote {
		part(&b, "remote", d.Peer)
		part(&b, "local", d.Local)
	}
	b.WriteString("</dialog></dialog-info>\n")
	return b.Bytes()
}

// DialogState returns the state of the first <dialog> of a dialog-info
// document ("" when none).
func DialogState(body []byte) string {
	doc, err := Parse(body)
	if err != nil {
		return ""
	}
	for _, el := range doc.Children {
		if el.Name.Local == "dialog" {
			return dialogState(el.Raw)
		}
	}
	return ""
}
