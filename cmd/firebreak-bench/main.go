// Command firebreak-bench measures a built firebreak binary from the outside, the way
// clients see it: ingest over TAXII POST, page latency at 10,000 and 1,000,000 objects,
// and peak memory while importing 1,000,000 objects. It prints a table and writes the
// figures as JSON. `make bench` runs it.
//
//	go build -o bin/firebreak ./cmd/firebreak
//	go run ./cmd/firebreak-bench -bin bin/firebreak -out bench-results/latest.json
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	token     = "bench-provider-token-0123456789"
	readToken = "bench-reader-token-0123456789ab"
	mediaType = "application/taxii+json;version=2.1"
)

const declaration = `{
  "hub": {"name": "bench hub", "country": "US", "operator": "Bench CERT"},
  "organizations": [
    {"name": "Bench CERT", "country": "US", "type": "cert", "status": "vetted"},
    {"name": "Provider", "country": "US", "type": "private", "sectors": ["energy"], "status": "vetted"},
    {"name": "Reader", "country": "US", "type": "private", "sectors": ["energy"], "status": "vetted"},
    {"name": "Other", "country": "CA", "type": "private", "sectors": ["energy"], "status": "vetted"}
  ],
  "circles": [{"name": "energy", "members": ["Provider", "Reader"]}, {"name": "finance", "members": ["Provider", "Other"]}],
  "users": [
    {"name": "provider", "organization": "Provider", "roles": ["analyst"], "token": "` + token + `"},
    {"name": "reader", "organization": "Reader", "roles": ["analyst"], "token": "` + readToken + `"}
  ]
}`

// Result is the JSON the benchmark writes.
type Result struct {
	Date        string  `json:"date"`
	Commit      string  `json:"commit,omitempty"`
	GoVersion   string  `json:"go_version"`
	CPUs        int     `json:"cpus"`
	Envelope    int     `json:"envelope_objects"`
	IngestTotal int     `json:"ingest_objects"`
	IngestPerS  float64 `json:"ingest_objects_per_second"`
	ImportTotal int     `json:"import_objects"`
	ImportPerS  float64 `json:"import_objects_per_second"`
	ImportRSS   float64 `json:"import_peak_rss_mib"`
	Page10kMed  float64 `json:"page_10k_median_ms"`
	Page10kP99  float64 `json:"page_10k_p99_ms"`
	Page1MMed   float64 `json:"page_1m_median_ms"`
	Page1MP99   float64 `json:"page_1m_p99_ms"`
	PageRatio   float64 `json:"page_p99_ratio_1m_over_10k"`
	PageSamples int     `json:"page_samples"`
	// The same 1M collection size with a mix of policies (audiences, caveats, levels),
	// of which the reader may see about 60%.
	PolicyMed   float64 `json:"page_1m_policy_median_ms"`
	PolicyP99   float64 `json:"page_1m_policy_p99_ms"`
	PolicyRatio float64 `json:"page_p99_ratio_policy_over_plain"`
	// The same on PostgreSQL (when -postgres is given).
	PGIngestPerS   float64 `json:"pg_ingest_objects_per_second,omitempty"`
	PGTwoNodesPerS float64 `json:"pg_two_nodes_ingest_objects_per_second,omitempty"`
	PGNodeRatio    float64 `json:"pg_two_nodes_over_one,omitempty"`
	PGImportPerS   float64 `json:"pg_import_objects_per_second,omitempty"`
	PGPage10kMed   float64 `json:"pg_page_10k_median_ms,omitempty"`
	PGPage10kP99   float64 `json:"pg_page_10k_p99_ms,omitempty"`
	PGPage1MMed    float64 `json:"pg_page_1m_median_ms,omitempty"`
	PGPage1MP99    float64 `json:"pg_page_1m_p99_ms,omitempty"`
}

func main() {
	bin := flag.String("bin", "bin/firebreak", "firebreak binary to measure")
	out := flag.String("out", "bench-results/latest.json", "where to write the figures as JSON")
	work := flag.String("work", "", "scratch directory (default: a temporary one, removed afterwards)")
	ingestN := flag.Int("ingest", 200000, "objects to POST in the ingest run")
	big := flag.Int("big", 1000000, "objects in the large collection")
	samples := flag.Int("samples", 1000, "page requests per collection")
	pg := flag.String("postgres", "", "also measure on this PostgreSQL database (each run in a schema of its own)")
	flag.Parse()
	if err := run(*bin, *out, *work, *ingestN, *big, *samples, *pg); err != nil {
		fmt.Fprintln(os.Stderr, "firebreak-bench:", err)
		os.Exit(1)
	}
}

func run(bin, out, work string, ingestN, big, samples int, pg string) error {
	ctx := context.Background()
	if work == "" {
		d, err := os.MkdirTemp("", "firebreak-bench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	res := Result{Date: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Envelope: 1000}
	if c, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		res.Commit = strings.TrimSpace(string(c))
	}

	// 1. Ingest over HTTP: envelopes of 1,000 indicators from two concurrent clients.
	fmt.Fprintf(os.Stderr, "ingest: POSTing %d objects in envelopes of 1,000...\n", ingestN)
	small, err := startHub(ctx, bin, filepath.Join(work, "ingest"))
	if err != nil {
		return err
	}
	perS, err := ingest(small, ingestN, 2)
	small.stop()
	if err != nil {
		return err
	}
	res.IngestTotal, res.IngestPerS = ingestN, perS

	// 2. Three collections for the page measurements: 10,000 objects, 1,000,000 with
	// one policy, and 1,000,000 with a mix of policies (audiences, caveats, levels) of
	// which the reader may see about 60%. The 1M imports are timed, and the peak RSS of
	// the first is measured.
	fmt.Fprintln(os.Stderr, "pages: 10,000 objects...")
	h10, err := startHub(ctx, bin, filepath.Join(work, "p10k"))
	if err != nil {
		return err
	}
	defer h10.stop()
	if _, err := ingest(h10, 10000, 1); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "import: %d objects with firebreak import...\n", big)
	dir := filepath.Join(work, "p1m")
	bundle := filepath.Join(work, "big.json")
	if err := writeBundle(bundle, big); err != nil {
		return err
	}
	if err := applyDecl(bin, dir); err != nil {
		return err
	}
	start := time.Now()
	cmd := exec.Command(bin, "import", "--org", "Provider", "--data", dir, bundle)
	cmd.Stderr = os.Stderr
	peak, err := runMeasuringPeak(cmd)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	el := time.Since(start)
	os.Remove(bundle)
	res.ImportTotal = big
	res.ImportPerS = float64(big) / el.Seconds()
	res.ImportRSS = peak

	fmt.Fprintf(os.Stderr, "import: %d objects under a mix of policies...\n", big)
	pdir := filepath.Join(work, "p1m-policy")
	if err := writeBundleWith(bundle, big, true); err != nil {
		return err
	}
	if err := applyDecl(bin, pdir); err != nil {
		return err
	}
	cmd = exec.Command(bin, "import", "--org", "Provider", "--data", pdir, bundle)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("import with policies: %w", err)
	}
	os.Remove(bundle)

	// 3. Page latency on the three, with their requests interleaved (round robin, in a
	// different order each round), so that whatever else the machine does weighs on
	// all three alike and the ratios compare like with like.
	fmt.Fprintf(os.Stderr, "pages: %d requests on each collection, interleaved...\n", samples)
	h1m, err := startHubIn(ctx, bin, dir)
	if err != nil {
		return err
	}
	defer h1m.stop()
	hp, err := startHubIn(ctx, bin, pdir)
	if err != nil {
		return err
	}
	defer hp.stop()
	var pagers []*pager
	for _, c := range []struct {
		h     *hubProc
		total int
	}{{h10, 10000}, {h1m, big}, {hp, big * 6 / 10}} {
		pg, err := newPager(c.h, c.total)
		if err != nil {
			return err
		}
		pagers = append(pagers, pg)
	}
	stats, err := interleave(pagers, samples)
	if err != nil {
		return err
	}
	h10.stop()
	h1m.stop()
	hp.stop()
	res.Page10kMed, res.Page10kP99 = stats[0].median, stats[0].p99
	res.Page1MMed, res.Page1MP99 = stats[1].median, stats[1].p99
	res.PolicyMed, res.PolicyP99 = stats[2].median, stats[2].p99
	res.PageRatio = res.Page1MP99 / res.Page10kP99
	res.PolicyRatio = res.PolicyP99 / res.Page1MP99
	res.PageSamples = samples

	if pg != "" {
		if err := runPostgres(ctx, bin, pg, work, bundle, ingestN, big, samples, &res); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
	}

	printTable(os.Stdout, res)
	if out != "" {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", out)
	}
	return nil
}

func printTable(w io.Writer, r Result) {
	fmt.Fprintf(w, "\nFirebreak benchmark  %s  commit %s  %s  %d CPUs\n\n", r.Date, r.Commit, r.GoVersion, r.CPUs)
	fmt.Fprintf(w, "%-52s %14s %12s\n", "measure", "value", "target")
	row := func(name, value, target string) { fmt.Fprintf(w, "%-52s %14s %12s\n", name, value, target) }
	row(fmt.Sprintf("ingest, HTTP POST, envelopes of 1,000 (%d objects)", r.IngestTotal), fmt.Sprintf("%.0f obj/s", r.IngestPerS), ">= 20000")
	row(fmt.Sprintf("import, CLI, %d objects", r.ImportTotal), fmt.Sprintf("%.0f obj/s", r.ImportPerS), "")
	row("peak RSS while importing", fmt.Sprintf("%.0f MiB", r.ImportRSS), "<= 512")
	row("GET objects page of 1,000 at 10k: median", fmt.Sprintf("%.1f ms", r.Page10kMed), "")
	row("GET objects page of 1,000 at 10k: p99", fmt.Sprintf("%.1f ms", r.Page10kP99), "")
	row(fmt.Sprintf("GET objects page of 1,000 at %d: median", r.ImportTotal), fmt.Sprintf("%.1f ms", r.Page1MMed), "")
	row(fmt.Sprintf("GET objects page of 1,000 at %d: p99", r.ImportTotal), fmt.Sprintf("%.1f ms", r.Page1MP99), "<= 50")
	row("p99 ratio 1M / 10k", fmt.Sprintf("%.2f", r.PageRatio), "<= 1.5")
	row(fmt.Sprintf("GET page at %d, mixed policies: median", r.ImportTotal), fmt.Sprintf("%.1f ms", r.PolicyMed), "")
	row(fmt.Sprintf("GET page at %d, mixed policies: p99", r.ImportTotal), fmt.Sprintf("%.1f ms", r.PolicyP99), "")
	row("p99 ratio policies / plain", fmt.Sprintf("%.2f", r.PolicyRatio), "<= 1.3")
	if r.PGIngestPerS > 0 {
		row("PostgreSQL: ingest, HTTP POST, one node", fmt.Sprintf("%.0f obj/s", r.PGIngestPerS), ">= 15000")
		row("PostgreSQL: ingest, two nodes on one database", fmt.Sprintf("%.0f obj/s", r.PGTwoNodesPerS), "")
		row("PostgreSQL: two nodes / one node", fmt.Sprintf("%.2f", r.PGNodeRatio), "> 1")
		row(fmt.Sprintf("PostgreSQL: import, CLI, %d objects", r.ImportTotal), fmt.Sprintf("%.0f obj/s", r.PGImportPerS), "")
		row("PostgreSQL: GET page of 1,000 at 10k: median / p99", fmt.Sprintf("%.1f / %.1f ms", r.PGPage10kMed, r.PGPage10kP99), "")
		row(fmt.Sprintf("PostgreSQL: GET page of 1,000 at %d: median / p99", r.ImportTotal), fmt.Sprintf("%.1f / %.1f ms", r.PGPage1MMed, r.PGPage1MP99), "p99 <= 50")
	}
	fmt.Fprintln(w)
}

// hubProc is a firebreak serve process.
type hubProc struct {
	url  string
	stop func()
}

func applyDecl(bin, dir string) error { return applyTo(bin, dir, dataFlags(dir)) }

// dataFlags are the flags that name the embedded store in dir.
func dataFlags(dir string) []string { return []string{"--data", dir} }

// applyTo applies the declaration to the store the flags name; scratch is a directory for
// the declaration file.
func applyTo(bin, scratch string, where []string) error {
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return err
	}
	decl := filepath.Join(scratch, "..", filepath.Base(scratch)+"-hub.json")
	if err := os.WriteFile(decl, []byte(declaration), 0o600); err != nil {
		return err
	}
	args := append([]string{"apply", "-f", decl}, storeOnly(where)...)
	c := exec.Command(bin, args...)
	c.Stderr = os.Stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	return nil
}

func startHub(ctx context.Context, bin, dir string) (*hubProc, error) {
	if err := applyDecl(bin, dir); err != nil {
		return nil, err
	}
	return startHubIn(ctx, bin, dir)
}

func startHubIn(ctx context.Context, bin, dir string) (*hubProc, error) {
	return startServe(ctx, bin, dataFlags(dir))
}

// storeOnly drops the flags that only serve takes (the audit key).
func storeOnly(where []string) []string {
	var out []string
	for i := 0; i < len(where); i += 2 {
		if where[i] != "--audit-key" {
			out = append(out, where[i], where[i+1])
		}
	}
	return out
}

// startServe starts firebreak serve on the store the flags name.
func startServe(ctx context.Context, bin string, where []string) (*hubProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"serve", "--listen", addr, "--default-tlp", "green", "--log-level", "warn", "--no-federation"}, where...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &hubProc{url: "http://" + addr}
	var once sync.Once
	h.stop = func() { once.Do(func() { stopProcess(cmd) }) }
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(h.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return h, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.stop()
	return nil, errors.New("hub did not become healthy within 30s")
}

// The policy markings of the mixed-policy run, and how often each is used. The reader
// ("Reader", US, in circle energy) may see the first five kinds: about 60% of objects.
var policyMarkings = []struct {
	id, props string
	share     int // percent
	tlp       string
}{
	{"", "", 30, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"}, // GREEN, no audience
	{"marking-definition--0000000a-0000-4000-8000-000000000001", `"audience":{"circles":["energy"]}`, 10, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
	{"marking-definition--0000000a-0000-4000-8000-000000000002", `"audience":{"organizations":["Reader"]},"attribution":"everyone"`, 5, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
	{"marking-definition--0000000a-0000-4000-8000-000000000003", `"caveats":["no-foreign","no-law-enforcement"]`, 10, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
	{"marking-definition--0000000a-0000-4000-8000-000000000004", `"caveats":["no-parent"],"attribution":"government"`, 5, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
	{"marking-definition--0000000a-0000-4000-8000-000000000005", `"audience":{"circles":["finance"]}`, 15, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
	{"marking-definition--0000000a-0000-4000-8000-000000000006", `"audience":{"organizations":["Other"]}`, 15, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
	{"marking-definition--0000000a-0000-4000-8000-000000000007", `"caveats":["proprietary"]`, 10, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
}

func policyMarkingObject(id, props string) string {
	return `{"type":"marking-definition","spec_version":"2.1","id":"` + id + `","created":"2026-01-01T00:00:00.000Z","extensions":{"extension-definition--723fa991-e9e7-47f2-b99b-6d757f767704":{"extension_type":"property-extension",` + props + `}}}`
}

// indicator writes one realistic indicator (~700 bytes) with a random id.
func indicator(b *bytes.Buffer, r *rand.Rand) { indicatorMarked(b, r, false) }

func indicatorMarked(b *bytes.Buffer, r *rand.Rand, mixed bool) {
	id := uuid4(r)
	ip := fmt.Sprintf("%d.%d.%d.%d", r.IntN(223)+1, r.IntN(256), r.IntN(256), r.IntN(256))
	ts := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(1e6)) * time.Second).Format("2006-01-02T15:04:05.000Z")
	fmt.Fprintf(b, `{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"%s","modified":"%s",`+
		`"name":"C2 server %s","description":"Command and control server observed in a phishing campaign against the energy sector; blocks recommended.",`+
		`"indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"%s",`+
		`"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"command-and-control"}],`+
		`"external_references":[{"source_name":"capec","external_id":"CAPEC-98"}],"labels":["c2","energy"],"confidence":80,`+
		`"object_marking_refs":[%s]}`, id, ts, ts, ip, ip, ts, marks(r, mixed))
}

func marks(r *rand.Rand, mixed bool) string {
	if !mixed {
		return `"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"`
	}
	n := r.IntN(100)
	for _, m := range policyMarkings {
		if n < m.share {
			if m.id == "" {
				return `"` + m.tlp + `"`
			}
			return `"` + m.tlp + `","` + m.id + `"`
		}
		n -= m.share
	}
	return `"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"`
}

func uuid4(r *rand.Rand) string {
	var u [16]byte
	for i := range u {
		u[i] = byte(r.UintN(256))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

func envelope(r *rand.Rand, n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 800)
	b.WriteString(`{"objects":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		indicator(&b, r)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func writeBundle(path string, n int) error { return writeBundleWith(path, n, false) }

func writeBundleWith(path string, n int, mixed bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	w.WriteString(`{"type":"bundle","id":"bundle--` + uuid4(r) + `","objects":[` + "\n")
	if mixed {
		for _, m := range policyMarkings {
			if m.id != "" {
				w.WriteString(policyMarkingObject(m.id, m.props) + ",\n")
			}
		}
	}
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.Reset()
		if i > 0 {
			b.WriteString(",\n")
		}
		indicatorMarked(&b, r, mixed)
		w.Write(b.Bytes())
	}
	w.WriteString("\n]}\n")
	return w.Flush()
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 5 * time.Minute}

func request(method, url, tok string, body []byte) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", mediaType)
	if body != nil {
		req.Header.Set("Content-Type", mediaType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, nil, fmt.Errorf("%s %s: %s: %.300s", method, url, resp.Status, b)
	}
	return b, resp.Header, nil
}

func collectionID(h *hubProc, tok, alias string) (string, error) {
	b, _, err := request("GET", h.url+"/api/collections/", tok, nil)
	if err != nil {
		return "", err
	}
	var cs struct {
		Collections []struct{ ID, Alias string }
	}
	if err := json.Unmarshal(b, &cs); err != nil {
		return "", err
	}
	for _, c := range cs.Collections {
		if c.Alias == alias {
			return c.ID, nil
		}
	}
	return "", fmt.Errorf("no collection %q", alias)
}

// ingest POSTs n objects in envelopes of 1,000 from par concurrent clients and returns
// objects per second. Envelopes are generated before the clock starts.
func ingest(h *hubProc, n, par int) (float64, error) { return ingestMany([]*hubProc{h}, n, par) }

// ingestMany is ingest spread over several nodes of one deployment: par clients per node,
// each posting to its own node.
func ingestMany(hubs []*hubProc, n, par int) (float64, error) {
	var targets []string // each node's inbox
	for _, h := range hubs {
		inbox, err := collectionID(h, token, "inbox")
		if err != nil {
			return 0, err
		}
		targets = append(targets, h.url+"/api/collections/"+inbox+"/objects/")
	}
	r := rand.New(rand.NewPCG(uint64(n), uint64(len(hubs))))
	var envs [][]byte
	for left := n; left > 0; left -= 1000 {
		envs = append(envs, envelope(r, min(1000, left)))
	}
	var next int
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for _, tg := range targets {
		for w := 0; w < par; w++ {
			wg.Add(1)
			go func(url string) {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					stop := firstErr != nil
					mu.Unlock()
					if i >= len(envs) || stop {
						return
					}
					b, _, err := request("POST", url, token, envs[i])
					if err == nil {
						var st struct {
							FailureCount int `json:"failure_count"`
						}
						json.Unmarshal(b, &st)
						if st.FailureCount > 0 {
							err = fmt.Errorf("%d objects rejected: %.300s", st.FailureCount, b)
						}
					}
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
				}
			}(tg)
		}
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// pager asks one hub, as the reader, for GET objects pages of 1,000 at random positions of
// its shared collection: from next tokens collected on a first pass (added_after of a
// random object's date added is not usable with one date added per envelope).
type pager struct {
	base    string
	cursors []string
	r       *rand.Rand
	durs    []float64
}

// newPager walks the reader's shared collection once to collect every page's next token
// (which also warms the caches, as on a server in steady state).
func newPager(h *hubProc, total int) (*pager, error) {
	shared, err := collectionID(h, readToken, "shared")
	if err != nil {
		return nil, err
	}
	p := &pager{base: h.url + "/api/collections/" + shared + "/objects/?limit=1000", r: rand.New(rand.NewPCG(3, 4))}
	next := ""
	for {
		u := p.base
		if next != "" {
			u += "&next=" + next
		}
		b, _, err := request("GET", u, readToken, nil)
		if err != nil {
			return nil, err
		}
		var env struct {
			More bool   `json:"more"`
			Next string `json:"next"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			return nil, err
		}
		if !env.More {
			break
		}
		next = env.Next
		p.cursors = append(p.cursors, next)
	}
	if len(p.cursors) < total/1000*98/100 {
		return nil, fmt.Errorf("reader sees %d pages, want about %d", len(p.cursors)+1, total/1000)
	}
	return p, nil
}

// once times one request for a random page (the first page included).
func (p *pager) once() error {
	u := p.base
	if k := p.r.IntN(len(p.cursors) + 1); k < len(p.cursors) {
		u += "&next=" + p.cursors[k]
	}
	start := time.Now()
	if _, _, err := request("GET", u, readToken, nil); err != nil {
		return err
	}
	p.durs = append(p.durs, float64(time.Since(start).Microseconds())/1000)
	return nil
}

type latency struct{ median, p99 float64 }

func (p *pager) latency() latency {
	d := slices.Clone(p.durs)
	slices.Sort(d)
	return latency{d[len(d)/2], d[min(len(d)-1, len(d)*99/100)]}
}

// interleave makes samples requests of each pager, one of each per round, starting each
// round with the next pager.
func interleave(pagers []*pager, samples int) ([]latency, error) {
	for i := 0; i < samples; i++ {
		for j := range pagers {
			if err := pagers[(i+j)%len(pagers)].once(); err != nil {
				return nil, err
			}
		}
	}
	out := make([]latency, len(pagers))
	for i, p := range pagers {
		out[i] = p.latency()
	}
	return out, nil
}

// pages measures one hub alone: samples requests for random pages.
func pages(h *hubProc, total, samples int) (median, p99 float64, err error) {
	p, err := newPager(h, total)
	if err != nil {
		return 0, 0, err
	}
	l, err := interleave([]*pager{p}, samples)
	if err != nil {
		return 0, 0, err
	}
	return l[0].median, l[0].p99, nil
}

// runMeasuringPeak runs cmd and returns its peak resident memory in MiB, read from
// /proc/<pid>/status (VmHWM) while it runs. getrusage would report the bench's own peak:
// a child started by os/exec inherits its parent's high-water mark (golang/go#32054).
func runMeasuringPeak(cmd *exec.Cmd) (float64, error) {
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peakKiB int64
	read := func() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				var kib int64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kib)
				peakKiB = max(peakKiB, kib)
			}
		}
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			return float64(peakKiB) / 1024, err
		case <-t.C:
			read()
		}
	}
}

// runPostgres measures the same on PostgreSQL: each stage on a schema of its own.
func runPostgres(ctx context.Context, bin, dsn, work, bundle string, ingestN, big, samples int, res *Result) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	key := filepath.Join(work, "pg-audit.key")
	stage := func(name string) ([]string, func(), error) {
		schema := fmt.Sprintf("fb_bench_%s_%d", name, time.Now().UnixNano()%1_000_000)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			return nil, nil, err
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		where := []string{"--store", dsn + sep + "search_path=" + schema, "--audit-key", key}
		if err := applyTo(bin, filepath.Join(work, "pg-"+name), where); err != nil {
			return nil, nil, err
		}
		return where, func() { conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE") }, nil
	}
	fmt.Fprintln(os.Stderr, "postgres: ingest on one node...")
	where, drop, err := stage("one")
	if err != nil {
		return err
	}
	h, err := startServe(ctx, bin, where)
	if err != nil {
		return err
	}
	res.PGIngestPerS, err = ingest(h, ingestN, 2)
	h.stop()
	drop()
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "postgres: ingest on two nodes...")
	where, drop, err = stage("two")
	if err != nil {
		return err
	}
	a, err := startServe(ctx, bin, where)
	if err != nil {
		return err
	}
	b, err := startServe(ctx, bin, where)
	if err != nil {
		a.stop()
		return err
	}
	res.PGTwoNodesPerS, err = ingestMany([]*hubProc{a, b}, ingestN, 2)
	a.stop()
	b.stop()
	drop()
	if err != nil {
		return err
	}
	res.PGNodeRatio = res.PGTwoNodesPerS / res.PGIngestPerS
	fmt.Fprintln(os.Stderr, "postgres: pages at 10,000...")
	where, drop, err = stage("p10k")
	if err != nil {
		return err
	}
	h, err = startServe(ctx, bin, where)
	if err != nil {
		return err
	}
	if _, err = ingest(h, 10000, 1); err == nil {
		res.PGPage10kMed, res.PGPage10kP99, err = pages(h, 10000, samples)
	}
	h.stop()
	drop()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "postgres: import %d and pages...\n", big)
	where, drop, err = stage("p1m")
	if err != nil {
		return err
	}
	defer drop()
	if err := writeBundle(bundle, big); err != nil {
		return err
	}
	start := time.Now()
	imp := exec.Command(bin, append([]string{"import", "--org", "Provider"}, append(storeOnly(where), bundle)...)...)
	imp.Stderr = os.Stderr
	if err := imp.Run(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	res.PGImportPerS = float64(big) / time.Since(start).Seconds()
	os.Remove(bundle)
	h, err = startServe(ctx, bin, where)
	if err != nil {
		return err
	}
	res.PGPage1MMed, res.PGPage1MP99, err = pages(h, big, samples)
	h.stop()
	return err
}

// stopProcess interrupts a hub and waits for it to finish, killing it after 30 seconds.
func stopProcess(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
