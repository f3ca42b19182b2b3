package firebreak_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsPointInward keeps the domain and the pure packages free of storage and HTTP
// server code: they must be usable, and testable, without a database or a network.
func TestImportsPointInward(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	pure := []string{
		"github.com/firebreak/firebreak",
		"github.com/firebreak/firebreak/internal/policy",
		"github.com/firebreak/firebreak/internal/stix",
		"github.com/firebreak/firebreak/internal/taxii",
	}
	forbidden := []string{"database/sql", "net/http", "modernc.org/", "github.com/jackc/", "github.com/firebreak/firebreak/internal/sqlite",
		"github.com/firebreak/firebreak/internal/postgres", "github.com/firebreak/firebreak/internal/httpapi"}
	for _, pkg := range pure {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if dep == f || strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f) || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s; keep storage and HTTP server code out of it", pkg, dep)
				}
			}
		}
	}
}
