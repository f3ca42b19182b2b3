package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
)

// writeTAXII writes a TAXII resource with the TAXII media type.
func writeTAXII(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", taxii.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// acceptable refuses requests whose Accept header excludes the TAXII media type (406).
func acceptable(r *http.Request) error {
	if !taxii.Acceptable(r.Header.Get("Accept")) {
		return firebreak.Errorf(firebreak.ENOTACCEPTABLE, "this endpoint answers only with %s", taxii.MediaType)
	}
	return nil
}

// hubTitle is the title of the discovery and API root resources: the hub's name.
func (s *Server) hubTitle(ctx context.Context) (string, error) {
	hub, err := s.cfg.Auth.Hub(ctx)
	if err != nil || hub.Name == "" {
		return "Firebreak hub", err
	}
	return hub.Name, nil
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) error {
	if err := acceptable(r); err != nil {
		return err
	}
	title, err := s.hubTitle(r.Context())
	if err != nil {
		return err
	}
	return writeTAXII(w, http.StatusOK, taxii.Discovery{
		Title:       title,
		Description: "Firebreak threat-intelligence sharing hub",
		Default:     "/api/",
		APIRoots:    []string{"/api/"},
	})
}

func (s *Server) apiRoot(w http.ResponseWriter, r *http.Request) error {
	if err := acceptable(r); err != nil {
		return err
	}
	title, err := s.hubTitle(r.Context())
	if err != nil {
		return err
	}
	return writeTAXII(w, http.StatusOK, taxii.APIRoot{
		Title:            title,
		Description:      "Collections of STIX 2.1 objects shared under each provider's policy",
		Versions:         []string{taxii.MediaType},
		MaxContentLength: s.cfg.MaxContentLength,
	})
}

func collectionResource(c firebreak.Collection) taxii.Collection {
	return taxii.Collection{
		ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias,
		CanRead: c.CanRead, CanWrite: c.CanWrite, MediaTypes: []string{taxii.STIXMediaType},
	}
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request) error {
	if err := acceptable(r); err != nil {
		return err
	}
	cs, err := s.cfg.Objects.Collections(r.Context())
	if err != nil {
		return err
	}
	out := taxii.Collections{}
	for _, c := range cs {
		out.Collections = append(out.Collections, collectionResource(c))
	}
	return writeTAXII(w, http.StatusOK, out)
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request) error {
	if err := acceptable(r); err != nil {
		return err
	}
	c, err := s.cfg.Objects.Collection(r.Context(), r.PathValue("cid"))
	if err != nil {
		return err
	}
	return writeTAXII(w, http.StatusOK, collectionResource(c))
}

// readableCollection resolves the collection of a read request and checks can_read.
func (s *Server) readableCollection(r *http.Request) (firebreak.Collection, error) {
	c, err := s.cfg.Objects.Collection(r.Context(), r.PathValue("cid"))
	if err != nil {
		return c, err
	}
	if !c.CanRead {
		return c, firebreak.Errorf(firebreak.EFORBIDDEN, "collection %q cannot be read", c.Alias)
	}
	return c, nil
}

// setDateAddedHeaders sets X-TAXII-Date-Added-First and -Last from a page.
func setDateAddedHeaders(w http.ResponseWriter, objs []firebreak.Object) {
	if len(objs) == 0 {
		return
	}
	w.Header().Set(taxii.HeaderDateAddedFirst, taxii.FormatTimestamp(objs[0].Added))
	w.Header().Set(taxii.HeaderDateAddedLast, taxii.FormatTimestamp(objs[len(objs)-1].Added))
}

// cursors returns the `next` cursors of the caller's requests to collection c: sealed
// with the key derived from the hub's secret, which every node shares, and bound to the
// caller's organisation, whether it acts as an operator, and the collection, so that a
// token works only where it was issued (issue 13, finding 14).
func (s *Server) cursors(ctx context.Context, c firebreak.Collection) (taxii.Cursors, error) {
	p := firebreak.PrincipalFrom(ctx)
	if p == nil {
		return taxii.Cursors{}, firebreak.Errorf(firebreak.EUNAUTHORIZED, "credentials required")
	}
	hub, err := s.cfg.Auth.Hub(ctx)
	if err != nil {
		return taxii.Cursors{}, err
	}
	key := s.cursorKey.Load()
	if key == nil || !bytes.Equal(key.secret, hub.Secret) {
		k, err := taxii.NewCursorKey(hub.Secret)
		if err != nil {
			return taxii.Cursors{}, err
		}
		key = &cursorKey{secret: bytes.Clone(hub.Secret), key: k}
		s.cursorKey.Store(key)
	}
	reader := p.Org.IdentityID
	if p.Operator {
		reader += " operator"
	}
	return key.key.For(reader, c.ID), nil
}

// cursorKey is the cursor key and the hub secret it was derived from: a restore from a
// backup may bring another secret, and the key follows it.
type cursorKey struct {
	secret []byte
	key    *taxii.CursorKey
}

// writeEnvelope writes a page of objects as an envelope, with next, the page's sealed
// `next` token when there is more. The objects are copied byte for byte as they were
// submitted; only the envelope around them is generated.
func writeEnvelope(w http.ResponseWriter, p firebreak.Page, next string) error {
	var b bytes.Buffer
	size := 64
	for _, o := range p.Objects {
		size += len(o.Raw) + 1
	}
	b.Grow(size)
	// TAXII sends no empty lists and treats an absent "more" as false, so an empty page
	// is the empty envelope {}.
	b.WriteByte('{')
	if p.More {
		b.WriteString(`"more":true,"next":"`)
		b.WriteString(next)
		b.WriteByte('"')
	}
	if len(p.Objects) > 0 {
		if p.More {
			b.WriteByte(',')
		}
		b.WriteString(`"objects":[`)
		for i, o := range p.Objects {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(o.Raw)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	setDateAddedHeaders(w, p.Objects)
	w.Header().Set("Content-Type", taxii.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b.Bytes())
	return err
}

// readPage is the opening every TAXII read endpoint shares: it checks Accept, resolves the
// readable collection, parses the endpoint's query, narrows it to the {oid} of the
// endpoints under one object, lets narrow adjust it, and reads one page through the
// guard. It returns the page and, when there is more, the sealed `next` token of its
// end. For an object, a page with nothing in it means the object does not exist for the
// caller (ENOTFOUND), unless added_after emptied it.
func (s *Server) readPage(r *http.Request, e taxii.Endpoint, narrow func(*firebreak.ObjectFilter)) (firebreak.Page, string, error) {
	if err := acceptable(r); err != nil {
		return firebreak.Page{}, "", err
	}
	c, err := s.readableCollection(r)
	if err != nil {
		return firebreak.Page{}, "", err
	}
	oneObject := e == taxii.EndpointObject || e == taxii.EndpointVersions
	var id string
	if oneObject {
		if id, err = objectID(r); err != nil {
			return firebreak.Page{}, "", err
		}
	}
	cur, err := s.cursors(r.Context(), c)
	if err != nil {
		return firebreak.Page{}, "", err
	}
	f, err := taxii.ParseQuery(r.URL.Query(), e, s.cfg.Limits, cur)
	if err != nil {
		return firebreak.Page{}, "", err
	}
	if oneObject {
		f.IDs = []string{id}
	}
	if narrow != nil {
		narrow(&f)
	}
	p, err := s.cfg.Objects.Objects(r.Context(), c.ID, f)
	if err != nil {
		return firebreak.Page{}, "", err
	}
	if oneObject && len(p.Objects) == 0 && f.After.IsZero() {
		return firebreak.Page{}, "", firebreak.Errorf(firebreak.ENOTFOUND, "no object %s in this collection", id)
	}
	var next string
	if p.More {
		if next, err = cur.Encode(p.Next); err != nil {
			return firebreak.Page{}, "", err
		}
	}
	return p, next, nil
}

func (s *Server) getObjects(w http.ResponseWriter, r *http.Request) error {
	p, next, err := s.readPage(r, taxii.EndpointObjects, nil)
	if err != nil {
		return err
	}
	return writeEnvelope(w, p, next)
}

// objectID reads and checks the {oid} path segment.
func objectID(r *http.Request) (string, error) {
	id := r.PathValue("oid")
	if !stix.ValidID(id) {
		return "", firebreak.Errorf(firebreak.EINVALID, "%q is not a STIX identifier", clip(id))
	}
	return id, nil
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request) error {
	p, next, err := s.readPage(r, taxii.EndpointObject, nil)
	if err != nil {
		return err
	}
	return writeEnvelope(w, p, next)
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request) error {
	p, next, err := s.readPage(r, taxii.EndpointVersions, func(f *firebreak.ObjectFilter) {
		f.Versions = firebreak.VersionFilter{All: true}
		f.MetadataOnly = true
	})
	if err != nil {
		return err
	}
	out := taxii.Versions{More: p.More, Next: next}
	for _, o := range p.Objects {
		out.Versions = append(out.Versions, o.Version)
	}
	setDateAddedHeaders(w, p.Objects)
	return writeTAXII(w, http.StatusOK, out)
}

func (s *Server) manifest(w http.ResponseWriter, r *http.Request) error {
	p, next, err := s.readPage(r, taxii.EndpointManifest, func(f *firebreak.ObjectFilter) { f.MetadataOnly = true })
	if err != nil {
		return err
	}
	out := taxii.Manifest{More: p.More, Next: next}
	for _, o := range p.Objects {
		out.Objects = append(out.Objects, taxii.ManifestRecord{
			ID: o.ID, DateAdded: taxii.FormatTimestamp(o.Added), Version: o.Version, MediaType: taxii.STIXMediaType,
		})
	}
	setDateAddedHeaders(w, p.Objects)
	return writeTAXII(w, http.StatusOK, out)
}

func (s *Server) addObjects(w http.ResponseWriter, r *http.Request) error {
	if err := acceptable(r); err != nil {
		return err
	}
	if !taxii.ContentTypeOK(r.Header.Get("Content-Type")) {
		return firebreak.Errorf(firebreak.EUNSUPPORTED, "send the envelope as %s", taxii.MediaType)
	}
	if r.ContentLength > s.cfg.MaxContentLength {
		return firebreak.Errorf(firebreak.ETOOLARGE, "request body of %d bytes is larger than max_content_length (%d bytes)", r.ContentLength, s.cfg.MaxContentLength)
	}
	c, err := s.cfg.Objects.Collection(r.Context(), r.PathValue("cid"))
	if err != nil {
		return err
	}
	if !c.CanWrite {
		return firebreak.Errorf(firebreak.EFORBIDDEN, "collection %q cannot be written", c.Alias)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxContentLength))
	if err != nil {
		return err
	}
	objs, err := stix.SplitObjects(body)
	if err != nil {
		return err
	}
	st, err := s.cfg.Objects.Submit(r.Context(), c.ID, objs)
	if err != nil {
		return err
	}
	s.ingested.Add(uint64(len(st.Successes)), "success")
	s.ingested.Add(uint64(len(st.Failures)), "failure")
	return writeTAXII(w, http.StatusAccepted, taxii.StatusOf(st))
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request) error {
	if err := acceptable(r); err != nil {
		return err
	}
	// Deleting needs read and write access to the collection (TAXII 2.1, Delete an
	// Object): a write-only inbox cannot be used to probe for objects.
	c, err := s.readableCollection(r)
	if err != nil {
		return err
	}
	if !c.CanWrite {
		return firebreak.Errorf(firebreak.EFORBIDDEN, "collection %q cannot be written; delete through mine", c.Alias)
	}
	id, err := objectID(r)
	if err != nil {
		return err
	}
	// Delete takes no next: the zero cursors would refuse one.
	f, err := taxii.ParseQuery(r.URL.Query(), taxii.EndpointDelete, s.cfg.Limits, taxii.Cursors{})
	if err != nil {
		return err
	}
	if err := s.cfg.Objects.Delete(r.Context(), c.ID, id, f.Versions, f.SpecVersions); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) error {
	if err := acceptable(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if !stix.ValidUUID(id) {
		return firebreak.Errorf(firebreak.ENOTFOUND, "no status %q", clip(id))
	}
	st, err := s.cfg.Objects.Status(r.Context(), id)
	if err != nil {
		return err
	}
	return writeTAXII(w, http.StatusOK, taxii.StatusOf(st))
}
