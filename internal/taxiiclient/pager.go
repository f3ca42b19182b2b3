package taxiiclient

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"iter"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/taxii"
)

// maxStalledPages is how many pages in a row may say more=true without moving on (no
// objects, or all of them at the date added where the previous page ended) before a read
// is stopped. Such pages are legitimate inside a large group of objects added at one
// instant, so the limit is generous; it exists so that a server that ignores next and
// mints a new token each time cannot keep a read going forever.
const maxStalledPages = 1000

// Position is where a read of a collection stands, in the form a caller keeps between
// runs to resume it.
type Position struct {
	// Next is the server's token for the following page; "" when it gave none.
	Next string
	// DateAdded is the server's date added of the last object read (its
	// X-TAXII-Date-Added-Last), normalised by ParseDateAdded; "" when none is known.
	DateAdded string
	// Complete is true when the read reached the end of the collection: everything added
	// up to DateAdded was read.
	Complete bool
}

// PagerOptions say where a Pager starts and how it continues.
type PagerOptions struct {
	// From resumes a read where an earlier one stopped. When it is not the zero value it
	// replaces the query's Next and AddedAfter: From.Next when set, else From.DateAdded.
	From Position
	// Overlap makes a continuation by date added (a page with more=true and no next, or a
	// start from an incomplete From without Next) ask from just before that date added
	// rather than strictly after it, so that objects sharing it that a page boundary cut
	// off are read again instead of lost. The caller must not mind reading them twice.
	// Without Overlap the read continues strictly after it, as TAXII 2.1 describes.
	Overlap bool
}

// Pager reads a collection's objects page by page, following next and, when a server says
// more=true without next, its X-TAXII-Date-Added-Last, as TAXII 2.1 allows. It refuses to
// follow a server that would make it loop: a next token it sent before in this read, a
// page without next whose X-TAXII-Date-Added-Last does not advance, a page that goes back
// before where the previous one ended, or a long run of pages that do not move on. It is
// not safe for concurrent use.
type Pager struct {
	c          *Client
	collection string
	q          Query
	overlap    bool
	rawAfter   string    // sent instead of q.AddedAfter when set
	pos        Position  // after the last page read
	at         time.Time // pos.DateAdded (or the start), parsed: what a continuation must pass
	prevLast   time.Time // the previous page's X-TAXII-Date-Added-Last in this read, if any
	seen       map[[sha256.Size]byte]bool
	stalls     int
	done       bool
}

// Pager returns a pager over collection's objects matching q. A From.DateAdded that is not
// a timestamp is an EINVALID error.
func (c *Client) Pager(collection string, q Query, opts PagerOptions) (*Pager, error) {
	p := &Pager{c: c, collection: collection, q: q, overlap: opts.Overlap, seen: map[[sha256.Size]byte]bool{}}
	if opts.From == (Position{}) {
		p.at = q.AddedAfter
	} else {
		p.q.Next, p.q.AddedAfter, p.pos = opts.From.Next, time.Time{}, opts.From
		if opts.From.DateAdded != "" {
			t, norm, err := ParseDateAdded(opts.From.DateAdded)
			if err != nil {
				return nil, err
			}
			p.at, p.pos.DateAdded = t, norm
			if p.q.Next == "" {
				p.rawAfter = norm
				if p.overlap && !opts.From.Complete {
					p.rawAfter = overlapAfter(t)
				}
			}
		}
	}
	if p.q.Next != "" {
		p.seen[sha256.Sum256([]byte(p.q.Next))] = true
	}
	return p, nil
}

// overlapAfter is the added_after that reads again the objects added at t.
func overlapAfter(t time.Time) string { return taxii.FormatTimestamp(t.Add(-time.Microsecond)) }

// More reports whether there is a page left to read: true before the first page, false
// once a page said more=false or Next returned an error that ended the read.
func (p *Pager) More() bool { return !p.done }

// Position returns where the read stands after the last page that Next returned without
// error (before the first page, where it started).
func (p *Pager) Position() Position { return p.pos }

// Next reads the following page. An error of the request leaves the position where it
// was and the read may be tried again. A page that breaks the rules above comes back with
// an EINVALID error that ends the read: the page itself is as the server sent it (a caller
// may use its objects), but the position does not move past it.
func (p *Pager) Next(ctx context.Context) (Page, error) {
	if p.done {
		return Page{}, firebreak.Errorf(firebreak.EINVALID, "collection %q: the read is over", clip(p.collection))
	}
	page, err := p.c.objects(ctx, p.collection, p.q, p.rawAfter)
	if err != nil {
		return Page{}, err
	}
	if err := p.advance(page); err != nil {
		p.done = true
		return page, err
	}
	return page, nil
}

// advance moves the position past page, or says why it cannot.
func (p *Pager) advance(page Page) error {
	last, lastNorm, lastErr := ParseDateAdded(page.DateAddedLast)
	dateAdded := p.pos.DateAdded
	if lastErr == nil {
		dateAdded = lastNorm
	}
	if !page.More {
		p.done = true
		p.pos = Position{DateAdded: dateAdded, Complete: true}
		return nil
	}
	if lastErr == nil && !p.prevLast.IsZero() && last.Before(p.prevLast) {
		return p.refuse("%s %q goes back before the previous page's", taxii.HeaderDateAddedLast, page.DateAddedLast)
	}
	if page.Next == "" {
		if lastErr != nil {
			return p.refuse("more=true without next and without a usable %s", taxii.HeaderDateAddedLast)
		}
		if !last.After(p.at) {
			return p.refuse("more=true without next, and %s %q does not advance", taxii.HeaderDateAddedLast, page.DateAddedLast)
		}
		// Without overlap the server's own value goes back to it unchanged.
		p.q.Next, p.rawAfter = "", page.DateAddedLast
		if p.overlap {
			p.rawAfter = overlapAfter(last)
		}
	} else {
		h := sha256.Sum256([]byte(page.Next))
		if p.seen[h] {
			return p.refuse("the server sent a next token it had sent before")
		}
		if first, _, err := ParseDateAdded(page.DateAddedFirst); err == nil && !p.prevLast.IsZero() && first.Before(p.prevLast) {
			return p.refuse("%s %q is before where the previous page ended: the server is sending pages again", taxii.HeaderDateAddedFirst, page.DateAddedFirst)
		}
		p.seen[h] = true
		p.q.Next, p.rawAfter = page.Next, ""
	}
	if len(page.Objects) == 0 || lastErr == nil && !last.After(p.prevLast) && !p.prevLast.IsZero() {
		if p.stalls++; p.stalls > maxStalledPages {
			return p.refuse("%d pages in a row said more=true without moving on", p.stalls)
		}
	} else {
		p.stalls = 0
	}
	if lastErr == nil {
		p.prevLast = last
		if last.After(p.at) {
			p.at = last
		}
	}
	p.pos = Position{Next: page.Next, DateAdded: dateAdded}
	return nil
}

func (p *Pager) refuse(format string, args ...any) error {
	return firebreak.Errorf(firebreak.EINVALID, "collection %q: "+format, append([]any{clip(p.collection)}, args...)...)
}

// All pages through a collection's objects and yields them in the server's order, with a
// Pager. An error is yielded once, with a nil object, and ends the sequence; the objects
// of a page whose continuation the pager refuses are yielded before the error.
func (c *Client) All(ctx context.Context, collection string, q Query) iter.Seq2[json.RawMessage, error] {
	return func(yield func(json.RawMessage, error) bool) {
		p, err := c.Pager(collection, q, PagerOptions{})
		if err != nil {
			yield(nil, err)
			return
		}
		for p.More() {
			page, err := p.Next(ctx)
			for _, o := range page.Objects {
				if !yield(o, nil) {
					return
				}
			}
			if err != nil {
				yield(nil, err)
				return
			}
		}
	}
}

// ParseDateAdded reads an X-TAXII-Date-Added-* value. Servers differ in precision and a
// few send an offset instead of Z, so any RFC 3339 form is taken. It returns the instant
// and the value normalised to UTC: unchanged when it already ends in Z, else converted
// with the fraction digits as the server wrote them, so that no precision is lost.
func ParseDateAdded(s string) (time.Time, string, error) {
	if s == "" {
		return time.Time{}, "", firebreak.Errorf(firebreak.EINVALID, "no date added")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, "", firebreak.Wrap(firebreak.EINVALID, err, "date added "+quoteClip(s)+" is not an RFC 3339 timestamp")
	}
	if strings.HasSuffix(s, "Z") {
		return t.UTC(), s, nil
	}
	frac := ""
	if len(s) > 19 && s[19] == '.' {
		frac = s[19 : strings.IndexAny(s[19:], "+-Zz")+19]
	}
	t = t.UTC()
	return t, t.Format("2006-01-02T15:04:05") + frac + "Z", nil
}

func quoteClip(s string) string {
	b, _ := json.Marshal(clip(s))
	return string(b)
}
