// Package hep encodes and decodes HEP (Homer Encapsulation Protocol)
// packets, versions 1, 2 and 3, with the layout OpenSIPS' proto_hep
// writes: the generic chunks in a fixed order, the addresses, the payload,
// then the extra chunks. tracer builds packets with it, proto_hep sends and
// receives them and sipcapture stores what they carry.
package hep

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"gosips/internal/cjson"
)

// Generic chunk types (vendor 0), HEP3 rev 11.
const (
	ChunkIPFamily          = 0x0001
	ChunkIPProto           = 0x0002
	ChunkSrcIP4            = 0x0003
	ChunkDstIP4            = 0x0004
	ChunkSrcIP6            = 0x0005
	ChunkDstIP6            = 0x0006
	ChunkSrcPort           = 0x0007
	ChunkDstPort           = 0x0008
	ChunkTimeSec           = 0x0009
	ChunkTimeUsec          = 0x000a
	ChunkProtoType         = 0x000b
	ChunkCaptureID         = 0x000c
	ChunkKeepAlive         = 0x000d
	ChunkAuthKey           = 0x000e
	ChunkPayload           = 0x000f
	ChunkCompressedPayload = 0x0010
	ChunkCorrelationID     = 0x0011
	ChunkVLANID            = 0x0012
	// ChunkExtraCorrelation is OpenSIPS' JSON correlation chunk (HOMER 6).
	ChunkExtraCorrelation = 101
)

// Address families as carried in the family chunk (Linux AF_INET/AF_INET6).
const (
	FamilyIPv4 = 2
	FamilyIPv6 = 10
)

// IP protocol numbers of the protocol chunk. OpenSIPS marks TLS with
// IPPROTO_IDP and WebSocket with IPPROTO_ESP.
const (
	IPProtoTCP  = 6
	IPProtoUDP  = 17
	IPProtoIDP  = 22 // TLS
	IPProtoESP  = 50 // WS/WSS
	IPProtoSCTP = 132
)

// Payload types of the proto-type chunk (OpenSIPS' hep_ids).
const (
	TypeSIP     = 0x01
	TypeXLog    = 0x64
	TypeMI      = 0x57
	TypeREST    = 0x58
	TypeNet     = 0x59
	TypeControl = 0x60
)

// Chunk is a chunk beyond the generic ones (correlation, vendor data).
type Chunk struct {
	Vendor uint16
	Type   uint16
	Data   []byte
}

// Packet is one HEP packet.
type Packet struct {
	Version   int   // 1, 2 or 3
	Family    uint8 // FamilyIPv4 or FamilyIPv6
	Proto     uint8 // IP protocol number (IPProtoUDP...)
	Src, Dst  netip.AddrPort
	TimeSec   uint32
	TimeUsec  uint32
	ProtoType uint8  // TypeSIP...; version 3 only
	CaptureID uint32 // 16 bits in version 2
	Payload   []byte
	// Chunks are the other chunks of a version 3 packet in wire order.
	Chunks []Chunk
}

// SetTime sets the timestamp chunks from t.
func (p *Packet) SetTime(t time.Time) {
	p.TimeSec = uint32(t.Unix())
	p.TimeUsec = uint32(t.Nanosecond() / 1000)
}

// Time returns the packet's timestamp.
func (p *Packet) Time() time.Time {
	return time.Unix(int64(p.TimeSec), int64(p.TimeUsec)*1000)
}

// Chunk returns the first extra chunk of that vendor and type.
func (p *Packet) Chunk(vendor, typ uint16) (Chunk, bool) {
	for _, c := range p.Chunks {
		if c.Type == typ && c.Vendor == vendor {
			return c, true
		}
	}
	return Chunk{}, false
}

// SetChunk replaces the data of the extra chunk of that vendor and type,
// or adds it first (OpenSIPS puts a newly added chunk at the head of its
// list, so it goes out before the chunks added earlier).
func (p *Packet) SetChunk(vendor, typ uint16, data []byte) {
	for i := range p.Chunks {
		if p.Chunks[i].Type == typ && p.Chunks[i].Vendor == vendor {
			p.Chunks[i].Data = data
			return
		}
	}
	p.Chunks = append(p.Chunks, Chunk{})
	copy(p.Chunks[1:], p.Chunks)
	p.Chunks[0] = Chunk{Vendor: vendor, Type: typ, Data: data}
}

// DelChunk removes the extra chunks of that type (any vendor); it reports
// whether one was there.
func (p *Packet) DelChunk(typ uint16) bool {
	n := 0
	for _, c := range p.Chunks {
		if c.Type != typ {
			p.Chunks[n] = c
			n++
		}
	}
	found := n != len(p.Chunks)
	p.Chunks = p.Chunks[:n]
	return found
}

// Len is the encoded size.
func (p *Packet) Len() int {
	v6 := p.Src.Addr().Is6() && !p.Src.Addr().Is4In6()
	if p.Version != 3 {
		n := 8 + 8 + len(p.Payload)
		if v6 {
			n = 8 + 32 + len(p.Payload)
		}
		if p.Version == 2 {
			n += timeHdrLen
		}
		return n
	}
	n := genericLen + 2*(6+4) + 6 + len(p.Payload)
	if v6 {
		n = genericLen + 2*(6+16) + 6 + len(p.Payload)
	}
	for _, c := range p.Chunks {
		n += 6 + len(c.Data)
	}
	return n
}

// genericLen is the header and the generic chunks before the addresses.
const genericLen = 6 + 7 + 7 + 8 + 8 + 10 + 10 + 7 + 10

// timeHdrLen is OpenSIPS' HEPv2 time header: seconds, microseconds and a
// 16-bit capture id, in host (little-endian) order and padded to 12 bytes.
const timeHdrLen = 12

// ErrTooLong is returned when a version 3 packet exceeds 65535 bytes.
var ErrTooLong = errors.New("hep: packet longer than 65535 bytes")

// Append encodes p after dst.
func (p *Packet) Append(dst []byte) ([]byte, error) {
	switch p.Version {
	case 1, 2:
		return p.appendV12(dst), nil
	case 3:
		return p.appendV3(dst, false)
	}
	return dst, fmt.Errorf("hep: bad version %d", p.Version)
}

// Marshal encodes p.
func (p *Packet) Marshal() ([]byte, error) { return p.Append(make([]byte, 0, p.Len())) }

func chunkHdr(b []byte, vendor, typ uint16, n int) []byte {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, vendor), typ), uint16(6+n))
}

func (p *Packet) family() uint8 {
	if p.Family != 0 {
		return p.Family
	}
	if a := p.Src.Addr(); a.Is6() && !a.Is4In6() {
		return FamilyIPv6
	}
	return FamilyIPv4
}

// AppendRelay encodes a version 3 packet as OpenSIPS' sipcapture relays
// one (hep_relay()): the extra chunks before the payload. Other versions
// encode as Append does.
func (p *Packet) AppendRelay(dst []byte) ([]byte, error) {
	if p.Version != 3 {
		return p.Append(dst)
	}
	return p.appendV3(dst, true)
}

func (p *Packet) appendV3(b []byte, chunksFirst bool) ([]byte, error) {
	total := p.Len()
	if total > 0xffff {
		return b, ErrTooLong
	}
	fam := p.family()
	b = append(b, 'H', 'E', 'P', '3')
	b = binary.BigEndian.AppendUint16(b, uint16(total))
	b = append(chunkHdr(b, 0, ChunkIPFamily, 1), fam)
	b = append(chunkHdr(b, 0, ChunkIPProto, 1), p.Proto)
	b = binary.BigEndian.AppendUint16(chunkHdr(b, 0, ChunkSrcPort, 2), p.Src.Port())
	b = binary.BigEndian.AppendUint16(chunkHdr(b, 0, ChunkDstPort, 2), p.Dst.Port())
	b = binary.BigEndian.AppendUint32(chunkHdr(b, 0, ChunkTimeSec, 4), p.TimeSec)
	b = binary.BigEndian.AppendUint32(chunkHdr(b, 0, ChunkTimeUsec, 4), p.TimeUsec)
	b = append(chunkHdr(b, 0, ChunkProtoType, 1), p.ProtoType)
	b = binary.BigEndian.AppendUint32(chunkHdr(b, 0, ChunkCaptureID, 4), p.CaptureID)
	if fam == FamilyIPv6 {
		s, d := p.Src.Addr().As16(), p.Dst.Addr().As16()
		b = append(chunkHdr(b, 0, ChunkSrcIP6, 16), s[:]...)
		b = append(chunkHdr(b, 0, ChunkDstIP6, 16), d[:]...)
	} else {
		s, d := p.Src.Addr().Unmap().As4(), p.Dst.Addr().Unmap().As4()
		b = append(chunkHdr(b, 0, ChunkSrcIP4, 4), s[:]...)
		b = append(chunkHdr(b, 0, ChunkDstIP4, 4), d[:]...)
	}
	if !chunksFirst {
		b = append(chunkHdr(b, 0, ChunkPayload, len(p.Payload)), p.Payload...)
	}
	for _, c := range p.Chunks {
		b = append(chunkHdr(b, c.Vendor, c.Type, len(c.Data)), c.Data...)
	}
	if chunksFirst {
		b = append(chunkHdr(b, 0, ChunkPayload, len(p.Payload)), p.Payload...)
	}
	return b, nil
}

func (p *Packet) appendV12(b []byte) []byte {
	fam := p.family()
	hl := 16
	if fam == FamilyIPv6 {
		hl = 40
	}
	b = append(b, byte(p.Version), byte(hl), fam, p.Proto)
	b = binary.BigEndian.AppendUint16(b, p.Src.Port())
	b = binary.BigEndian.AppendUint16(b, p.Dst.Port())
	if fam == FamilyIPv6 {
		s, d := p.Src.Addr().As16(), p.Dst.Addr().As16()
		b = append(append(b, s[:]...), d[:]...)
	} else {
		s, d := p.Src.Addr().Unmap().As4(), p.Dst.Addr().Unmap().As4()
		b = append(append(b, s[:]...), d[:]...)
	}
	if p.Version == 2 {
		b = binary.LittleEndian.AppendUint32(b, p.TimeSec)
		b = binary.LittleEndian.AppendUint32(b, p.TimeUsec)
		b = binary.LittleEndian.AppendUint16(b, uint16(p.CaptureID))
		b = append(b, 0, 0)
	}
	return append(b, p.Payload...)
}

// IsV3 reports whether b starts like a version 3 packet.
func IsV3(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "HEP3" }

// Decode parses one packet. The payload and chunk data alias b.
func Decode(b []byte) (*Packet, error) {
	p := &Packet{}
	if err := p.Decode(b); err != nil {
		return nil, err
	}
	return p, nil
}

// Decode parses b into p, as OpenSIPS' proto_hep does: fixed-size generic
// chunks must have their size, unknown chunks are kept in order and a
// version 3 packet needs a payload.
func (p *Packet) Decode(b []byte) error {
	*p = Packet{Chunks: p.Chunks[:0]}
	if IsV3(b) {
		return p.decodeV3(b)
	}
	return p.decodeV12(b)
}

func (p *Packet) decodeV3(b []byte) error {
	p.Version = 3
	if len(b) < 6 {
		return errors.New("hep: short packet")
	}
	tlen := int(binary.BigEndian.Uint16(b[4:]))
	if tlen < 6 || tlen > len(b) {
		return fmt.Errorf("hep: advertised length %d for a %d-byte packet", tlen, len(b))
	}
	b = b[6:tlen]
	var src4, dst4 [4]byte
	var src16, dst16 [16]byte
	var have4, have6, havePayload bool
	var sport, dport uint16
	for len(b) > 0 {
		if len(b) < 6 {
			return errors.New("hep: truncated chunk header")
		}
		vendor := binary.BigEndian.Uint16(b)
		typ := binary.BigEndian.Uint16(b[2:])
		n := int(binary.BigEndian.Uint16(b[4:]))
		if n < 6 || n > len(b) {
			return fmt.Errorf("hep: chunk %#04x length %d, %d bytes left", typ, n, len(b))
		}
		d := b[6:n]
		b = b[n:]
		size := func(want int) error {
			if len(d) != want {
				return fmt.Errorf("hep: chunk %#04x length %d, want %d", typ, n, want+6)
			}
			return nil
		}
		var err error
		switch typ {
		case ChunkIPFamily, ChunkIPProto, ChunkProtoType:
			if err = size(1); err == nil {
				switch typ {
				case ChunkIPFamily:
					p.Family = d[0]
				case ChunkIPProto:
					p.Proto = d[0]
				default:
					p.ProtoType = d[0]
				}
			}
		case ChunkSrcIP4, ChunkDstIP4:
			if err = size(4); err == nil {
				have4 = true
				if typ == ChunkSrcIP4 {
					copy(src4[:], d)
				} else {
					copy(dst4[:], d)
				}
			}
		case ChunkSrcIP6, ChunkDstIP6:
			if err = size(16); err == nil {
				have6 = true
				if typ == ChunkSrcIP6 {
					copy(src16[:], d)
				} else {
					copy(dst16[:], d)
				}
			}
		case ChunkSrcPort, ChunkDstPort:
			if err = size(2); err == nil {
				if typ == ChunkSrcPort {
					sport = binary.BigEndian.Uint16(d)
				} else {
					dport = binary.BigEndian.Uint16(d)
				}
			}
		case ChunkTimeSec, ChunkTimeUsec, ChunkCaptureID:
			if err = size(4); err == nil {
				v := binary.BigEndian.Uint32(d)
				switch typ {
				case ChunkTimeSec:
					p.TimeSec = v
				case ChunkTimeUsec:
					p.TimeUsec = v
				default:
					p.CaptureID = v
				}
			}
		case ChunkPayload, ChunkCompressedPayload:
			p.Payload, havePayload = d, true
		default:
			p.Chunks = append(p.Chunks, Chunk{Vendor: vendor, Type: typ, Data: d})
		}
		if err != nil {
			return err
		}
	}
	if !havePayload {
		return errors.New("hep: packet without a payload chunk")
	}
	if p.Family == FamilyIPv6 || !have4 && have6 {
		p.Src = netip.AddrPortFrom(netip.AddrFrom16(src16), sport)
		p.Dst = netip.AddrPortFrom(netip.AddrFrom16(dst16), dport)
	} else {
		p.Src = netip.AddrPortFrom(netip.AddrFrom4(src4), sport)
		p.Dst = netip.AddrPortFrom(netip.AddrFrom4(dst4), dport)
	}
	return nil
}

func (p *Packet) decodeV12(b []byte) error {
	if len(b) < 8 {
		return errors.New("hep: short packet")
	}
	v, hl, fam := int(b[0]), int(b[1]), b[2]
	want := 16
	switch fam {
	case FamilyIPv4:
	case FamilyIPv6:
		want = 40
	default:
		return fmt.Errorf("hep: unsupported family %d", fam)
	}
	if v != 1 && v != 2 || hl != want {
		return fmt.Errorf("hep: version %d with header length %d", v, hl)
	}
	if len(b) < hl {
		return errors.New("hep: short packet")
	}
	p.Version, p.Family, p.Proto = v, fam, b[3]
	sport, dport := binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:])
	if fam == FamilyIPv6 {
		p.Src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), sport)
		p.Dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[24:40])), dport)
	} else {
		p.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[8:12])), sport)
		p.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[12:16])), dport)
	}
	b = b[hl:]
	if v == 2 {
		if len(b) < timeHdrLen {
			return errors.New("hep: short time header")
		}
		p.TimeSec = binary.LittleEndian.Uint32(b)
		p.TimeUsec = binary.LittleEndian.Uint32(b[4:])
		p.CaptureID = uint32(binary.LittleEndian.Uint16(b[8:]))
		b = b[timeHdrLen:]
	}
	p.ProtoType = TypeSIP
	p.Payload = b
	return nil
}

// IPProto maps a SIP transport name to the protocol chunk's value, as
// OpenSIPS' tracer does ("any" counts as UDP).
func IPProto(transport string) uint8 {
	switch transport {
	case "tcp", "TCP":
		return IPProtoTCP
	case "tls", "TLS":
		return IPProtoIDP
	case "sctp", "SCTP":
		return IPProtoSCTP
	case "ws", "WS", "wss", "WSS":
		return IPProtoESP
	}
	return IPProtoUDP
}

// Transport is the SIP transport name of a protocol chunk value ("" when
// unknown).
func Transport(ipproto uint8) string {
	switch ipproto {
	case IPProtoUDP:
		return "udp"
	case IPProtoTCP:
		return "tcp"
	case IPProtoIDP:
		return "tls"
	case IPProtoSCTP:
		return "sctp"
	case IPProtoESP:
		return "ws"
	}
	return ""
}

// AppendJSON appends a JSON object of the key/value string pairs kv in
// the form OpenSIPS' HOMER 6 mode writes (cJSON's formatted print: one
// tab-indented member per line).
func AppendJSON(dst []byte, kv ...string) []byte {
	dst = append(dst, '{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '\n', '\t')
		dst = cjson.AppendString(dst, kv[i])
		dst = append(dst, ':', '\t')
		dst = cjson.AppendString(dst, kv[i+1])
	}
	if len(kv) >= 2 {
		dst = append(dst, '\n')
	}
	return append(dst, '}')
}
