package httpapi

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIDescribesEveryRoute keeps the OpenAPI document true: every JSON API route in
// the route table is in it, with its method, and the document names no route that does
// not exist.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	src, err := os.ReadFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("the OpenAPI document is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	routes := regexp.MustCompile(`"(GET|POST|PUT|PATCH|DELETE) (/v1/[^"]*)"`).FindAllStringSubmatch(string(src), -1)
	if len(routes) < 15 {
		t.Fatalf("found only %d JSON API routes in server.go", len(routes))
	}
	described := map[string]bool{}
	for _, r := range routes {
		method, path := strings.ToLower(r[1]), r[2]
		described[path] = true
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r[1], path)
			continue
		}
		if _, ok := ops[method]; !ok {
			t.Errorf("%s %s: the OpenAPI document lacks the method", r[1], path)
		}
	}
	for path := range doc.Paths {
		if !described[path] {
			t.Errorf("the OpenAPI document describes %s, which no route serves", path)
		}
	}
}
