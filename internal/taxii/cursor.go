package taxii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"

	"github.com/firebreak/firebreak"
)

// A `next` token names a position in the hub's order of object versions: the date added
// and the hub-wide sequence number of the last version a page returned. Both count every
// version of every provider, so a token in clear would let a reader walking with limit=1
// count the versions hidden from it between two it sees, and tell when they were added.
// Tokens are therefore sealed with authenticated encryption under a key derived from the
// hub's secret (which every node on one database shares, so any node opens any node's
// tokens), and bound to the reader and collection they were issued for: a token reveals
// nothing of the position, cannot be made up or altered, and is refused anywhere else.
//
// The layout is fixed, so every token has the same length whatever it holds:
//
//	format (1) | salt (16) | AES-256-GCM(position: date added, seq, 8 bytes each) (16) | tag (16)
//
// Each token is sealed under a key of its own, HMAC-SHA256(cursor key, salt), with a
// random 128-bit salt and a fixed nonce: a key is then used for one message only, so no
// count of tokens, however large, wears the hub key out, as 96-bit random nonces under
// one key would after some billions of tokens.
const (
	cursorFormat  = 2 // 1 was the unkeyed format, position in clear with a CRC
	cursorSaltLen = 16
	cursorPosLen  = 16
	cursorBytes   = 1 + cursorSaltLen + cursorPosLen + 16
	// CursorLen is the length of every `next` token.
	CursorLen = (cursorBytes*8 + 5) / 6
)

// cursorPurpose labels the key derived from the hub's secret for cursors, so that it is
// never the secret itself nor a key used for anything else (such as pseudonyms).
const cursorPurpose = "firebreak taxii next cursor v2"

// CursorKey seals and opens `next` tokens. It is safe for concurrent use.
type CursorKey struct {
	key [32]byte
}

// NewCursorKey derives the cursor key from the hub's secret. A hub without a secret has no
// key (EINTERNAL): tokens sealed with a key anyone knows would be no better than clear.
func NewCursorKey(hubSecret []byte) (*CursorKey, error) {
	if len(hubSecret) < 16 {
		return nil, firebreak.Errorf(firebreak.EINTERNAL, "the hub has no secret to key its cursors with")
	}
	m := hmac.New(sha256.New, hubSecret)
	m.Write([]byte(cursorPurpose))
	k := &CursorKey{}
	copy(k.key[:], m.Sum(nil))
	return k, nil
}

// For returns the cursors of one reader's requests to one collection. reader names
// everything the reader's view depends on besides the collection (the server uses the
// organisation's identity and whether the caller acts as an operator); collection is the
// collection's id. A token sealed by one Cursors opens only with a Cursors made for the
// same reader and collection, under the same hub secret.
func (k *CursorKey) For(reader, collection string) Cursors {
	ad := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(reader)+len(collection))
	ad = append(ad, cursorFormat)
	ad = binary.AppendUvarint(ad, uint64(len(reader)))
	ad = append(ad, reader...)
	ad = binary.AppendUvarint(ad, uint64(len(collection)))
	ad = append(ad, collection...)
	return Cursors{key: k, ad: ad}
}

// Cursors seals positions as `next` tokens for one reader and collection, and opens
// them. The zero Cursors opens nothing and seals nothing.
type Cursors struct {
	key *CursorKey
	ad  []byte // additional data: format, reader, collection
}

// aead returns the AES-256-GCM of the token with the given salt.
func (k *CursorKey) aead(salt []byte) cipher.AEAD {
	m := hmac.New(sha256.New, k.key[:])
	m.Write(salt)
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return g
}

// fixedNonce is the GCM nonce of every token: each token's key is its own (see above).
var fixedNonce = make([]byte, 12)

// Encode seals a position as a `next` token. It fails only when the zero Cursors is used
// or the system's random source does.
func (c Cursors) Encode(pos firebreak.Cursor) (string, error) {
	if c.key == nil {
		return "", firebreak.Errorf(firebreak.EINTERNAL, "no cursor key to seal the next token with")
	}
	b := make([]byte, 1+cursorSaltLen, cursorBytes)
	b[0] = cursorFormat
	if _, err := rand.Read(b[1:]); err != nil {
		return "", firebreak.Wrap(firebreak.EINTERNAL, err, "cannot make a next token")
	}
	var plain [cursorPosLen]byte
	binary.BigEndian.PutUint64(plain[:8], uint64(pos.Added))
	binary.BigEndian.PutUint64(plain[8:], uint64(pos.Seq))
	b = c.key.aead(b[1:]).Seal(b, fixedNonce, plain[:], c.ad)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Decode opens a `next` token sealed by Encode for the same reader and collection. Any
// other string — damaged, made up, altered, issued to another reader or for another
// collection, or from before cursors were sealed — is EINVALID, with one message for all.
func (c Cursors) Decode(s string) (firebreak.Cursor, error) {
	bad := firebreak.Errorf(firebreak.EINVALID, "next: %q is not a token this server issued", clip(s))
	if c.key == nil || len(s) != CursorLen {
		return firebreak.Cursor{}, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != cursorBytes || b[0] != cursorFormat {
		return firebreak.Cursor{}, bad
	}
	salt := b[1 : 1+cursorSaltLen]
	plain, err := c.key.aead(salt).Open(nil, fixedNonce, b[1+cursorSaltLen:], c.ad)
	if err != nil || len(plain) != cursorPosLen {
		return firebreak.Cursor{}, bad
	}
	pos := firebreak.Cursor{Added: int64(binary.BigEndian.Uint64(plain[:8])), Seq: int64(binary.BigEndian.Uint64(plain[8:]))}
	if pos.Added < 0 || pos.Seq < 0 {
		return firebreak.Cursor{}, bad
	}
	return pos, nil
}
