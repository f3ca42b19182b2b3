package firebreak

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// A backup is a logical copy of everything a store holds, independent of the store: one
// taken from the embedded store restores into PostgreSQL and back. It is a stream of JSON
// lines. The first line is a BackupHeader; every other line is a BackupRecord,
// {"kind":K,"data":{...}}, whose data is one of the Backup* row types below. The records
// come in the order of BackupKinds, and the last is the end record (BackupEnd), which
// carries the counters and the number of records before it: a backup cut short, at a line
// boundary or not, is refused rather than restored in part.
//
// Each record mirrors one row of the schema both stores share, with every value exactly
// as stored: ids, sequence numbers and dates added (microseconds) as integers, bytes
// (object bodies, policy documents, hashes, audit bodies) in base64, and the columns that
// hold JSON text (sectors, rules, request bodies, ...) as that JSON, which both stores
// write compact with encoding/json. Values a store derives from others (the id hash of an
// object, a policy's digest, the audit chain's head) are not in the backup; the store that
// restores derives them again.
//
// The hub's audit checkpoint signing key is not in the backup: it lives outside the store
// by design, so that the store cannot vouch for itself. Keep the key with the backup (or
// the restored hub cannot check the checkpoints it restored).

// BackupFormat names the stream format in a backup's header.
const BackupFormat = "firebreak-backup-v1"

// BackupSchema is the version of the record shapes. A reader takes backups of this schema
// and older ones it knows, and refuses newer ones.
const BackupSchema = 1

// maxBackupLine bounds one line of a backup: the largest object a hub takes (1 GiB of
// request) in base64. Past it, a stream is not a backup, and reading stops before the
// line takes more memory.
const maxBackupLine = 1<<31 - 1

// BackupHeader is the first line of a backup.
type BackupHeader struct {
	Format  string    `json:"format"`
	Schema  int       `json:"schema"`
	Created time.Time `json:"created"`
	// Hub is the UUID of the hub backed up; Store the kind of store it came from
	// ("sqlite", "postgres"); Version the firebreak that wrote it. They are for the
	// operator's record: restoring does not depend on them.
	Hub     string `json:"hub,omitempty"`
	Store   string `json:"store,omitempty"`
	Version string `json:"version,omitempty"`
}

// BackupRecord is one line of a backup after the header: the kind of row and the row as
// JSON (one of the Backup* types, by Kind).
type BackupRecord struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

// BackupRow is implemented by the row types a backup holds; BackupKind names the record
// kind of each.
type BackupRow interface {
	BackupKind() string
}

// The record kinds of a backup.
const (
	BackupKindOrganization = "organization"
	BackupKindHub          = "hub"
	BackupKindUser         = "user"
	BackupKindCircle       = "circle"
	BackupKindPeer         = "peer"
	BackupKindPolicy       = "policy"
	BackupKindObject       = "object"
	BackupKindVariant      = "variant"
	BackupKindReview       = "review"
	BackupKindStatus       = "status"
	BackupKindAudit        = "audit"
	BackupKindCheckpoint   = "checkpoint"
	BackupKindDisclosure   = "disclosure"
	BackupKindContact      = "contact"
	BackupKindIntroduction = "introduction"
	BackupKindPeerState    = "peer_state"
	BackupKindEnd          = "end"
)

// backupKinds is the order of the kinds in a backup: each row comes after the rows it
// refers to (the hub after its operator organisation, users after their organisations),
// so a restore can check references as it goes.
var backupKinds = []string{
	BackupKindOrganization, BackupKindHub, BackupKindUser, BackupKindCircle, BackupKindPeer,
	BackupKindPolicy, BackupKindObject, BackupKindVariant, BackupKindReview, BackupKindStatus,
	BackupKindAudit, BackupKindCheckpoint, BackupKindDisclosure, BackupKindContact,
	BackupKindIntroduction, BackupKindPeerState, BackupKindEnd,
}

// BackupKinds returns the record kinds in the order a backup holds them.
func BackupKinds() []string { return append([]string(nil), backupKinds...) }

// backupRank returns the position of kind in backupKinds, or -1.
func backupRank(kind string) int {
	for i, k := range backupKinds {
		if k == kind {
			return i
		}
	}
	return -1
}

// BackupHub is the hub's own row: its UUID (from which collection ids and the hub's
// identity derive), the secret that keys pseudonyms, and what Apply declared.
type BackupHub struct {
	UUID     string `json:"uuid"`
	Secret   []byte `json:"secret"`
	Name     string `json:"name"`
	Country  string `json:"country"`
	Operator int64  `json:"operator"` // organisation id; 0 for none
}

// BackupOrganization is an organisation as stored. The list columns are the stored JSON
// text, which Apply compares to tell a change from a repeat.
type BackupOrganization struct {
	ID           int64           `json:"id"`
	IdentityID   string          `json:"identity_id"`
	Name         string          `json:"name"`
	Country      string          `json:"country"`
	Type         string          `json:"type"`
	Sectors      json.RawMessage `json:"sectors"`
	Parent       int64           `json:"parent"` // 0 for none
	Status       string          `json:"status"`
	Attestations json.RawMessage `json:"attestations"`
	Affiliations json.RawMessage `json:"affiliations"`
	Domains      json.RawMessage `json:"domains"`
}

// BackupUser is a user; TokenHash is null for a user without a token.
type BackupUser struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Org       int64           `json:"org"`
	Roles     json.RawMessage `json:"roles"`
	TokenHash []byte          `json:"token_hash"`
}

// BackupCircle is a circle with its members (organisation ids, ascending).
type BackupCircle struct {
	ID      int64           `json:"id"`
	Name    string          `json:"name"`
	Rules   json.RawMessage `json:"rules"`
	Review  string          `json:"review"`
	Members []int64         `json:"members"`
}

// BackupPeer is a peer hub and its agreement.
type BackupPeer struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	URL         string          `json:"url"`
	Country     string          `json:"country"`
	Type        string          `json:"type"`
	Token       string          `json:"token"`
	Direction   string          `json:"direction"`
	IntervalNS  int64           `json:"interval_ns"`
	MaxTLP      int             `json:"max_tlp"`
	Circles     json.RawMessage `json:"circles"`
	Attribution bool            `json:"attribution"`
}

// BackupPolicy is a stored dissemination policy.
type BackupPolicy struct {
	ID       int64  `json:"id"`
	Provider int64  `json:"provider"`
	Doc      []byte `json:"doc"`
}

// BackupObject is one object version exactly as stored: Raw is the bytes submitted, Added
// and Expires are microseconds since the Unix epoch (Expires 0 for never, as stored).
type BackupObject struct {
	Seq         int64  `json:"seq"`
	Added       int64  `json:"added"`
	ID          string `json:"id"`
	Type        string `json:"type"`
	SpecVersion string `json:"spec_version"`
	Version     string `json:"version"`
	VKey        string `json:"vkey"`
	Provider    int64  `json:"provider"`
	Policy      int64  `json:"policy"`
	Expires     int64  `json:"expires"`
	Raw         []byte `json:"raw"`
}

// BackupVariant is what readers other than the provider receive of the version Seq; a
// null part is none.
type BackupVariant struct {
	Seq    int64  `json:"seq"`
	Shared []byte `json:"shared"`
	Anon   []byte `json:"anon"`
}

// BackupReview is a version held for review and the submission it belongs to.
type BackupReview struct {
	Seq      int64  `json:"seq"`
	StatusID string `json:"status_id"`
}

// BackupStatus is a submission's status as stored (Body is its JSON).
type BackupStatus struct {
	ID    string          `json:"id"`
	Owner int64           `json:"owner"`
	Body  json.RawMessage `json:"body"`
}

// BackupAudit is one entry of the audit chain, byte for byte.
type BackupAudit struct {
	Seq  int64  `json:"seq"`
	Body []byte `json:"body"`
	Prev []byte `json:"prev"`
	Hash []byte `json:"hash"`
}

// BackupCheckpoint is a signed checkpoint; Time is in Unix nanoseconds, as stored.
type BackupCheckpoint struct {
	Seq       int64  `json:"seq"`
	Hash      []byte `json:"hash"`
	Time      int64  `json:"time"`
	KeyID     string `json:"key_id"`
	Signature []byte `json:"signature"`
}

// BackupDisclosure is a disclosure request as stored; Created is in microseconds.
type BackupDisclosure struct {
	ID        string          `json:"id"`
	Requester int64           `json:"requester"`
	Provider  int64           `json:"provider"`
	State     string          `json:"state"`
	Created   int64           `json:"created"`
	Body      json.RawMessage `json:"body"`
}

// BackupContact is one organisation's contacts as stored.
type BackupContact struct {
	Org  int64           `json:"org"`
	Body json.RawMessage `json:"body"`
}

// BackupIntroduction is an introduction as stored; Created is in microseconds.
type BackupIntroduction struct {
	ID        string          `json:"id"`
	Requester int64           `json:"requester"`
	Provider  int64           `json:"provider"`
	Created   int64           `json:"created"`
	Body      json.RawMessage `json:"body"`
}

// BackupPeerState is one peer's sync state as stored.
type BackupPeerState struct {
	Peer string          `json:"peer"`
	Body json.RawMessage `json:"body"`
}

// BackupEnd is the last record: the store's counters, which rows alone do not give (the
// newest versions may have been deleted, yet their seq is never handed out again), and
// the number of records before it.
type BackupEnd struct {
	Records  int64 `json:"records"`
	Epoch    int64 `json:"epoch"`
	LastSeq  int64 `json:"last_seq"`
	MaxAdded int64 `json:"max_added"` // microseconds
}

// Check refuses (EINVALID) a hub record that no restored hub could run on: one with no
// UUID or no secret.
func (h BackupHub) Check() error {
	if h.UUID == "" || len(h.Secret) == 0 {
		return Errorf(EINVALID, "backup: the hub record has no UUID or no secret")
	}
	return nil
}

// Check refuses (EINVALID) an object record with no id or no body.
func (o BackupObject) Check() error {
	if o.ID == "" || len(o.Raw) == 0 {
		return Errorf(EINVALID, "backup: object %d has no id or no body", o.Seq)
	}
	return nil
}

// Check refuses (EINVALID) an end record whose counters are behind the objects restored
// before it, the greatest seq being maxSeq and the latest date added maxAdded. The
// counters may be ahead of the rows (the newest versions deleted), never behind: a
// restored store would hand out a seq or a date added again.
func (e BackupEnd) Check(maxSeq, maxAdded int64) error {
	if e.LastSeq < maxSeq || e.MaxAdded < maxAdded {
		return Errorf(EINVALID,
			"backup: the end record's counters (last seq %d, max date added %d) are behind the objects (seq %d, date added %d)",
			e.LastSeq, e.MaxAdded, maxSeq, maxAdded)
	}
	return nil
}

// BackupKind returns BackupKindHub.
func (BackupHub) BackupKind() string { return BackupKindHub }

// BackupKind returns BackupKindOrganization.
func (BackupOrganization) BackupKind() string { return BackupKindOrganization }

// BackupKind returns BackupKindUser.
func (BackupUser) BackupKind() string { return BackupKindUser }

// BackupKind returns BackupKindCircle.
func (BackupCircle) BackupKind() string { return BackupKindCircle }

// BackupKind returns BackupKindPeer.
func (BackupPeer) BackupKind() string { return BackupKindPeer }

// BackupKind returns BackupKindPolicy.
func (BackupPolicy) BackupKind() string { return BackupKindPolicy }

// BackupKind returns BackupKindObject.
func (BackupObject) BackupKind() string { return BackupKindObject }

// BackupKind returns BackupKindVariant.
func (BackupVariant) BackupKind() string { return BackupKindVariant }

// BackupKind returns BackupKindReview.
func (BackupReview) BackupKind() string { return BackupKindReview }

// BackupKind returns BackupKindStatus.
func (BackupStatus) BackupKind() string { return BackupKindStatus }

// BackupKind returns BackupKindAudit.
func (BackupAudit) BackupKind() string { return BackupKindAudit }

// BackupKind returns BackupKindCheckpoint.
func (BackupCheckpoint) BackupKind() string { return BackupKindCheckpoint }

// BackupKind returns BackupKindDisclosure.
func (BackupDisclosure) BackupKind() string { return BackupKindDisclosure }

// BackupKind returns BackupKindContact.
func (BackupContact) BackupKind() string { return BackupKindContact }

// BackupKind returns BackupKindIntroduction.
func (BackupIntroduction) BackupKind() string { return BackupKindIntroduction }

// BackupKind returns BackupKindPeerState.
func (BackupPeerState) BackupKind() string { return BackupKindPeerState }

// BackupKind returns BackupKindEnd.
func (BackupEnd) BackupKind() string { return BackupKindEnd }

// NewBackupRecord encodes a row as a record. JSON text inside the row is copied as it is
// (no HTML escaping is added), so that it round-trips byte for byte.
func NewBackupRecord(row BackupRow) (BackupRecord, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(row); err != nil {
		return BackupRecord{}, Wrap(EINTERNAL, err, "cannot encode "+row.BackupKind()+" record")
	}
	return BackupRecord{Kind: row.BackupKind(), Data: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}, nil
}

// Decode reads the record's data into row, whose kind must be the record's. Unknown fields
// are refused: a field this binary does not know is data it would lose.
func (r BackupRecord) Decode(row BackupRow) error {
	if r.Kind != row.BackupKind() {
		return Errorf(EINVALID, "backup: %s record where a %s record was expected", r.Kind, row.BackupKind())
	}
	dec := json.NewDecoder(bytes.NewReader(r.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(row); err != nil {
		return Wrap(EINVALID, err, "backup: "+r.Kind+" record cannot be read")
	}
	if !atEnd(dec) {
		return Errorf(EINVALID, "backup: %s record has data after its end", r.Kind)
	}
	return nil
}

// atEnd reports whether dec has nothing left but white space.
func atEnd(dec *json.Decoder) bool {
	_, err := dec.Token()
	return errors.Is(err, io.EOF)
}

// BackupStore is what a store does for a backup: it reads or writes its rows. Both the
// embedded store and PostgreSQL implement it, so a backup taken from one restores into the
// other.
type BackupStore interface {
	// Backup calls w with every row the store holds, as records in the order of
	// BackupKinds, ending with the end record. The rows are one consistent snapshot, read
	// while writes go on. It stops at the first error w returns and returns it.
	Backup(ctx context.Context, w func(BackupRecord) error) error
	// Restore fills an empty store with the records next returns until io.EOF, keeping
	// every id, sequence number and date added, and leaves the store's counters so that
	// later writes continue after the restored ones. It refuses (ECONFLICT) a store that
	// holds anything (a fresh store holds only its hub's own UUID and secret, which the
	// backup's hub record replaces), and (EINVALID) a stream that is out of order, refers to rows it
	// does not hold, or ends before its end record. It is all or nothing: a restore that
	// fails or is interrupted leaves the store empty. No hub may use the store meanwhile.
	Restore(ctx context.Context, next func() (BackupRecord, error)) error
}

// BackupCheck follows a stream of records and checks its shape: known kinds, in order,
// one hub record, and an end record last that counts the records before it. Writers,
// readers and stores all use it, so no half of a backup passes for a whole one.
type BackupCheck struct {
	rank  int
	n     int64
	hubs  int
	ended bool
}

// Add checks the next record.
func (c *BackupCheck) Add(r BackupRecord) error {
	if c.ended {
		return Errorf(EINVALID, "%s record after the end record", r.Kind)
	}
	rank := backupRank(r.Kind)
	if rank < 0 {
		return Errorf(EINVALID, "unknown record kind %q", r.Kind)
	}
	if rank < c.rank {
		return Errorf(EINVALID, "%s record after the %s records (records must come in the order %v)",
			r.Kind, backupKinds[c.rank], backupKinds)
	}
	c.rank = rank
	switch r.Kind {
	case BackupKindHub:
		if c.hubs++; c.hubs > 1 {
			return Errorf(EINVALID, "more than one hub record")
		}
	case BackupKindEnd:
		var e BackupEnd
		if err := r.Decode(&e); err != nil {
			return err
		}
		if e.Records != c.n {
			return Errorf(EINVALID, "the end record counts %d records, but %d came before it", e.Records, c.n)
		}
		c.ended = true
	}
	c.n++
	return nil
}

// Count returns the number of records checked so far, the end record included.
func (c *BackupCheck) Count() int64 { return c.n }

// Done reports whether the stream ended properly: with its end record, after one hub
// record.
func (c *BackupCheck) Done() error {
	if !c.ended {
		return Errorf(EINVALID, "the backup ends before its end record (after %d records): it is truncated", c.n)
	}
	if c.hubs != 1 {
		return Errorf(EINVALID, "the backup has no hub record")
	}
	return nil
}

// BackupWriter writes a backup stream.
type BackupWriter struct {
	w     *bufio.Writer
	check BackupCheck
}

// NewBackupWriter writes h (with this format and schema) as the first line of a backup to w.
func NewBackupWriter(w io.Writer, h BackupHeader) (*BackupWriter, error) {
	h.Format, h.Schema = BackupFormat, BackupSchema
	if h.Created.IsZero() {
		return nil, Errorf(EINVALID, "backup: the header needs the time the backup was made")
	}
	h.Created = h.Created.UTC()
	bw := &BackupWriter{w: bufio.NewWriterSize(w, 1<<16)}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, Wrap(EINTERNAL, err, "backup: cannot encode the header")
	}
	bw.w.Write(b)
	if err := bw.w.WriteByte('\n'); err != nil {
		return nil, Wrap(EUNAVAILABLE, err, "backup: cannot write")
	}
	return bw, nil
}

// Write writes one record, after checking that it may come next.
func (bw *BackupWriter) Write(r BackupRecord) error {
	if err := bw.check.Add(r); err != nil {
		return err
	}
	if len(r.Data) == 0 || r.Data[0] != '{' || bytes.IndexByte(r.Data, '\n') >= 0 {
		return Errorf(EINTERNAL, "backup: %s record is not one JSON object on one line", r.Kind)
	}
	// Kinds are plain identifiers (checked above), so they need no escaping.
	bw.w.WriteString(`{"kind":"`)
	bw.w.WriteString(r.Kind)
	bw.w.WriteString(`","data":`)
	bw.w.Write(r.Data)
	if _, err := bw.w.WriteString("}\n"); err != nil {
		return Wrap(EUNAVAILABLE, err, "backup: cannot write")
	}
	return nil
}

// Close checks that the stream is complete and flushes it. It does not close the
// underlying writer.
func (bw *BackupWriter) Close() error {
	if err := bw.check.Done(); err != nil {
		return err
	}
	if err := bw.w.Flush(); err != nil {
		return Wrap(EUNAVAILABLE, err, "backup: cannot write")
	}
	return nil
}

// BackupReader reads a backup stream, checking its header and its shape.
type BackupReader struct {
	r      *bufio.Reader
	header BackupHeader
	check  BackupCheck
	line   int64
	done   bool
}

// NewBackupReader reads the header of the backup in r. It refuses (EINVALID) a stream that
// is not a backup, or one of a newer schema than this binary knows.
func NewBackupReader(r io.Reader) (*BackupReader, error) {
	br := &BackupReader{r: bufio.NewReaderSize(r, 1<<16)}
	line, err := br.readLine()
	if errors.Is(err, io.EOF) {
		return nil, Errorf(EINVALID, "backup: the stream is empty")
	}
	if err != nil {
		return nil, err
	}
	var h BackupHeader
	if err := json.Unmarshal(line, &h); err != nil || len(line) == 0 || line[0] != '{' {
		return nil, Errorf(EINVALID, "backup: the first line is not a firebreak backup header")
	}
	switch {
	case h.Format != BackupFormat:
		return nil, Errorf(EINVALID, "backup: the first line is not a firebreak backup header (format %q, want %q)", h.Format, BackupFormat)
	case h.Schema < 1:
		return nil, Errorf(EINVALID, "backup: schema %d is not valid", h.Schema)
	case h.Schema > BackupSchema:
		return nil, Errorf(EINVALID, "backup: schema %d is newer than this firebreak's %d: restore with a newer firebreak", h.Schema, BackupSchema)
	case h.Created.IsZero():
		return nil, Errorf(EINVALID, "backup: the header does not say when the backup was made")
	}
	br.header = h
	return br, nil
}

// Header returns the backup's header.
func (br *BackupReader) Header() BackupHeader { return br.header }

// Next returns the next record. After the end record it returns io.EOF once the stream
// has ended; a stream that ends before its end record, holds a line that is not a record,
// or holds anything after the end record is EINVALID.
func (br *BackupReader) Next() (BackupRecord, error) {
	if br.done {
		return BackupRecord{}, io.EOF
	}
	line, err := br.readLine()
	if errors.Is(err, io.EOF) {
		if err := br.check.Done(); err != nil {
			return BackupRecord{}, err
		}
		br.done = true
		return BackupRecord{}, io.EOF
	}
	if err != nil {
		return BackupRecord{}, err
	}
	rec, ok := splitRecord(line)
	if !ok {
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil || !atEnd(dec) || line[0] != '{' {
			return BackupRecord{}, Errorf(EINVALID, "backup: line %d is not a record", br.line)
		}
	}
	if len(rec.Data) == 0 || rec.Data[0] != '{' {
		return BackupRecord{}, Errorf(EINVALID, "backup: line %d: the data of a record must be an object", br.line)
	}
	if err := br.check.Add(rec); err != nil {
		return BackupRecord{}, fmt.Errorf("backup line %d: %w", br.line, err)
	}
	return rec, nil
}

// splitRecord reads a record line in the layout BackupWriter writes,
// {"kind":"K","data":{...}} with K a plain name, checking that the data is one JSON value
// without decoding it: decoding it is Decode's work, and a restore is mostly JSON
// decoding, so decoding the line as a whole too would cost a quarter of the restore. ok is
// false for any other layout, which the caller reads the slow way.
func splitRecord(line []byte) (rec BackupRecord, ok bool) {
	const kindKey, dataKey = `{"kind":"`, `","data":`
	rest, found := bytes.CutPrefix(line, []byte(kindKey))
	if !found {
		return rec, false
	}
	end := 0
	for end < len(rest) && ('a' <= rest[end] && rest[end] <= 'z' || rest[end] == '_') {
		end++
	}
	data, found := bytes.CutPrefix(rest[end:], []byte(dataKey))
	if end == 0 || !found || len(data) < 3 || data[0] != '{' || data[len(data)-1] != '}' || !json.Valid(data[:len(data)-1]) {
		return rec, false
	}
	return BackupRecord{Kind: string(rest[:end]), Data: data[:len(data)-1]}, true
}

// readLine returns the next line without its line end, io.EOF at the end of the stream.
func (br *BackupReader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.r.ReadSlice('\n')
		if len(line)+len(chunk) > maxBackupLine {
			return nil, Errorf(EINVALID, "backup: line %d is longer than any record can be", br.line+1)
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			br.line++
			line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
			if len(line) == 0 {
				return nil, Errorf(EINVALID, "backup: line %d is empty", br.line)
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(line) == 0 {
				return nil, io.EOF
			}
			br.line++ // a last line without a line end
			return line, nil
		default:
			return nil, Wrap(EUNAVAILABLE, err, "backup: cannot read")
		}
	}
}

// WriteBackup writes a backup of s to w, with h as its header. It does not close w.
func WriteBackup(ctx context.Context, s BackupStore, w io.Writer, h BackupHeader) error {
	bw, err := NewBackupWriter(w, h)
	if err != nil {
		return err
	}
	if err := s.Backup(ctx, bw.Write); err != nil {
		return err
	}
	return bw.Close()
}

// RestoreBackup restores the backup in r into the empty store s and returns its header.
func RestoreBackup(ctx context.Context, s BackupStore, r io.Reader) (BackupHeader, error) {
	br, err := NewBackupReader(r)
	if err != nil {
		return BackupHeader{}, err
	}
	return br.Header(), s.Restore(ctx, br.Next)
}
