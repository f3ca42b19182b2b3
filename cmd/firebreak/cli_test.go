package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
)

// cli runs one command line and returns its output and error.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &o, &e)
	return o.String(), e.String(), err
}

func TestCLIApplyImportExport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	decl := filepath.Join(dir, "hub.json")
	if err := os.WriteFile(decl, []byte(declaration), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := cli(t, "", "apply", "-f", decl, "--data", data)
	if err != nil || !strings.Contains(out, "5 organisations") {
		t.Fatalf("apply: %q %v", out, err)
	}
	// Applying twice is harmless.
	if _, _, err := cli(t, "", "apply", "-f", decl, "--data", data); err != nil {
		t.Fatalf("apply again: %v", err)
	}
	green := indicator("indicator--"+uuidN(1), "2024-01-01T00:00:00.000Z", stix.TLPGreenID)
	red := indicator("indicator--"+uuidN(2), "2024-01-01T00:00:00.000Z", stix.TLPRedID)
	bundle := filepath.Join(dir, "bundle.json")
	os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--`+uuidN(3)+`","objects":[`+green+",\n"+red+`]}`), 0o600)
	out, _, err = cli(t, "", "import", "--org", "Acme Energy", "--data", data, bundle)
	if err != nil || !strings.Contains(out, "imported 2 objects") {
		t.Fatalf("import: %q %v", out, err)
	}
	// Standard input works too, and a rejected object makes the command fail.
	_, errOut, err := cli(t, `{"objects":[{"type":"indicator"}]}`, "import", "--org", "Acme Energy", "--data", data, "-")
	if err == nil || !strings.Contains(errOut, "objects[0]") {
		t.Errorf("import of an invalid object: err %v, stderr %q", err, errOut)
	}
	// Bob's export holds what Bob may see: the GREEN object, not the RED one.
	exp := filepath.Join(dir, "out.json")
	if _, _, err := cli(t, "", "export", "--org", "Beta Bank", "--data", data, "--out", exp); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(exp)
	var got struct {
		Type    string
		Objects []json.RawMessage
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, b)
	}
	if got.Type != "bundle" || len(got.Objects) != 1 || string(got.Objects[0]) != green {
		t.Errorf("export = %s", b)
	}
	// Acme's own view has both.
	out, _, err = cli(t, "", "export", "--org", "Acme Energy", "--collection", "mine", "--data", data)
	if err != nil || !strings.Contains(out, uuidN(1)) || !strings.Contains(out, uuidN(2)) {
		t.Errorf("export mine: %v\n%s", err, out)
	}
}

func TestCLIErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"apply without file", []string{"apply"}, 2, "-f FILE"},
		{"bad default tlp", []string{"import", "--default-tlp", "purple", "x.json"}, 2, "default_tlp"},
		{"bad listen", []string{"serve", "--listen", "nowhere"}, 2, "listen"},
		{"tls half", []string{"serve", "--tls-cert", "c.pem"}, 2, "tls"},
		{"bad store", []string{"serve", "--store", "mysql://x"}, 2, "store"},
		// Checked before the database is opened (and migrated): nothing listens on port 1.
		{"postgres without audit key", []string{"serve", "--store", "postgres://firebreak@127.0.0.1:1/none?connect_timeout=1"}, 2, "audit_key"},
		{"export without org", []string{"export"}, 2, "--org"},
		{"unknown flag", []string{"import", "--frobnicate", "x.json"}, 2, "frobnicate"},
		{"flag value that does not parse", []string{"import", "--batch", "many", "x.json"}, 2, "batch"},
		{"setting value that does not parse", []string{"serve", "--sightings-k", "many"}, 2, "sightings-k"},
		{"config file that is not JSON", []string{"serve", "--config", configFile(t, `{"listen":`)}, 2, "not a complete JSON object"},
		{"config file with an unknown setting", []string{"serve", "--config", configFile(t, `{"frobnicate":1}`)}, 2, `unknown setting "frobnicate"`},
		{"config file with a bad duration", []string{"serve", "--config", configFile(t, `{"shutdown_timeout":"soon"}`)}, 2, `"soon" is not a duration`},
		{"missing file", []string{"apply", "-f", "/nonexistent/hub.json", "--data", "/tmp/x"}, 1, "no such file"},
		{"missing hashed set", []string{"match", "--set", "/nonexistent/set.json"}, 1, "no such file"},
		// Refused before the indicators are loaded (here: before the set is read).
		{"unknown log format", []string{"match", "--set", "/nonexistent/set.json", "--format", "syslog"}, 2, "--format"},
		{"csv without a mapping", []string{"match", "--set", "/nonexistent/set.json", "--format", "csv"}, 2, "--map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := cli(t, "", tt.args...)
			if err == nil {
				t.Fatalf("no error")
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code = %d, want %d (%v)", got, tt.code, err)
			}
			if !strings.Contains(err.Error()+stderr, tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			for _, leak := range []string{"unexpected end of JSON", "json: unknown field", "time: invalid duration"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q shows the decoder's text %q", err, leak)
				}
			}
		})
	}
	out, _, err := cli(t, "", "version")
	if err != nil || !strings.Contains(out, firebreak.Version) {
		t.Errorf("version: %q %v", out, err)
	}
}

// configFile writes a config file with content and returns its path.
func configFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "firebreak.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "firebreak.json")
	os.WriteFile(file, []byte(`{"listen":"127.0.0.1:9000","default_tlp":"green","page_size":50}`), 0o600)
	t.Setenv("FIREBREAK_LISTEN", "127.0.0.1:9001")
	fs := newFlagSet()
	s := newSettings(fs)
	if err := fs.Parse([]string{"--config", file, "--page-size", "70"}); err != nil {
		t.Fatal(err)
	}
	c, err := s.load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9001" || c.DefaultTLP != "green" || c.PageSize != 70 || c.Data != "data" {
		t.Errorf("config = %+v", c)
	}
	os.WriteFile(file, []byte(`{"listen":"127.0.0.1:9000","lissten":"x"}`), 0o600)
	fs = newFlagSet()
	s = newSettings(fs)
	fs.Parse([]string{"--config", file})
	if _, err := s.load(); err == nil || !strings.Contains(err.Error(), "lissten") {
		t.Errorf("unknown config field: %v", err)
	}
}

func TestCLIDisclosure(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	decl := filepath.Join(dir, "hub.json")
	os.WriteFile(decl, []byte(declaration), 0o600)
	if _, _, err := cli(t, "", "apply", "-f", decl, "--data", data); err != nil {
		t.Fatal(err)
	}
	red := indicator("indicator--"+uuidN(1), "2024-01-01T00:00:00.000Z", stix.TLPRedID)
	bundle := filepath.Join(dir, "b.json")
	os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--`+uuidN(2)+`","objects":[`+red+`]}`), 0o600)
	if _, _, err := cli(t, "", "import", "--org", "Acme Energy", "--data", data, bundle); err != nil {
		t.Fatal(err)
	}
	out, _, err := cli(t, "", "disclosure", "request", "--org", "Beta Bank", "--data", data, "--objects", "indicator--"+uuidN(1), "--purpose", "incident 7", "--json")
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	var reqs []struct{ ID, State, Provider string }
	json.Unmarshal([]byte(out), &reqs)
	if len(reqs) != 1 || reqs[0].State != "open" || reqs[0].Provider != "" {
		t.Fatalf("request: %s", out)
	}
	if _, _, err := cli(t, "", "disclosure", "grant", "--org", "Beta Bank", "--data", data, "--id", reqs[0].ID, "--purpose", "x", "--expires", "2099-01-01T00:00:00Z"); err == nil {
		t.Errorf("the requester granted its own request")
	}
	if _, _, err := cli(t, "", "disclosure", "grant", "--org", "Acme Energy", "--data", data, "--id", reqs[0].ID, "--purpose", "incident 7", "--expires", time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339)); err != nil {
		t.Fatalf("grant: %v", err)
	}
	out, _, _ = cli(t, "", "export", "--org", "Beta Bank", "--data", data)
	if !strings.Contains(out, uuidN(1)) {
		t.Errorf("the granted object is not in Beta Bank's export")
	}
	// One requester is fewer than k (3): its request is no row of its own, which would
	// name it. With k at 1 the row shows.
	out, _, err = cli(t, "", "disclosure", "report", "--data", data)
	if err != nil || strings.Contains(out, "granted") || strings.Contains(out, "Beta") || !strings.Contains(out, "at least 3 requesters") {
		t.Errorf("report: %v\n%s", err, out)
	}
	k1 := filepath.Join(dir, "k1.json")
	os.WriteFile(k1, []byte(`{"sightings_k":1}`), 0o600)
	out, _, err = cli(t, "", "disclosure", "report", "--data", data, "--config", k1)
	if err != nil || !strings.Contains(out, "granted") || strings.Contains(out, "Beta") {
		t.Errorf("report with k=1: %v\n%s", err, out)
	}
}

// TestConfigReview checks that every source accepts the same review values: "off" in the
// config file once failed validation although the flag took it.
func TestConfigReview(t *testing.T) {
	tests := []struct {
		name string
		file string // config file content, if any
		env  string // FIREBREAK_REVIEW, if set
		args []string
		want string
	}{
		{"default", "", "", nil, firebreak.ReviewOff},
		{"file off", `{"review":"off"}`, "", nil, firebreak.ReviewOff},
		{"file empty", `{"review":""}`, "", nil, firebreak.ReviewOff},
		{"file findings", `{"review":"findings"}`, "", nil, firebreak.ReviewFindings},
		{"file all", `{"review":"all"}`, "", nil, firebreak.ReviewAll},
		{"env off", "", "off", nil, firebreak.ReviewOff},
		{"flag off", "", "", []string{"--review", "off"}, firebreak.ReviewOff},
		{"flag off over file all", `{"review":"all"}`, "", []string{"--review", "off"}, firebreak.ReviewOff},
		{"file off under env findings", `{"review":"off"}`, "findings", nil, firebreak.ReviewFindings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				file := filepath.Join(t.TempDir(), "firebreak.json")
				if err := os.WriteFile(file, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"--config", file}, args...)
			}
			t.Setenv("FIREBREAK_CONFIG", "")
			if tt.env != "" {
				t.Setenv("FIREBREAK_REVIEW", tt.env)
			}
			fs := newFlagSet()
			s := newSettings(fs)
			if err := fs.Parse(args); err != nil {
				t.Fatal(err)
			}
			c, err := s.load()
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if c.Review != tt.want {
				t.Errorf("review = %q, want %q", c.Review, tt.want)
			}
		})
	}
	// A value that is none of them is still refused, from the file as from the flag.
	file := filepath.Join(t.TempDir(), "firebreak.json")
	os.WriteFile(file, []byte(`{"review":"sometimes"}`), 0o600)
	fs := newFlagSet()
	s := newSettings(fs)
	fs.Parse([]string{"--config", file})
	if _, err := s.load(); err == nil || !strings.Contains(err.Error(), "review") || exitCode(err) != 2 {
		t.Errorf("review sometimes: err %v, want a usage error naming review", err)
	}
}

// TestCommandsNeedAnExistingStore runs every command that works on an existing hub with a
// mistyped --data: each must fail, name the problem, and create nothing (once, each made
// a new empty hub and a new audit key there).
func TestCommandsNeedAnExistingStore(t *testing.T) {
	tests := []struct {
		name string
		args func(dir, data string) []string
	}{
		{"audit verify", func(dir, data string) []string { return []string{"audit", "verify", "--data", data} }},
		{"audit export", func(dir, data string) []string {
			return []string{"audit", "export", "--data", data, "--out", filepath.Join(dir, "out")}
		}},
		{"audit key", func(dir, data string) []string { return []string{"audit", "key", "--data", data} }},
		{"export", func(dir, data string) []string {
			return []string{"export", "--org", "Acme Energy", "--data", data, "--out", filepath.Join(dir, "out")}
		}},
		{"import", func(dir, data string) []string {
			bundle := filepath.Join(dir, "b.json")
			os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--`+uuidN(1)+`","objects":[]}`), 0o600)
			return []string{"import", "--org", "Acme Energy", "--data", data, bundle}
		}},
		{"review list", func(dir, data string) []string { return []string{"review", "list", "--data", data} }},
		{"review release", func(dir, data string) []string {
			return []string{"review", "release", "--data", data, "--id", "indicator--" + uuidN(2), "--version", "2024-01-01T00:00:00.000Z"}
		}},
		{"disclosure list", func(dir, data string) []string { return []string{"disclosure", "list", "--data", data} }},
		{"disclosure report", func(dir, data string) []string { return []string{"disclosure", "report", "--data", data} }},
		{"sync", func(dir, data string) []string { return []string{"sync", "--data", data} }},
		{"match", func(dir, data string) []string { return []string{"match", "--org", "Acme Energy", "--data", data} }},
		{"backup", func(dir, data string) []string {
			return []string{"backup", "--data", data, "--out", filepath.Join(dir, "out")}
		}},
	}
	for _, tt := range tests {
		for _, where := range []string{"missing", "empty"} {
			t.Run(tt.name+" "+where, func(t *testing.T) {
				dir := t.TempDir()
				data := filepath.Join(dir, "data")
				if where == "empty" { // the directory exists but holds no hub
					os.Mkdir(data, 0o700)
				}
				args := tt.args(dir, data)
				_, stderr, err := cli(t, "", args...)
				if err == nil {
					t.Fatalf("%v succeeded", args)
				}
				if got := exitCode(err); got == 0 {
					t.Errorf("exit code = 0")
				}
				if msg := errorText(err, false); !strings.Contains(msg, data) {
					t.Errorf("error %q (stderr %q) does not name %s", msg, stderr, data)
				}
				if where == "missing" {
					if _, err := os.Stat(data); !os.IsNotExist(err) {
						t.Errorf("%s was created (stat: %v)", data, err)
					}
				} else if ents, _ := os.ReadDir(data); len(ents) > 0 {
					t.Errorf("%s now holds %d file(s), first %s", data, len(ents), ents[0].Name())
				}
				if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
					t.Errorf("the output file was written")
				}
			})
		}
	}
	// A hub declared but never served has no audit key: reading the log does not make one.
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	decl := filepath.Join(dir, "hub.json")
	os.WriteFile(decl, []byte(declaration), 0o600)
	// apply declares a hub, so it may create one, and says so; the second time it does not.
	for i, want := range []bool{true, false} {
		_, stderr, err := cli(t, "", "apply", "-f", decl, "--data", data)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(stderr, "created a new hub in "+data); got != want {
			t.Errorf("apply #%d: stderr %q, want the creation noted: %v", i+1, stderr, want)
		}
	}
	for _, sub := range []string{"verify", "export", "key"} {
		_, _, err := cli(t, "", "audit", sub, "--data", data)
		if err == nil || !strings.Contains(errorText(err, false), "audit key") {
			t.Errorf("audit %s without a key: %v, want an error about the audit key", sub, err)
		}
		if _, err := os.Stat(filepath.Join(data, "audit.key")); err == nil {
			t.Fatalf("audit %s created audit.key", sub)
		}
	}
}

// TestErrorText checks what the CLI prints for an error: the client-safe message of a
// firebreak.Error with the context wrapped around it, never the driver's or the decoder's
// text beneath it, unless the operator asks for it (FIREBREAK_DEBUG).
func TestErrorText(t *testing.T) {
	cause := errors.New(`server error: FATAL: database "hub" does not exist (SQLSTATE 3D000)`)
	safe := firebreak.Wrap(firebreak.EUNAVAILABLE, cause, "cannot connect to the database")
	tests := []struct {
		name      string
		err       error
		debug     bool
		want      string
		wantCause bool
	}{
		{"safe message", safe, false, "cannot connect to the database", false},
		{"wrapped", fmt.Errorf("store %s: %w", "postgres://db/hub", safe), false, "store postgres://db/hub: cannot connect to the database", false},
		{"wrapped twice", fmt.Errorf("import: %w", firebreak.Wrap(firebreak.EINTERNAL, safe, "cannot store the batch")), false, "import: cannot store the batch", false},
		{"internal, no message", fmt.Errorf("export: %w", firebreak.Wrap(firebreak.EINTERNAL, cause, "")), false, "export: internal error", false},
		{"no cause", firebreak.Errorf(firebreak.ENOTFOUND, "no organisation named %q", "Acme"), false, `no organisation named "Acme"`, false},
		{"plain error", errors.New("open hub.json: no such file or directory"), false, "open hub.json: no such file or directory", false},
		{"usage error", usageError("export: --org is required"), false, "export: --org is required", false},
		{"context after", fmt.Errorf("restore b.jsonl: %w (nothing was restored)", safe), false, "restore b.jsonl: cannot connect to the database (nothing was restored)", false},
		{"debug", fmt.Errorf("store %s: %w", "postgres://db/hub", safe), true, "store postgres://db/hub: cannot connect to the database", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := errorText(tt.err, tt.debug)
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("errorText = %q, want it to start with %q", got, tt.want)
			}
			if has := strings.Contains(got, "SQLSTATE"); has != tt.wantCause {
				t.Errorf("errorText = %q: shows the cause %v, want %v", got, has, tt.wantCause)
			}
		})
	}
	// End to end: a store that cannot be opened is reported without the driver's text.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, sqlite.FileName), bytes.Repeat([]byte("not a database "), 20), 0o600)
	for _, args := range [][]string{
		{"review", "list", "--data", dir},
		{"review", "list", "--store", "postgres://u:secret@db.invalid:notaport/hub"},
	} {
		_, _, err := cli(t, "", args...)
		if err == nil {
			t.Fatalf("%v succeeded", args)
		}
		got := errorText(err, false)
		for _, leak := range []string{"(26)", "cannot parse", "invalid port", "secret"} {
			if strings.Contains(got, leak) {
				t.Errorf("%v: errorText = %q shows %q", args, got, leak)
			}
		}
		if !strings.Contains(got, "database") && !strings.Contains(got, "URL") {
			t.Errorf("%v: errorText = %q says nothing useful", args, got)
		}
	}
}

// TestNoFederationFlag checks that --no-federation is a switch: alone it is true, and
// =true or =false set it either way over the file and the environment.
func TestNoFederationFlag(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		env     string
		args    []string
		want    bool
		wantErr bool
	}{
		{"unset", "", "", nil, false, false},
		{"alone", "", "", []string{"--no-federation"}, true, false},
		{"alone before another flag", "", "", []string{"--no-federation", "--page-size", "70"}, true, false},
		{"single dash", "", "", []string{"-no-federation"}, true, false},
		{"=true", "", "", []string{"--no-federation=true"}, true, false},
		{"=false over the environment", "", "true", []string{"--no-federation=false"}, false, false},
		{"=false over the file", `{"no_federation":true}`, "", []string{"--no-federation=false"}, false, false},
		{"file", `{"no_federation":true}`, "", nil, true, false},
		{"environment", "", "true", nil, true, false},
		{"not a boolean", "", "", []string{"--no-federation=maybe"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				file := filepath.Join(t.TempDir(), "firebreak.json")
				os.WriteFile(file, []byte(tt.file), 0o600)
				args = append([]string{"--config", file}, args...)
			}
			t.Setenv("FIREBREAK_CONFIG", "")
			t.Setenv("FIREBREAK_NO_FEDERATION", tt.env)
			if tt.env == "" {
				os.Unsetenv("FIREBREAK_NO_FEDERATION")
			}
			fs := newFlagSet()
			s := newSettings(fs)
			err := fs.Parse(args)
			if err == nil && fs.NArg() > 0 {
				t.Fatalf("arguments left over: %q", fs.Args())
			}
			var c Config
			if err == nil {
				c, err = s.load()
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if err == nil && c.NoFederation != tt.want {
				t.Errorf("no federation = %v, want %v", c.NoFederation, tt.want)
			}
			if tt.name == "alone before another flag" && c.PageSize != 70 {
				t.Errorf("page size = %d, want 70", c.PageSize)
			}
		})
	}
}
