package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// SecretLen is the length of the nonce secret: an AES-256 key (OpenSIPS
// 3.2+ requires exactly 32 characters).
const SecretLen = 32

// NonceLen is the length of a nonce: 33 bytes in base64.
const NonceLen = 44

// MaxNonceIndex is the size of the replay-protection index pool.
const MaxNonceIndex = 100000

// nonceParams is what a nonce carries.
type nonceParams struct {
	index   int32
	qop     uint8 // OpenSIPS qop_type_t numbering
	alg     uint8 // Algorithm (0 = MD5 unspecified)
	expires time.Time
}

// noncer builds and opens nonces in OpenSIPS' 3.x format: 16 random bytes
// followed by the payload XORed with them, encrypted with AES-256-ECB
// under the secret, a zero byte appended, base64-encoded. Nodes sharing
// a secret accept each other's nonces.
type noncer struct {
	block cipher.Block
}

func newNoncer(secret []byte) (*noncer, error) {
	if len(secret) != SecretLen {
		return nil, fmt.Errorf("bad secret length, must be exactly %d bytes (256-bit AES key), given: %d",
			SecretLen, len(secret))
	}
	b, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("nonce cipher: %w", err)
	}
	return &noncer{block: b}, nil
}

// payload layout (little endian, as OpenSIPS' packed struct on x86):
// int32 index, then a 64-bit word qop:3 alg:3 expires_sec:34
// expires_usec:20, then zero padding.
func (n *noncer) calc(p nonceParams) (string, error) {
	var plain [32]byte
	if _, err := rand.Read(plain[:16]); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	pl := plain[16:]
	binary.LittleEndian.PutUint32(pl[0:4], uint32(p.index))
	usec := uint64(p.expires.Nanosecond() / 1000)
	w := uint64(p.qop&7) | uint64(p.alg&7)<<3 | (uint64(p.expires.Unix())&(1<<34-1))<<6 | usec<<40
	binary.LittleEndian.PutUint64(pl[4:12], w)
	for i := 0; i < 16; i++ {
		pl[i] ^= plain[i]
	}
	var enc [33]byte
	n.block.Encrypt(enc[0:16], plain[0:16])
	n.block.Encrypt(enc[16:32], plain[16:32])
	return base64.StdEncoding.EncodeToString(enc[:]), nil
}

var errBadNonce = errors.New("bad nonce")

func (n *noncer) open(nonce string) (nonceParams, error) {
	var p nonceParams
	if len(nonce) != NonceLen {
		return p, errBadNonce
	}
	var raw [33]byte
	if k, err := base64.StdEncoding.Decode(raw[:], []byte(nonce)); err != nil || k != 33 || raw[32] != 0 {
		return p, errBadNonce
	}
	var plain [32]byte
	n.block.Decrypt(plain[0:16], raw[0:16])
	n.block.Decrypt(plain[16:32], raw[16:32])
	pl := plain[16:]
	for i := 0; i < 16; i++ {
		pl[i] ^= plain[i]
	}
	w := binary.LittleEndian.Uint64(pl[4:12])
	usec := w >> 40
	if usec >= 1000000 {
		return p, errBadNonce
	}
	for _, b := range pl[12:16] {
		if b != 0 {
			return p, errBadNonce
		}
	}
	p.index = int32(binary.LittleEndian.Uint32(pl[0:4]))
	p.qop = uint8(w & 7)
	p.alg = uint8(w >> 3 & 7)
	p.expires = time.Unix(int64(w>>6&(1<<34-1)), int64(usec)*1000)
	return p, nil
}

// stale reports whether a nonce has expired, or claims a lifetime longer
// than nonce_expire (is_nonce_stale).
func stale(p nonceParams, now time.Time, lifetime time.Duration) bool {
	return !now.Before(p.expires) || now.Add(lifetime).Before(p.expires)
}

// indexPool hands out nonce indexes and accepts each once, within the
// nonces issued during the last nonce_expire seconds (OpenSIPS index.c:
// a ring of MaxNonceIndex slots; a slot older than the window is free).
type indexPool struct {
	mu       sync.Mutex
	lifetime int64 // seconds
	next     int
	issued   []int64 // second each index was handed out; 0 = never
	used     []uint64
	clock    func() time.Time
}

func newIndexPool(lifetime int, clock func() time.Time) *indexPool {
	return &indexPool{lifetime: int64(lifetime), issued: make([]int64, MaxNonceIndex),
		used: make([]uint64, (MaxNonceIndex+63)/64), clock: clock}
}

// reserve returns a fresh index, or -1 when all the indexes of the window
// are in use.
func (p *indexPool) reserve() int {
	now := p.clock().Unix()
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.next
	if t := p.issued[i]; t != 0 && now-t <= p.lifetime {
		return -1
	}
	p.issued[i] = now
	p.used[i/64] &^= 1 << (i % 64)
	p.next = (i + 1) % MaxNonceIndex
	return i
}

// use accepts an index the first time it is presented while its nonce
// can still be valid.
func (p *indexPool) use(i int) bool {
	if i < 0 || i >= MaxNonceIndex {
		return false
	}
	now := p.clock().Unix()
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.issued[i]
	if t == 0 || now-t > p.lifetime {
		return false
	}
	if p.used[i/64]&(1<<(i%64)) != 0 {
		return false
	}
	p.used[i/64] |= 1 << (i % 64)
	return true
}
