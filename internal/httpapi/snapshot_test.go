package httpapi

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/sqlite"
)

// epochCounter counts how often the guard asks the store whether the directory moved.
type epochCounter struct {
	*sqlite.Store
	n atomic.Int64
}

func (c *epochCounter) Epoch(ctx context.Context) (int64, error) {
	c.n.Add(1)
	return c.Store.Epoch(ctx)
}

// TestTAXIIReadsLoadTheDirectoryOnce: a TAXII read authenticates, resolves its
// collection and reads through the guard with one look at the directory's epoch.
func TestTAXIIReadsLoadTheDirectoryOnce(t *testing.T) {
	store := openStore(t, firebreak.Directory{
		Hub:           firebreak.Hub{Name: "Test hub", Country: "US", Operator: "CERT"},
		Organizations: []firebreak.DeclaredOrganization{{Name: "CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted}, {Name: "Acme", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted}},
		Users:         []firebreak.DeclaredUser{{Name: "alice", Organization: "Acme", Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken(tokAlice)}},
	})
	counter := &epochCounter{Store: store}
	guard := policy.NewGuard(counter, policy.Options{})
	srv := httptest.NewServer(New(Config{Objects: guard, Auth: guard}).Handler())
	t.Cleanup(srv.Close)
	shared := collectionIDOf(t, srv.URL, tokAlice, firebreak.AliasShared)
	for _, path := range []string{
		"/api/collections/" + shared + "/objects/",
		"/api/collections/" + shared + "/manifest/",
		"/api/collections/" + shared + "/objects/indicator--00000000-0000-4000-8000-000000000001/versions/",
	} {
		counter.n.Store(0)
		request(t, "GET", srv.URL+path, tokAlice, nil)
		if got := counter.n.Load(); got != 1 {
			t.Errorf("GET %s read the epoch %d times, want 1", path, got)
		}
	}
}
